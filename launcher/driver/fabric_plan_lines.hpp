// The launcher needs the head node's plan, which may live on another node: `--stage plan`
// prints it there as NAME=VALUE lines, and the launching side reads them back.
#pragma once

#include <map>
#include <string>

#include "fabric/plan/plan.hpp"
#include "fabric/plan/step_plan.hpp"

namespace sparkfabric::launch {

// This node's step plan, from this process's environment (which may carry what the plugin
// injected: the SPARKFABRIC_INJECTED record tells it from the user's values).
StepOutcome local_step(const std::string& config_path, int nodes);
Plan local_plan(const std::string& config_path, int nodes);
// Where no plugin ran (hostfile hosts): set and unset what the step plan says, in this process.
void apply_to_environment(const StepOutcome& outcome);
std::string plan_to_lines(const Plan& plan);
// Throws LaunchError when a line is not NAME=VALUE with a valid name.
std::map<std::string, std::string> plan_from_lines(const std::string& text, const std::string& source);

}  // namespace sparkfabric::launch
