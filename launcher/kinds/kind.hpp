// One launch kind (torchrun, mpirun, srun, vllm, sglang, ray): each is one file of this folder
// that fills this interface with its checks, its commands and its --print lines, and main.cpp
// runs whichever kind the command line named. The kinds that run one program per node around
// a head node share one driver (per_node_kind.hpp, driver/node_launch.cpp); mpirun and srun,
// whose ranks Slurm or mpirun place, launch by themselves.
#pragma once

#include "launcher/kinds/launch_kind.hpp"
#include "launcher/request/launch_request.hpp"

namespace sparkfabric::launch {

class Kind {
public:
    virtual ~Kind() = default;

    // Whether --container-runtime (docker or podman on --hostfile hosts) can run this kind's
    // program; resolve_container refuses the others, naming what works.
    virtual bool runs_in_runtime_image() const { return true; }

    // Inside a Slurm allocation (sbatch, salloc, srun --pty).
    virtual int launch_in_allocation(const LaunchRequest& request) const = 0;
    // On the hosts of --hostfile (throws LaunchError where the kind needs Slurm).
    virtual int launch_on_hosts(const LaunchRequest& request) const = 0;
    // --stage node: this node's part, where it runs. Only kinds that run one program per node
    // have one; the others throw LaunchError.
    virtual int run_node_stage(const LaunchRequest& request) const;
};

// The kind's one instance.
const Kind& kind_of(LaunchKind kind);

// Each kind's file defines its instance; kind_of picks among them.
const Kind& torchrun_kind();
const Kind& mpirun_kind();
const Kind& srun_kind();
const Kind& vllm_kind();
const Kind& sglang_kind();
const Kind& ray_kind();

// The kinds that run one program per node around a head node (the others: mpirun, srun).
bool is_per_node_launcher(LaunchKind kind);

}  // namespace sparkfabric::launch
