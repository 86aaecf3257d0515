// Launches that run one program per node around a head node: torchrun, vllm, sglang and ray.
// The launching side finds the head's address and a port free on it, then starts
// `spark-launch --stage node` on every node (srun inside Slurm, ssh with --hostfile); each node
// stage works out its own part (rank, own address, plan) where it runs, so no node's values
// travel to another.
#pragma once

#include "launcher/request/launch_request.hpp"

namespace sparkfabric::launch {

// Inside a Slurm allocation (sbatch, salloc, srun --pty).
int launch_per_node_in_allocation(const LaunchRequest& request);
// On the hosts of --hostfile, over ssh.
int launch_per_node_on_hosts(const LaunchRequest& request);
// --stage node: this node's part, run where it runs.
int run_node_stage(const LaunchRequest& request);

}  // namespace sparkfabric::launch
