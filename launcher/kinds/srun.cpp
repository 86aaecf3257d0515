// The srun kind: the program's ranks started by Slurm, each keeping its own node's plan (the
// plugin's).
#include "launcher/kinds/srun.hpp"

#include "launcher/container/container_launch.hpp"
#include "launcher/driver/launch_support.hpp"
#include "launcher/kinds/kind.hpp"
#include "launcher/run/hosts.hpp"

namespace sparkfabric::launch {
namespace {

class Srun final : public Kind {
public:
    int launch_in_allocation(const LaunchRequest& request) const override {
        return launch_srun_ranks(request, allocation_ranks(request));
    }

    int launch_on_hosts(const LaunchRequest&) const override {
        throw LaunchError("srun needs a Slurm allocation; with --hostfile use torchrun, vllm, sglang, ray or mpirun");
    }
};

}  // namespace

Argv srun_mpi_command(int nnodes, int procs_per_node, const Argv& program) {
    Argv argv{"srun", "--mpi=pmix", "--nodes=" + std::to_string(nnodes),
              "--ntasks=" + std::to_string(nnodes * procs_per_node),
              "--ntasks-per-node=" + std::to_string(procs_per_node), "--kill-on-bad-exit=1"};
    argv.insert(argv.end(), program.begin(), program.end());
    return argv;
}

AllocationRanks allocation_ranks(const LaunchRequest& request) {
    const auto nodes = expand_nodelist(env_or("SLURM_JOB_NODELIST", env_or("SLURM_NODELIST")));
    check_size(nodes.size(), request);
    return {static_cast<int>(nodes.size()), default_procs_per_node(request)};
}

int launch_srun_ranks(const LaunchRequest& request, const AllocationRanks& ranks) {
    Argv argv = srun_mpi_command(ranks.nnodes, ranks.procs_per_node, request.program);
    if (!request.container_image.empty()) {
        const Argv options = pyxis_options(request);
        argv.insert(argv.begin() + 1, options.begin(), options.end());
    }
    return finish(argv, request);
}

const Kind& srun_kind() {
    static const Srun kind;
    return kind;
}

}  // namespace sparkfabric::launch
