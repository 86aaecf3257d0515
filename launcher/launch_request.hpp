// spark-launch's command line: what to launch, where, and how.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace sparkfabric::launch {

inline constexpr int kMaxNodesWithoutFlag = 10;  // a DGX Spark stack is 2 to 10 nodes

class LaunchError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class LocalAddr { automatic, on, off };

struct LaunchRequest {
    std::string launcher;               // torchrun | mpirun | srun
    std::vector<std::string> program;   // PROGRAM [ARGS] after --
    bool print = false;
    int port = 0;                       // 0: derived from the job id
    int nproc_per_node = 0;             // 0: GPUs per node from Slurm, else 1
    std::string hostfile;
    bool allow_large = false;
    std::string config_path;            // site config for the plan; empty: the default
    std::string torchrun = "torchrun";
    std::string mpirun = "mpirun";
    std::vector<std::string> torchrun_args;  // extra torchrun options, before PROGRAM
    LocalAddr local_addr = LocalAddr::automatic;

    // Internal stages, run by spark-launch itself on each node (through srun or ssh):
    //   plan: print this node's plan (and, with --port-from, a port free here)
    //   port: print a port free here, searching from --port-from
    //   node: run this node's torchrun
    //   exec: apply this node's plan to the environment and run PROGRAM (mpirun on hosts)
    std::string stage;
    int nnodes = 0;
    std::string head_address;
    std::string rdzv_id;
    int port_from = 0;
    std::string torch_version;          // "2.6"; empty: not found on the launching side
    std::string torch_libuv = "unknown";  // yes | no | unknown
    bool apply_plan = false;            // no plugin ran here (hostfile): set the plan's variables
    bool watch_stdin = false;           // end the program when stdin closes (spark-launch gone)
    bool is_host = false;               // hostfile: this node hosts the rendezvous store
};

// Throws LaunchError naming the option and what is allowed.
LaunchRequest parse_launch_args(const std::vector<std::string>& args);

extern const char* const kUsage;

}  // namespace sparkfabric::launch
