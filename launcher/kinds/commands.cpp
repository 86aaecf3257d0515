#include "launcher/kinds/commands.hpp"

#include "fabric/common/shell_quote.hpp"

namespace sparkfabric::launch {

Argv torchrun_command(const TorchrunNode& node) {
    Argv argv = node.runner.empty() ? Argv{node.torchrun} : node.runner;
    argv.insert(argv.end(), {"--nnodes=" + std::to_string(node.nnodes),
                             "--nproc_per_node=" + std::to_string(node.nproc_per_node), "--rdzv_backend=c10d",
                             "--rdzv_endpoint=" + node.endpoint_address + ":" + node.port,
                             "--rdzv_id=" + node.rdzv_id});
    // c10d decides who hosts the store by hostname; a fabric address matches nobody, so the
    // head says so explicitly and everyone else connects.
    std::vector<std::string> conf;
    if (node.is_host) conf.push_back("is_host=true");
    conf.insert(conf.end(), node.rdzv_conf.begin(), node.rdzv_conf.end());
    if (!conf.empty()) {  // one --rdzv_conf: torchrun keeps only the last one given
        std::string joined;
        for (const auto& entry : conf) joined += (joined.empty() ? "" : ",") + entry;
        argv.push_back("--rdzv_conf=" + joined);
    }
    if (!node.local_address.empty()) argv.push_back("--local_addr=" + node.local_address);
    argv.insert(argv.end(), node.quirk_args.begin(), node.quirk_args.end());
    argv.insert(argv.end(), node.extra_args.begin(), node.extra_args.end());
    argv.insert(argv.end(), node.program.begin(), node.program.end());
    return argv;
}

Argv srun_node_stage_command(const std::string& self, int nnodes, const Argv& node_stage_args) {
    // --overlap: a second launch in the same allocation runs beside the first instead of
    // waiting for its CPUs (Slurm gives a step every CPU of its nodes by default).
    Argv argv{"srun", "--nodes=" + std::to_string(nnodes), "--ntasks=" + std::to_string(nnodes),
              "--ntasks-per-node=1", "--kill-on-bad-exit=1", "--overlap", self};
    argv.insert(argv.end(), node_stage_args.begin(), node_stage_args.end());
    return argv;
}

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

Argv srun_mpi_command(int nnodes, int procs_per_node, const Argv& program) {
    Argv argv{"srun", "--mpi=pmix", "--nodes=" + std::to_string(nnodes),
              "--ntasks=" + std::to_string(nnodes * procs_per_node),
              "--ntasks-per-node=" + std::to_string(procs_per_node), "--kill-on-bad-exit=1"};
    argv.insert(argv.end(), program.begin(), program.end());
    return argv;
}

Argv ssh_command(const std::string& host, const Argv& remote) {
    return {"ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", host, "--", shell_join(remote)};
}

}  // namespace sparkfabric::launch
