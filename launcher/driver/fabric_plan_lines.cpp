#include "launcher/driver/fabric_plan_lines.hpp"

#include <cstdlib>
#include <sstream>

#include "fabric/common/validate.hpp"
#include "fabric/plan/step_plan.hpp"
#include "launcher/request/launch_request.hpp"

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

std::string plan_to_lines(const Plan& plan) {
    std::string text;
    for (const auto& variable : plan.variables) {
        if (is_valid_env_value(variable.value)) text += variable.name + "=" + variable.value + "\n";
    }
    return text;
}

std::map<std::string, std::string> plan_from_lines(const std::string& text, const std::string& source) {
    std::map<std::string, std::string> values;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty()) continue;
        const auto equals = line.find('=');
        const std::string name = line.substr(0, equals);
        if (equals == std::string::npos || !is_valid_env_name(name)) {
            throw LaunchError(source + ": unexpected line '" + printable(line) + "'");
        }
        values[name] = line.substr(equals + 1);
    }
    return values;
}

}  // namespace sparkfabric::launch
