// spark-launch's command line: what to launch, where, and how.
#pragma once

#include <string>
#include <vector>

#include "launcher/kinds/launch_kind.hpp"
#include "launcher/request/stage_args.hpp"
#include "launcher/run/launch_error.hpp"

namespace sparkfabric::launch {

inline constexpr int kMaxNodesWithoutFlag = 10;  // a DGX Spark stack is 2 to 10 nodes

enum class LocalAddr { automatic, on, off };

// --preflight / --no-preflight; without either, the site config's check.preflight decides.
enum class Preflight { site, on, off };

struct LaunchRequest {
    LaunchKind kind = LaunchKind::torchrun;  // parsed once; a stage other than node has none
    std::vector<std::string> program;   // PROGRAM [ARGS] after --
    bool print = false;
    Preflight preflight = Preflight::site;
    int port = 0;                       // 0: derived from the job id
    int nproc_per_node = 0;             // 0: GPUs per node from Slurm, else 1
    std::string hostfile;
    bool allow_large = false;
    std::string config_path;            // site config for the plan; empty: the default
    std::string torchrun = "torchrun";
    std::string mpirun = "mpirun";
    std::vector<std::string> torchrun_args;  // extra torchrun options, before PROGRAM
    LocalAddr local_addr = LocalAddr::automatic;
    std::string python;                 // sglang's, and Ray's helper's (empty: ray's own, else python3)
    std::string ray = "ray";
    std::vector<std::string> ray_start_args;  // more `ray start` options, on every node
    int join_timeout = 300;             // seconds for every node to join (Ray)
    std::string container_image;        // pyxis --container-image: the program runs in this image
    std::string container_mounts;       // pyxis --container-mounts, passed as given (SRC:DST[:FLAGS],...)
    std::string container_runtime;      // --hostfile: docker | podman starts the image on each host
    std::string rdzv_id;                // --rdzv-id; empty: one made for this launch

    StageArgs stage;                    // spark-launch's own arguments on each node (stage_args.hpp)
};

// Throws LaunchError naming the option and what is allowed.
LaunchRequest parse_launch_args(const std::vector<std::string>& args);
// The interpreter a program runs with where nothing better is known (sglang's launch_server, a
// probe or Ray's helper in an image): --python, else the first python3 on PATH there.
std::string python_or_default(const LaunchRequest& request);

extern const char* const kUsage;

}  // namespace sparkfabric::launch
