// spark-launch: one line in an sbatch script, an salloc session or on a pair of Sparks starts
// torchrun, vLLM, SGLang, Ray, mpirun or srun across the nodes, on the fabric.
#include <cstdlib>
#include <iostream>

#include "fabric/discovery/discovery.hpp"
#include "fabric/plan/plan_report.hpp"
#include "launcher/container/container_launch.hpp"
#include "launcher/driver/launch_support.hpp"
#include "launcher/driver/local_step.hpp"
#include "launcher/driver/preflight.hpp"
#include "launcher/driver/rendezvous.hpp"
#include "launcher/kinds/kind.hpp"
#include "launcher/kinds/mpirun.hpp"
#include "launcher/request/launch_request.hpp"

int main(int argc, char** argv) {
    using namespace sparkfabric::launch;
    const std::vector<std::string> args(argv + 1, argv + argc);
    for (const auto& arg : args) {
        if (arg == "--") break;
        if (arg == "--help" || arg == "-h") {
            std::cout << kUsage;
            return 0;
        }
    }
    try {
        LaunchRequest request = parse_launch_args(args);
        if (request.stage.name.empty()) resolve_container(request);
        if (request.stage.name == "plan") {
            const sparkfabric::Plan plan = local_plan(request.config_path, request.stage.nnodes > 0 ? request.stage.nnodes : 1);
            const int port = request.stage.port_from > 0 ? free_port_here(request.stage.port_from) : 0;
            std::cout << sparkfabric::plan_to_json(with_launch_port(plan, port), sparkfabric::local_hostname());
            return 0;
        }
        if (request.stage.name == "port") {
            std::cout << free_port_here(request.stage.port_from > 0 ? request.stage.port_from : kPortRangeStart) << "\n";
            return 0;
        }
        if (request.stage.name == "node") return kind_of(request.kind).run_node_stage(request);
        if (request.stage.name == "exec") return run_exec_stage(request);
        if (request.stage.name == "restore") return run_restore_stage(request);
        if (!request.stage.name.empty()) throw LaunchError("unknown --stage");
        if (std::getenv("SLURM_JOB_ID") != nullptr && request.hostfile.empty() && export_job_environment_to_steps()) {
            std::cerr << "spark-launch: the job was submitted with --export=NONE (or a list): spark-launch's steps get "
                         "this script's environment (SLURM_EXPORT_ENV=ALL), as the program needs its PATH\n";
        }
        if (const int status = preflight(request); status != 0) return status;
        const Kind& kind = kind_of(request.kind);
        if (!request.hostfile.empty()) return kind.launch_on_hosts(request);
        if (std::getenv("SLURM_JOB_ID") != nullptr) return kind.launch_in_allocation(request);
        throw LaunchError("not inside a Slurm allocation (no SLURM_JOB_ID) and no --hostfile: run it from an sbatch "
                          "script or salloc, or list your hosts with --hostfile FILE");
    } catch (const std::exception& error) {
        std::cerr << "spark-launch: " << error.what() << "\n";
        return 2;
    }
}
