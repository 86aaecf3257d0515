#include "launcher/fabric_plan_lines.hpp"

#include <cstdlib>
#include <sstream>

#include "fabric/step_plan.hpp"
#include "fabric/validate.hpp"
#include "launcher/launch_request.hpp"

namespace sparkfabric::launch {

Plan local_plan(const std::string& config_path, int nodes) {
    StepRequest request;
    if (!config_path.empty()) {
        request.config_path = config_path;
        request.config_explicit = true;
    }
    request.require_trusted_config = false;  // we run as the user, reading what the user may read
    request.check_option = "off";
    request.nodes = nodes;
    for (const auto& name : plannable_variable_names()) {
        if (const char* value = std::getenv(name.c_str())) request.user_env[name] = value;
    }
    const StepOutcome outcome = plan_step(request);
    if (!outcome.failure.empty()) throw LaunchError(outcome.failure);
    return outcome.plan;
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
