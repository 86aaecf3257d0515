#include "fabric/plan/plan_json.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "fabric/common/config.hpp"
#include "fabric/common/validate.hpp"

namespace sparkfabric {

Severity severity_named(const std::string& text) {
    for (const Severity severity : {Severity::info, Severity::warning, Severity::error}) {
        if (text == to_string(severity)) return severity;
    }
    throw std::runtime_error("unknown severity '" + printable(text) + "'");
}

void to_json(nlohmann::json& json, const Finding& finding) {
    json = {{"severity", to_string(finding.severity)}, {"code", finding.code}, {"subject", finding.subject},
            {"message", finding.message}, {"fix", finding.fix}};
}

void from_json(const nlohmann::json& json, Finding& finding) {
    finding.severity = severity_named(json.at("severity").get<std::string>());
    finding.code = json.at("code").get<std::string>();
    finding.subject = json.at("subject").get<std::string>();
    finding.message = json.at("message").get<std::string>();
    finding.fix = json.at("fix").get<std::string>();
}

void to_json(nlohmann::json& json, const PlannedVariable& variable) {
    json = {{"name", variable.name}, {"value", variable.value}, {"reason", variable.reason},
            {"user_value_kept", variable.user_value_kept}};
}

void from_json(const nlohmann::json& json, PlannedVariable& variable) {
    variable.name = json.at("name").get<std::string>();
    variable.value = json.at("value").get<std::string>();
    variable.reason = json.at("reason").get<std::string>();
    variable.user_value_kept = json.at("user_value_kept").get<bool>();
}

void to_json(nlohmann::json& json, const Plan& plan) {
    json = {{"fabric_found", plan.fabric_found},
            {"interfaces", plan.interfaces},
            {"hcas", plan.hcas},
            {"fabric_address", plan.fabric_address},
            {"topology", to_string(plan.topology)},
            {"topology_reason", plan.topology_reason},
            {"bootstrap_interface", plan.bootstrap_interface},
            {"bootstrap_address", plan.bootstrap_address},
            {"mode", to_string(plan.mode)},
            {"mode_reason", plan.mode_reason},
            {"variables", plan.variables},
            {"findings", plan.findings}};
}

void from_json(const nlohmann::json& json, Plan& plan) {
    plan.fabric_found = json.at("fabric_found").get<bool>();
    plan.interfaces = json.at("interfaces").get<std::vector<std::string>>();
    plan.hcas = json.at("hcas").get<std::vector<std::string>>();
    plan.fabric_address = json.at("fabric_address").get<std::string>();
    const std::string topology = json.at("topology").get<std::string>();
    const auto named = topology_named(topology);
    if (!named) throw std::runtime_error("unknown topology '" + printable(topology) + "'");
    plan.topology = *named;
    plan.topology_reason = json.at("topology_reason").get<std::string>();
    plan.bootstrap_interface = json.at("bootstrap_interface").get<std::string>();
    plan.bootstrap_address = json.at("bootstrap_address").get<std::string>();
    std::string error;
    const auto mode = parse_nccl_mode(json.at("mode").get<std::string>(), error);
    if (!mode) throw std::runtime_error(error);
    plan.mode = *mode;
    plan.mode_reason = json.at("mode_reason").get<std::string>();
    plan.variables = json.at("variables").get<std::vector<PlannedVariable>>();
    plan.findings = json.at("findings").get<std::vector<Finding>>();
}

}  // namespace sparkfabric
