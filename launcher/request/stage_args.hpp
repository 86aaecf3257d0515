// The arguments spark-launch passes to itself on each node (srun or ssh starts it there): which
// stage runs, and what the launching side decided for every node. No user types them and
// --help does not list them; the user's options are in launch_request.hpp.
#pragma once

#include <functional>
#include <string>

namespace sparkfabric::launch {

struct StageArgs {
    // --stage: empty for the user's launch; else
    //   plan: print this node's plan (and, with --port-from, a port free here)
    //   port: print a port free here, searching from --port-from
    //   node: run this node's part (torchrun, vllm, sglang or Ray)
    //   exec: apply this node's plan to the environment and run PROGRAM (mpirun on hosts)
    //   restore: put back the OMPI_MCA_* values this node's plugin injected, run PROGRAM (mpirun in Slurm)
    std::string name;
    int nnodes = 0;
    std::string head_address;
    int port_from = 0;
    std::string torch_version;            // "2.6"; empty: not found on the launching side
    std::string torch_libuv = "unknown";  // yes | no | unknown
    bool apply_plan = false;              // no plugin ran here (hostfile): set the plan's variables
    bool watch_stdin = false;             // end the program when stdin closes (spark-launch gone)
    int node_rank = -1;                   // hostfile: this node's rank (-1: SLURM_NODEID)
};

// Takes option `name` when it is a stage argument, reading its value with `value` (which
// throws LaunchError when there is none); false when `name` is not one. Throws LaunchError on
// a value out of its range.
bool parse_stage_arg(const std::string& name, const std::function<std::string()>& value, StageArgs& stage);

}  // namespace sparkfabric::launch
