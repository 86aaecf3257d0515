#include "fabric/plan/nccl_algo.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>
#include <sstream>

#include "fabric/common/join.hpp"
#include "fabric/common/validate.hpp"

namespace sparkfabric {
namespace {

const std::set<std::string>& known_algorithms() {
    static const std::set<std::string> names{"ring", "tree", "collnetdirect", "collnetchain", "nvls", "nvlstree", "pat"};
    return names;
}

// The collectives NCCL lets NCCL_ALGO restrict, with the algorithms that implement each one
// between Spark nodes (one GPU per node, no NVLink or SHARP between them). Ring runs them all;
// Tree only all_reduce; PAT all_gather and reduce_scatter at one rank per node.
const std::map<std::string, std::set<std::string>>& runnable_by_collective() {
    static const std::map<std::string, std::set<std::string>> table{
        {"allreduce", {"ring", "tree"}},   {"broadcast", {"ring"}},         {"reduce", {"ring"}},
        {"allgather", {"ring", "pat"}},    {"reducescatter", {"ring", "pat"}}};
    return table;
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
}

std::string trim(const std::string& text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// "ring,tree" or "^tree" -> the enabled set; nullopt with `error` on an unknown name.
std::optional<std::set<std::string>> parse_list(const std::string& text, std::string& error) {
    std::string list = trim(text);
    const bool exclude = !list.empty() && list.front() == '^';
    if (exclude) list = list.substr(1);
    std::set<std::string> named;
    std::istringstream parts(list);
    std::string item;
    while (std::getline(parts, item, ',')) {
        item = lower(trim(item));
        if (item.empty()) continue;
        if (known_algorithms().count(item) == 0) {
            error = "'" + printable(item) + "' is not an NCCL algorithm (Ring, Tree, CollnetDirect, CollnetChain, NVLS, "
                    "NVLSTree, PAT)";
            return std::nullopt;
        }
        named.insert(item);
    }
    if (named.empty() && !exclude) {
        error = "an empty algorithm list";
        return std::nullopt;
    }
    if (!exclude) return named;
    std::set<std::string> enabled;
    for (const auto& name : known_algorithms()) {
        if (named.count(name) == 0) enabled.insert(name);
    }
    return enabled;
}

// The algorithms `value` leaves enabled for each collective NCCL_ALGO can name; nullopt with
// `error` where the value is not NCCL_ALGO syntax.
std::optional<std::map<std::string, std::set<std::string>>> enabled_by_collective(const std::string& value,
                                                                                   std::string& error) {
    std::map<std::string, std::set<std::string>> enabled;
    for (const auto& [collective, runnable] : runnable_by_collective()) enabled[collective] = known_algorithms();
    std::istringstream specs(value);
    std::string spec;
    while (std::getline(specs, spec, ';')) {
        if (trim(spec).empty()) continue;
        const auto colon = spec.find(':');
        const std::string collective = colon == std::string::npos ? std::string() : lower(trim(spec.substr(0, colon)));
        const auto list = parse_list(colon == std::string::npos ? spec : spec.substr(colon + 1), error);
        if (!list) return std::nullopt;
        if (collective.empty()) {
            for (auto& entry : enabled) entry.second = *list;
        } else if (enabled.count(collective) != 0) {
            enabled[collective] = *list;
        } else {
            error = "'" + printable(collective) + "' is not a collective NCCL_ALGO can name (allreduce, broadcast, reduce, "
                    "allgather, reducescatter)";
            return std::nullopt;
        }
    }
    return enabled;
}

}  // namespace

std::optional<std::string> nccl_algo_problem(const std::string& value) {
    std::string error;
    const auto parsed = enabled_by_collective(value, error);
    if (!parsed) return error;
    auto enabled = *parsed;
    std::string stranded;
    for (const auto& [collective, runnable] : runnable_by_collective()) {
        const auto& allowed = enabled[collective];
        const bool any = std::any_of(runnable.begin(), runnable.end(), [&](const auto& a) { return allowed.count(a) != 0; });
        if (!any) stranded += (stranded.empty() ? "" : ", ") + collective;
    }
    if (stranded.empty()) return std::nullopt;
    return "'" + printable(value) + "' leaves " + stranded +
           " with no algorithm NCCL can run between nodes (NCCL then fails with \"no algorithm/protocol available\"); "
           "keep Ring for them, e.g. allreduce:tree,ring;broadcast:ring or leave NCCL_ALGO unset";
}

std::vector<std::string> beyond_ring(const std::string& value) {
    std::string error;
    const auto enabled = enabled_by_collective(value, error);
    std::vector<std::string> found;
    if (!enabled) return found;  // not NCCL_ALGO syntax: nccl_algo_problem says so
    for (const auto& [collective, runnable] : runnable_by_collective()) {
        std::vector<std::string> others;
        for (const auto& algorithm : runnable) {
            if (algorithm != "ring" && enabled->at(collective).count(algorithm) != 0) {
                others.push_back(algorithm == "tree" ? "Tree" : "PAT");
            }
        }
        if (!others.empty()) found.push_back(collective + " (" + join(others, ", ") + ")");
    }
    return found;
}

}  // namespace sparkfabric
