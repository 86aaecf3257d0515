// What vLLM and SGLang share: both take the node layout as options of their own command line,
// so the user's line is checked for what spark-launch sets per node, and ours are added only
// where the user has not given them.
#pragma once

#include <string>
#include <vector>

namespace sparkfabric::launch {

using Argv = std::vector<std::string>;

// Refuses what cannot be the same on every node (--node-rank, --headless) and a node count
// that contradicts the launch, naming the option and the fix. Throws LaunchError.
void check_serving_args(const std::string& kind, const Argv& program, int nnodes);

// `name value` at the end of argv unless the user's line has the option (either spelling).
void add_unless_given(Argv& argv, const Argv& user, const std::string& name, const std::string& value);

// "/venv/bin/vllm" -> "vllm".
std::string base_name(const std::string& path);

}  // namespace sparkfabric::launch
