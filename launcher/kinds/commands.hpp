// Command builders: argv vectors, never shell strings. Pure functions of their inputs.
#pragma once

#include <string>
#include <vector>

#include "fabric/plan/plan.hpp"
#include "launcher/run/hosts.hpp"

namespace sparkfabric::launch {

using Argv = std::vector<std::string>;

struct TorchrunNode {
    std::string torchrun = "torchrun";
    Argv runner;                   // runs torchrun's main instead of `torchrun` (empty: torchrun itself)
    int nnodes = 1;
    int nproc_per_node = 1;
    std::string endpoint_address;  // the head node's fabric address
    std::string port = "29500";   // text: --print shows a placeholder where the port is not known
    std::string rdzv_id;
    bool is_host = false;          // only the head node hosts the c10d store
    std::string local_address;     // empty: not passed (torch < 2 lacks --local_addr)
    std::vector<std::string> rdzv_conf;   // more key=value entries (use_libuv=0)
    std::vector<std::string> quirk_args;  // what the detected torch needs (--redirects ...)
    std::vector<std::string> extra_args;
    Argv program;
};

// torchrun with the underscore spellings, which every torch since 1.10 accepts.
Argv torchrun_command(const TorchrunNode& node);

// srun that starts one `spark-launch --stage node` per node of the allocation.
Argv srun_node_stage_command(const std::string& self, int nnodes, const Argv& node_stage_args);

// No per-node value travels on mpirun's command line (-x NAME=VALUE would give every rank the
// launching node's value): inside Slurm each rank inherits its node's values from the plugin
// (mpirun starts its daemons through srun); on hosts, `program` is wrapped in
// `spark-launch --stage exec`, which plans on the rank's own node.
struct MpirunJob {
    std::string mpirun = "mpirun";
    int nnodes = 1;
    int procs_per_node = 1;
    std::vector<HostEntry> hosts;  // empty: inside Slurm, mpirun asks Slurm where to go
    bool as_root = false;
    Argv program;
};

Argv mpirun_command(const MpirunJob& job);

Argv srun_mpi_command(int nnodes, int procs_per_node, const Argv& program);

// ssh HOST -- <remote command>: ssh hands the remote side one string, so each word is quoted.
// No -n: stdin is the pipe spark-launch holds, whose EOF tells the remote side to stop.
Argv ssh_command(const std::string& host, const Argv& remote);

}  // namespace sparkfabric::launch
