// Small pieces every launch flow uses: sizes, process counts, ports, and how a flow ends.
#pragma once

#include <string>
#include <vector>

#include "launcher/request/launch_request.hpp"

namespace sparkfabric::launch {

using Argv = std::vector<std::string>;

inline constexpr int kGraceSeconds = 10;  // between a forwarded signal and SIGKILL
// The same on a host of a --hostfile launch, for the program it runs: longer than torchrun's own
// 30 s between SIGTERM and SIGKILL for its workers (PContext._close(timeout=30) in
// torch/distributed/elastic/multiprocessing/api.py: SubprocessContext, line 694 in torch 1.13, 892 in 2.6), so that
// torchrun ends its workers before it is killed itself; torch 2.x starts each worker in its own
// session (subprocess_handler.py line 56), out of reach of a SIGKILL to torchrun's group.
inline constexpr int kHostStopGraceSeconds = 45;

std::string env_or(const char* name, const std::string& fallback = {});

// sbatch --export=NONE (a common site policy) leaves SLURM_EXPORT_ENV=NONE in the batch step
// (src/sbatch/opt.c sets it for any --export but ALL), and each srun started there takes it as
// its --export (srun(1): SLURM_EXPORT_ENV "Same as --export"; srun's option table maps it to
// export_env): spark-launch's own steps, and the
// srun that Open MPI's mpirun starts its daemons with, would lose the PATH and virtualenv the
// script set up. Inside the job, the script's environment is the job's own: every step gets it
// (SLURM_EXPORT_ENV=ALL). True when it changed SLURM_EXPORT_ENV.
bool export_job_environment_to_steps();

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
