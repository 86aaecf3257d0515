// Small pieces every launch flow uses: sizes, process counts, ports, and how a flow ends.
#pragma once

#include <string>
#include <vector>

#include "launcher/launch_request.hpp"

namespace sparkfabric::launch {

using Argv = std::vector<std::string>;

inline constexpr int kGraceSeconds = 10;  // between a forwarded signal and SIGKILL

std::string env_or(const char* name, const std::string& fallback = {});

// Throws LaunchError past 10 nodes without --allow-large.
void check_size(size_t nodes, const LaunchRequest& request);

// --nproc-per-node, else GPUs per node as Slurm says (SLURM_GPUS_ON_NODE, SLURM_GPUS_PER_NODE
// "gpu:2" or "2"), else 1.
int default_procs_per_node(const LaunchRequest& request);

// --print: prints argv shell-quoted, returns 0. Else replaces this process with argv
// (returns 127 with a message only when that fails).
int finish(const Argv& argv, const LaunchRequest& request);

// A port free here from `from`; throws LaunchError naming this host when none is.
int free_port_here(int from);

}  // namespace sparkfabric::launch
