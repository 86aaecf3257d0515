// The survey as a person reads it (a table of cells, then one line per problem, then the plan
// node by node) and as tools read it (JSON).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

#include "fabric/checks/survey.hpp"

namespace sparkfabric {
namespace {

std::string pad(const std::string& text, size_t width) {
    return text.size() >= width ? text + " " : text + std::string(width - text.size() + 1, ' ');
}

std::string painted(Cell cell, size_t width, bool colour) {
    const std::string text = pad(to_string(cell), width);
    if (!colour || cell == Cell::none) return text;
    const char* code = cell == Cell::ok ? "32" : cell == Cell::warn ? "33" : "1;31";
    return std::string("\033[") + code + "m" + text + "\033[0m";
}

const char* severity_word(Severity severity) {
    return severity == Severity::error ? "FAIL" : severity == Severity::warning ? "warn" : "info";
}

// The "inside the image" rows, side by side where nodes differ (a node's stale copy of a tag).
std::string image_text(const SurveyResult& result, size_t node_width) {
    std::vector<std::string> labels;
    std::map<std::string, std::map<std::string, std::string>> rows;  // label -> node -> text
    for (const auto& node : result.nodes) {
        const auto view = result.images.find(node);
        if (view == result.images.end() || !view->second.error.empty()) continue;
        for (const auto& [label, text] : image_rows(view->second)) {
            if (rows.count(label) == 0) labels.push_back(label);
            rows[label][node] = text;
        }
    }
    std::string text = "\ninside the image " + result.image;
    if (labels.empty()) return text + ": no node started it (see the problems)\n";
    text += " (* differs between nodes):\n";
    for (const auto& label : labels) {
        const auto& by_node = rows.at(label);
        const bool same = std::all_of(by_node.begin(), by_node.end(),
                                      [&](const auto& entry) { return entry.second == by_node.begin()->second; });
        if (same) {
            text += "    " + label + ": " + by_node.begin()->second + "\n";
            continue;
        }
        text += "  * " + label + ":\n";
        for (const auto& [node, value] : by_node) text += "      " + pad(node, node_width) + value + "\n";
    }
    return text;
}

nlohmann::json image_json(const SurveyResult& result) {
    if (result.image.empty()) return nullptr;
    nlohmann::json nodes = nlohmann::json::object();
    for (const auto& [node, view] : result.images) {
        nlohmann::json libraries = nlohmann::json::array(), conf = nlohmann::json::array(), rows = nlohmann::json::object();
        for (const auto& library : view.runtime.software.nccl) {
            libraries.push_back({{"path", library.path}, {"version", library.version}});
        }
        for (const auto& line : view.runtime.conf) {
            conf.push_back({{"file", line.file}, {"line", line.line}, {"name", line.name}, {"value", line.value}});
        }
        if (view.error.empty()) {
            for (const auto& [label, text] : image_rows(view)) rows[label] = text;
        }
        nodes[node] = {{"error", view.error},
                       {"machine", view.runtime.machine},
                       {"nccl", libraries},
                       {"torch_version", view.runtime.software.torch_version},
                       {"nccl_conf", conf},
                       {"net_plugins", view.runtime.software.nccl_net_plugins},
                       {"missing_interfaces", view.runtime.missing_interfaces},
                       {"environment", view.image_environment},
                       {"rows", rows}};
    }
    return {{"name", result.image}, {"nodes", nodes}};
}

}  // namespace

std::string survey_to_text(const SurveyResult& result, bool colour) {
    size_t node_width = 4;
    for (const auto& node : result.nodes) node_width = std::max(node_width, node.size());
    std::string text = "sparkfabric survey: " + std::to_string(result.nodes.size()) + " node(s), " +
                       (result.exit_code == 0 ? "all checks pass" : result.exit_code == 1 ? "warnings" : "errors") + "\n";
    text += pad("node", node_width);
    for (const auto& check : result.checks) text += pad(check, std::max<size_t>(check.size(), 4));
    text += "\n";
    for (const auto& node : result.nodes) {
        text += pad(node, node_width);
        for (const auto& check : result.checks) {
            text += painted(result.cells.at(node).at(check), std::max<size_t>(check.size(), 4), colour);
        }
        text += "\n";
    }
    if (!result.problems.empty()) {
        text += "\nproblems:\n";
        for (const auto& problem : result.problems) {
            text += std::string("  ") + severity_word(problem.severity) + " " + problem.node + ": " + problem.subject + ": " +
                    problem.message + "\n";
            if (!problem.fix.empty()) text += "       fix: " + problem.fix + "\n";
        }
    }
    if (!result.variables.empty()) {
        text += "\nwhat each node's jobs get (* differs between nodes):\n";
        for (const auto& [name, by_node] : result.variables) {
            const bool differs = std::find(result.differs.begin(), result.differs.end(), name) != result.differs.end();
            if (!differs) {
                text += "    " + name + "=" + by_node.begin()->second + "\n";
                continue;
            }
            text += "  * " + name + ":\n";
            for (const auto& node : result.nodes) {
                const auto found = by_node.find(node);
                text += "      " + pad(node, node_width) + (found == by_node.end() ? "(unset)" : found->second) + "\n";
            }
        }
    }
    if (!result.image.empty()) text += image_text(result, node_width);
    return text;
}

std::string survey_to_json(const SurveyResult& result) {
    nlohmann::json cells = nlohmann::json::object();
    for (const auto& [node, row] : result.cells) {
        for (const auto& [check, cell] : row) cells[node][check] = to_string(cell);
    }
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& problem : result.problems) {
        problems.push_back({{"severity", to_string(problem.severity)}, {"node", problem.node}, {"subject", problem.subject},
                            {"message", problem.message}, {"fix", problem.fix}});
    }
    const nlohmann::json document = {{"nodes", result.nodes},         {"checks", result.checks},
                                     {"cells", cells},                {"problems", problems},
                                     {"variables", result.variables}, {"differs", result.differs},
                                     {"bandwidth", {{"requested", result.bandwidth.requested},
                                                    {"measured", result.bandwidth.measured},
                                                    {"peak_all_reduce_busbw_gbps", result.bandwidth.peak_all_reduce_busbw},
                                                    {"pass_mark_gbps", result.bandwidth.pass_mark},
                                                    {"note", result.bandwidth.note}}},
                                     {"image", image_json(result)},
                                     {"exit_code", result.exit_code}};
    return document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace sparkfabric
