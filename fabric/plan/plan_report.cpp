#include "fabric/plan/plan_report.hpp"

#include <nlohmann/json.hpp>

#include "fabric/common/shell_quote.hpp"

namespace sparkfabric {

std::string plan_to_shell(const Plan& plan) {
    std::string text;
    for (const auto& variable : plan.variables) {
        text += "export " + variable.name + "=" + shell_quote(variable.value) + "\n";
    }
    return text;
}

std::string plan_to_json(const Plan& plan, const std::string& node) {
    nlohmann::json variables = nlohmann::json::array();
    for (const auto& variable : plan.variables) {
        variables.push_back({{"name", variable.name},
                             {"value", variable.value},
                             {"reason", variable.reason},
                             {"user_value_kept", variable.user_value_kept}});
    }
    nlohmann::json findings = nlohmann::json::array();
    for (const auto& finding : plan.findings) {
        findings.push_back({{"severity", to_string(finding.severity)},
                            {"code", finding.code},
                            {"subject", finding.subject},
                            {"message", finding.message},
                            {"fix", finding.fix}});
    }
    nlohmann::json document = {{"node", node},
                               {"fabric_found", plan.fabric_found},
                               {"interfaces", plan.interfaces},
                               {"hcas", plan.hcas},
                               {"fabric_address", plan.fabric_address},
                               {"topology", to_string(plan.topology)},
                               {"topology_reason", plan.topology_reason},
                               {"bootstrap_interface", plan.bootstrap_interface},
                               {"bootstrap_address", plan.bootstrap_address},
                               {"mode", to_string(plan.mode)},
                               {"mode_reason", plan.mode_reason},
                               {"variables", variables},
                               {"findings", findings}};
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
