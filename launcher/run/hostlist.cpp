// Node lists go through Slurm's own hostlist code, so every form Slurm accepts works here.
extern "C" {
#include <slurm/slurm.h>
}

#include <cstdlib>
#include <memory>
#include <string_view>

#include "fabric/common/validate.hpp"
#include "launcher/run/launch_error.hpp"
#include "launcher/run/hosts.hpp"

namespace sparkfabric::launch {
namespace {

// Slurm's own limit for one bracket range; no job on DGX Sparks comes near it.
constexpr double kMaxExpandedNodes = 65536;
// Larger numbers in brackets are no node names; at 2^64-1 (where strtoul saturates) libslurm
// 22.05 loops forever on "a[18446744073709551615]b[1]".
constexpr double kMaxRangeNumber = 1e18;

struct ListSize {
    double names = 0;            // an upper bound
    bool huge_number = false;    // a number in brackets above kMaxRangeNumber
};

// How many names the list can expand to, from its text: the sum over its elements (separated
// as libslurm separates them) of the product of their bracket sizes. libslurm expands
// "a[1-1000]b[1-1000]" into every combination inside slurm_hostlist_create(), before it can be
// counted, so a list like that took seconds and gigabytes (found by fuzz/nodelist_fuzz.cpp).
// An over-estimate at worst; what this does not understand is left to libslurm.
ListSize estimate_size(std::string_view list) {
    ListSize size;
    const auto number = [&](std::string_view digits) {
        double value = 0;
        for (char c : digits) value = (c >= '0' && c <= '9') ? value * 10 + (c - '0') : value;
        if (value > kMaxRangeNumber) size.huge_number = true;
        return value;
    };
    double element = 1;
    size_t i = 0;
    while (i < list.size()) {
        if (list[i] == ',' || list[i] == ' ' || list[i] == '\t' || list[i] == '\n') {
            size.names += element;
            element = 1;
            ++i;
        } else if (list[i] == '[') {
            const size_t close = list.find(']', i);
            if (close == std::string_view::npos) break;
            double group = 0;
            std::string_view ranges = list.substr(i + 1, close - i - 1);
            while (!ranges.empty()) {
                const size_t comma = ranges.find(',');
                const std::string_view range = ranges.substr(0, comma);
                ranges = comma == std::string_view::npos ? std::string_view() : ranges.substr(comma + 1);
                const size_t dash = range.find('-');
                const double low = number(range.substr(0, dash));
                const double high = dash == std::string_view::npos ? low : number(range.substr(dash + 1));
                group += high >= low ? high - low + 1 : 1;
            }
            element *= group > 1 ? group : 1;
            i = close + 1;
        } else {
            ++i;
        }
    }
    size.names += element;
    return size;
}

}  // namespace

std::vector<std::string> expand_nodelist(const std::string& nodelist) {
    if (nodelist.empty()) throw LaunchError("empty node list");
    const ListSize size = estimate_size(nodelist);
    if (size.huge_number) {
        throw LaunchError("node list '" + printable(nodelist) + "' holds a number too large for a node name");
    }
    if (size.names > kMaxExpandedNodes) {
        throw LaunchError("node list '" + printable(nodelist) + "' names more than " +
                          std::to_string(static_cast<int>(kMaxExpandedNodes)) + " nodes");
    }
    // Slurm 23.11 turned hostlist_t from `struct hostlist *` into `struct hostlist` and made the
    // functions take `hostlist_t *`: either way they take and return `struct hostlist *`, so
    // naming that type keeps one code path for 22.05 through 25.x.
    const std::unique_ptr<struct hostlist, void (*)(struct hostlist*)> list(
        slurm_hostlist_create(nodelist.c_str()), [](struct hostlist* l) { slurm_hostlist_destroy(l); });
    if (list == nullptr) throw LaunchError("node list '" + printable(nodelist) + "' is not valid");
    std::vector<std::string> names;
    while (char* name = slurm_hostlist_shift(list.get())) {
        const std::unique_ptr<char, void (*)(void*)> owned(name, std::free);
        names.emplace_back(name);
    }
    for (const auto& name : names) {
        if (!is_valid_host_name(name)) {
            throw LaunchError("node list '" + printable(nodelist) + "' holds '" + printable(name) +
                              "', which is not a host name");
        }
    }
    if (names.empty()) throw LaunchError("node list '" + printable(nodelist) + "' names no node");
    return names;
}

}  // namespace sparkfabric::launch
