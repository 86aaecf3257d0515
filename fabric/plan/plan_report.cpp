#include "fabric/plan/plan_report.hpp"

#include <nlohmann/json.hpp>

#include "fabric/common/shell_quote.hpp"
#include "fabric/plan/plan_json.hpp"

namespace sparkfabric {

std::string plan_to_shell(const Plan& plan) {
    std::string text;
    for (const auto& variable : plan.variables) {
        text += "export " + variable.name + "=" + shell_quote(variable.value) + "\n";
    }
    return text;
}

std::string plan_to_json(const Plan& plan, const std::string& node) {
    nlohmann::json document = plan;
    document["node"] = node;
    // Replace invalid UTF-8 from odd user values rather than throwing while reporting.
    return document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::vector<std::string> explain_lines(const Plan& plan, const std::string& node) {
    std::vector<std::string> lines;
    const std::string prefix = "sparkfabric: " + node + ": ";
    if (plan.fabric_found) {
        lines.push_back(prefix + "fabric " + plan.interfaces[0] + " (" + plan.fabric_address + "), mode " +
                        to_string(plan.mode) + ": " + plan.mode_reason);
        lines.push_back(prefix + "topology " + to_string(plan.topology) + ": " + plan.topology_reason +
                        "; bootstrap on " + plan.bootstrap_interface + " (" + plan.bootstrap_address + ")");
    }
    for (const auto& variable : plan.variables) {
        lines.push_back(prefix + variable.name + "=" + variable.value + "  <- " + variable.reason);
    }
    for (const auto& finding : plan.findings) lines.push_back("sparkfabric: " + format_finding(finding, node));
    return lines;
}

}  // namespace sparkfabric
