// This node's step plan, planned here by spark-launch itself: for the head's address and port
// (`--stage plan`), a node's own address, and the hosts where no plugin ran (--hostfile).
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

// The head's answer to `--stage plan` is its plan in the one JSON form of a plan (plan_json, as
// `spark-fabric env --format json` prints it). A port free on the head, when one was asked for,
// travels in it as the variable SPARKFABRIC_LAUNCH_PORT; `port` 0 leaves the plan as it is.
Plan with_launch_port(Plan plan, int port);
// The answer read back. Throws LaunchError naming `head` when the text is not such a plan.
Plan plan_from_head(const std::string& text, const std::string& head);
// A plan's variables by name, as the launcher looks them up: only those an environment can hold
// (valid name, value without control characters), a later one of a name over an earlier one.
std::map<std::string, std::string> plan_values(const Plan& plan);

}  // namespace sparkfabric::launch
