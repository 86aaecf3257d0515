// The driver of the kinds that run one program per node around a head node (torchrun, vllm,
// sglang, ray: kinds/per_node_kind.hpp). The launching side finds the head's address and a
// port free on it, then starts `spark-launch --stage node` on every node (srun inside Slurm,
// ssh with --hostfile); each node stage works out its own part (rank, own address, plan) where
// it runs, so no node's values travel to another. What differs between kinds, the kind says.
#pragma once

#include <string>
#include <vector>

#include "launcher/request/launch_request.hpp"

namespace sparkfabric::launch {

class PerNodeKind;
using Argv = std::vector<std::string>;

// Inside a Slurm allocation (sbatch, salloc, srun --pty).
int launch_per_node_in_allocation(const PerNodeKind& kind, const LaunchRequest& request);
// On the hosts of --hostfile, over ssh.
int launch_per_node_on_hosts(const PerNodeKind& kind, const LaunchRequest& request);
// --stage node: this node's part, run where it runs.
int run_per_node_stage(const PerNodeKind& kind, const LaunchRequest& request);

// srun that starts one `spark-launch --stage node` per node of the allocation.
Argv srun_node_stage_command(const std::string& self, int nnodes, const Argv& node_stage_args);

}  // namespace sparkfabric::launch
