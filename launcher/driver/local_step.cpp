#include "launcher/driver/local_step.hpp"

#include <cstdlib>

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

}  // namespace sparkfabric::launch
