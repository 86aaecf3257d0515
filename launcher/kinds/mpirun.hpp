// mpirun: Open MPI's mpirun, -np and --map-by ppr:N:node; every rank keeps its own node's
// fabric settings.
//
// No per-node value travels on mpirun's command line (-x NAME=VALUE would give every rank the
// launching node's value): inside Slurm each rank inherits its node's values from the plugin
// (mpirun starts its daemons through srun); on hosts, `program` is wrapped in
// `spark-launch --stage exec`, which plans on the rank's own node.
#pragma once

#include <string>
#include <vector>

#include "launcher/request/launch_request.hpp"
#include "launcher/run/hosts.hpp"

namespace sparkfabric::launch {

using Argv = std::vector<std::string>;

struct MpirunJob {
    std::string mpirun = "mpirun";
    int nnodes = 1;
    int procs_per_node = 1;
    std::vector<HostEntry> hosts;  // empty: inside Slurm, mpirun asks Slurm where to go
    bool as_root = false;
    Argv program;
};

Argv mpirun_command(const MpirunJob& job);

// --stage exec: a rank started by mpirun on a plain host gets its own node's plan.
int run_exec_stage(const LaunchRequest& request);
// --stage restore: a rank inside Slurm gets back the OMPI_MCA_* values its node's plugin
// injected (mpirun's own environment lost them: see mpirun.cpp).
int run_restore_stage(const LaunchRequest& request);

}  // namespace sparkfabric::launch
