#include "launcher/driver/local_step.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>

#include "fabric/common/validate.hpp"
#include "fabric/plan/plan_json.hpp"
#include "fabric/plan/step_plan.hpp"
#include "launcher/run/launch_error.hpp"

namespace sparkfabric::launch {

StepOutcome local_step(const std::string& config_path, int nodes) {
    StepRequest request;
    if (!config_path.empty()) {
        request.config_path = config_path;
        request.config_explicit = true;
    }
    request.require_trusted_config = false;  // we run as the user, reading what the user may read
    request.check_option = "off";
    request.nodes = nodes;
    request.environment = [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
    };
    StepOutcome outcome = plan_step(request);
    if (!outcome.failure.empty()) throw LaunchError(outcome.failure);
    return outcome;
}

Plan local_plan(const std::string& config_path, int nodes) { return local_step(config_path, nodes).plan; }

void apply_to_environment(const StepOutcome& outcome) {
    for (const auto& name : outcome.to_unset) unsetenv(name.c_str());
    for (const auto& variable : outcome.to_set) setenv(variable.name.c_str(), variable.value.c_str(), 1);
}

Plan with_launch_port(Plan plan, int port) {
    if (port > 0) {
        plan.variables.push_back({"SPARKFABRIC_LAUNCH_PORT", std::to_string(port),
                                  "a port free on this node for the launch's rendezvous", false});
    }
    return plan;
}

Plan plan_from_head(const std::string& text, const std::string& head) {
    std::string reason;
    try {
        return nlohmann::json::parse(text).get<Plan>();
    } catch (const nlohmann::json::parse_error& error) {
        // What the head printed instead (an older spark-launch, a message) says more than where.
        reason = text.empty() ? "it printed nothing"
                              : "not JSON (at byte " + std::to_string(error.byte) + "); it begins '" + printable(text) + "'";
    } catch (const std::exception& error) {  // nlohmann's other refusals, and plan_json's of a name
        reason = error.what();
        // nlohmann's messages open with "[json.exception.<kind>.<id>] ": not for the user.
        if (reason.rfind("[json.exception.", 0) == 0 && reason.find("] ") != std::string::npos) {
            reason.erase(0, reason.find("] ") + 2);
        }
        reason = printable(reason);
    }
    throw LaunchError(head + " answered spark-launch --stage plan with no fabric plan: " + reason);
}

std::map<std::string, std::string> plan_values(const Plan& plan) {
    std::map<std::string, std::string> values;
    for (const auto& variable : plan.variables) {
        if (is_valid_env_name(variable.name) && is_valid_env_value(variable.value)) values[variable.name] = variable.value;
    }
    return values;
}

}  // namespace sparkfabric::launch
