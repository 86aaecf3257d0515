// This node's step plan, planned here by spark-launch itself: for the head's address and port
// (`--stage plan`), a node's own address, and the hosts where no plugin ran (--hostfile).
#pragma once

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

}  // namespace sparkfabric::launch
