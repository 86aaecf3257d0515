// The survey as a person reads it (a table of cells, then one line per problem, then the plan
// node by node) and as tools read it (JSON).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "fabric/checks/survey.hpp"
#include "fabric/plan/plan_json.hpp"

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

Cell cell_from(const std::string& text) {
    for (const Cell cell : {Cell::ok, Cell::warn, Cell::fail, Cell::none}) {
        if (text == to_string(cell)) return cell;
    }
    throw std::runtime_error("unknown cell '" + text + "'");
}

ImageView image_view_from(const nlohmann::json& node) {
    ImageView view;
    view.error = node.at("error").get<std::string>();
    view.runtime.machine = node.at("machine").get<std::string>();
    for (const auto& library : node.at("nccl")) {
        NcclLibrary found;
        found.path = library.at("path").get<std::string>();
        found.version = library.at("version").get<std::string>();
        view.runtime.software.nccl.push_back(found);
    }
    view.runtime.software.torch_version = node.at("torch_version").get<std::string>();
    for (const auto& line : node.at("nccl_conf")) {
        view.runtime.conf.push_back({line.at("file").get<std::string>(), line.at("line").get<int>(),
                                     line.at("name").get<std::string>(), line.at("value").get<std::string>()});
    }
    view.runtime.software.nccl_net_plugins = node.at("net_plugins").get<std::vector<std::string>>();
    view.runtime.missing_interfaces = node.at("missing_interfaces").get<std::vector<std::string>>();
    view.image_environment = node.at("environment").get<std::map<std::string, std::string>>();
    return view;
}

}  // namespace

SurveyResult survey_from_json(const std::string& text, const std::string& source) {
    try {
        const nlohmann::json document = nlohmann::json::parse(text);
        SurveyResult result;
        result.nodes = document.at("nodes").get<std::vector<std::string>>();
        result.checks = document.at("checks").get<std::vector<std::string>>();
        for (const auto& [node, row] : document.at("cells").items()) {
            for (const auto& [check, cell] : row.items()) result.cells[node][check] = cell_from(cell.get<std::string>());
        }
        for (const auto& problem : document.at("problems")) {
            result.problems.push_back({severity_named(problem.at("severity").get<std::string>()),
                                       problem.at("node").get<std::string>(), problem.at("subject").get<std::string>(),
                                       problem.at("message").get<std::string>(), problem.at("fix").get<std::string>()});
        }
        result.variables = document.at("variables").get<std::map<std::string, std::map<std::string, std::string>>>();
        result.differs = document.at("differs").get<std::vector<std::string>>();
        const auto& bandwidth = document.at("bandwidth");
        result.bandwidth.requested = bandwidth.at("requested").get<bool>();
        result.bandwidth.measured = bandwidth.at("measured").get<bool>();
        result.bandwidth.peak_all_reduce_busbw = bandwidth.at("peak_all_reduce_busbw_gbps").get<double>();
        result.bandwidth.pass_mark = bandwidth.at("pass_mark_gbps").get<double>();
        result.bandwidth.note = bandwidth.at("note").get<std::string>();
        if (const auto& image = document.at("image"); !image.is_null()) {
            result.image = image.at("name").get<std::string>();
            for (const auto& [node, view] : image.at("nodes").items()) {
                result.images[node] = image_view_from(view);
                result.images[node].image = result.image;
            }
        }
        result.exit_code = document.at("exit_code").get<int>();
        return result;
    } catch (const std::exception& error) {
        throw std::runtime_error(source + ": not a survey document (" + error.what() + ")");
    }
}

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
