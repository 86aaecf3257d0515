// The mpirun kind: mpirun's command inside an allocation and on --hostfile hosts, and the
// stages that give each rank its own node's values.
#include "launcher/kinds/mpirun.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "fabric/plan/injected_record.hpp"
#include "launcher/driver/launch_support.hpp"
#include "launcher/driver/local_step.hpp"
#include "launcher/kinds/kind.hpp"
#include "launcher/kinds/srun.hpp"
#include "launcher/run/process.hpp"

namespace sparkfabric::launch {
namespace {

// mpirun inside Slurm: the values the plugin injected for the launching node must not reach
// other nodes' ranks. Open MPI hands its own OMPI_MCA_* environment to every rank, so ours leave
// mpirun's environment (drop_injected_mca_values), and each rank puts back what its own node's
// plugin recorded (--stage restore): remote ranks still have it from their daemon's step, the
// ranks mpirun forks on its own node get it back from the record.
void drop_injected_mca_values() {
    for (const auto& [name, value] : decode_injected_record(env_or(kInjectedRecordName))) {
        if (name.rfind("OMPI_MCA_", 0) == 0 && env_or(name.c_str()) == value) unsetenv(name.c_str());
    }
}

class Mpirun final : public Kind {
public:
    // mpirun starts its ranks' daemons itself, over ssh, outside any container it could be given.
    bool runs_in_runtime_image() const override { return false; }

    int launch_in_allocation(const LaunchRequest& request) const override {
        const AllocationRanks ranks = allocation_ranks(request);
        // mpirun in an image: its daemons would start through an srun inside the image, which
        // images lack, and mpirun would start in the batch step's environment, not the image's.
        // The ranks start as pyxis documents MPI in containers instead (srun --mpi=pmix, each rank
        // in the image, wired up by Slurm's PMIx; the image's Open MPI needs PMIx, as NGC's has).
        if (!request.container_image.empty()) {
            if (!request.print) {
                std::cerr << "spark-launch: mpirun in the image " << request.container_image
                          << ": its ranks start through srun --mpi=pmix, each in the image (mpirun's daemons would need "
                             "srun inside it)\n";
            }
            return launch_srun_ranks(request, ranks);
        }
        MpirunJob job;
        job.mpirun = request.mpirun;
        job.nnodes = ranks.nnodes;
        job.procs_per_node = ranks.procs_per_node;
        job.as_root = geteuid() == 0;
        job.program = {self_executable(), "--stage", "restore", "--"};
        job.program.insert(job.program.end(), request.program.begin(), request.program.end());
        if (!request.print) drop_injected_mca_values();
        return finish(mpirun_command(job), request);
    }

    // Each rank plans on its own host before the program starts.
    int launch_on_hosts(const LaunchRequest& request) const override {
        const auto hosts = load_hostfile(request.hostfile);
        check_size(hosts.size(), request);
        MpirunJob job;
        job.mpirun = request.mpirun;
        job.nnodes = static_cast<int>(hosts.size());
        job.procs_per_node = request.nproc_per_node > 0 ? request.nproc_per_node : 1;
        job.hosts = hosts;
        job.as_root = geteuid() == 0;
        job.program = {self_executable(), "--stage", "exec", "--nnodes", std::to_string(job.nnodes)};
        if (!request.config_path.empty()) job.program.insert(job.program.end(), {"--config", request.config_path});
        job.program.push_back("--");
        job.program.insert(job.program.end(), request.program.begin(), request.program.end());
        return finish(mpirun_command(job), request);
    }
};

}  // namespace

Argv mpirun_command(const MpirunJob& job) {
    const int total = job.hosts.empty() ? job.nnodes * job.procs_per_node : 0;
    Argv argv{job.mpirun};
    if (job.as_root) argv.push_back("--allow-run-as-root");
    if (job.hosts.empty()) {
        argv.insert(argv.end(), {"-np", std::to_string(total), "--map-by",
                                 "ppr:" + std::to_string(job.procs_per_node) + ":node"});
    } else {
        int slots_total = 0;
        std::string hosts;
        for (const auto& host : job.hosts) {
            const int slots = host.slots > 0 ? host.slots : job.procs_per_node;
            slots_total += slots;
            hosts += (hosts.empty() ? "" : ",") + host.host + ":" + std::to_string(slots);
        }
        argv.insert(argv.end(), {"-np", std::to_string(slots_total), "-H", hosts});
    }
    argv.insert(argv.end(), job.program.begin(), job.program.end());
    return argv;
}

int run_exec_stage(const LaunchRequest& request) {
    apply_to_environment(local_step(request.config_path, request.stage.nnodes > 0 ? request.stage.nnodes : 1));
    return finish(request.program, request);
}

int run_restore_stage(const LaunchRequest& request) {
    for (const auto& [name, value] : decode_injected_record(env_or(kInjectedRecordName))) {
        if (name.rfind("OMPI_MCA_", 0) == 0 && std::getenv(name.c_str()) == nullptr) setenv(name.c_str(), value.c_str(), 0);
    }
    return finish(request.program, request);
}

const Kind& mpirun_kind() {
    static const Mpirun kind;
    return kind;
}

}  // namespace sparkfabric::launch
