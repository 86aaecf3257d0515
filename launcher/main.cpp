// spark-launch: one line in an sbatch script, an salloc session or on a pair of Sparks starts
// torchrun, vLLM, SGLang, Ray, mpirun or srun across the nodes, on the fabric.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "fabric/common/config.hpp"
#include "fabric/discovery/discovery.hpp"
#include "fabric/plan/injected_record.hpp"
#include "launcher/container/container_launch.hpp"
#include "launcher/driver/fabric_plan_lines.hpp"
#include "launcher/driver/launch_support.hpp"
#include "launcher/driver/node_launch.hpp"
#include "launcher/driver/rendezvous.hpp"
#include "launcher/kinds/commands.hpp"
#include "launcher/request/launch_request.hpp"
#include "launcher/run/hosts.hpp"
#include "launcher/run/process.hpp"
#include "launcher/survey_run.hpp"

namespace sparkfabric::launch {
namespace {

// --stage exec: a rank started by mpirun on a plain host gets its own node's plan.
int exec_stage(const LaunchRequest& request) {
    apply_to_environment(local_step(request.config_path, request.nnodes > 0 ? request.nnodes : 1));
    return finish(request.program, request);
}

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

int restore_stage(const LaunchRequest& request) {
    for (const auto& [name, value] : decode_injected_record(env_or(kInjectedRecordName))) {
        if (name.rfind("OMPI_MCA_", 0) == 0 && std::getenv(name.c_str()) == nullptr) setenv(name.c_str(), value.c_str(), 0);
    }
    return finish(request.program, request);
}

// mpirun and srun inside an allocation: Slurm places the ranks.
int mpi_in_allocation(const LaunchRequest& request) {
    const auto nodes = expand_nodelist(env_or("SLURM_JOB_NODELIST", env_or("SLURM_NODELIST")));
    check_size(nodes.size(), request);
    const int nnodes = static_cast<int>(nodes.size());
    const int procs = default_procs_per_node(request);
    // mpirun in an image: its daemons would start through an srun inside the image, which
    // images lack, and mpirun would start in the batch step's environment, not the image's.
    // The ranks start as pyxis documents MPI in containers instead (srun --mpi=pmix, each rank
    // in the image, wired up by Slurm's PMIx; the image's Open MPI needs PMIx, as NGC's has).
    const bool ranks_through_srun = request.launcher == "srun" || !request.container_image.empty();
    if (request.launcher == "mpirun" && ranks_through_srun && !request.print) {
        std::cerr << "spark-launch: mpirun in the image " << request.container_image
                  << ": its ranks start through srun --mpi=pmix, each in the image (mpirun's daemons would need srun "
                     "inside it)\n";
    }
    if (ranks_through_srun) {
        Argv argv = srun_mpi_command(nnodes, procs, request.program);
        if (!request.container_image.empty()) {
            const Argv options = pyxis_options(request);
            argv.insert(argv.begin() + 1, options.begin(), options.end());
        }
        return finish(argv, request);
    }
    MpirunJob job;
    job.mpirun = request.mpirun;
    job.nnodes = nnodes;
    job.procs_per_node = procs;
    job.as_root = geteuid() == 0;
    job.program = {self_executable(), "--stage", "restore", "--"};
    job.program.insert(job.program.end(), request.program.begin(), request.program.end());
    if (!request.print) drop_injected_mca_values();
    return finish(mpirun_command(job), request);
}

// mpirun on the hosts of --hostfile: each rank plans on its own host before the program starts.
int mpirun_on_hosts(const LaunchRequest& request) {
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

// --preflight: the whole allocation surveyed before anything starts; a doomed launch (errors)
// stops here instead of hanging in NCCL or the rendezvous.
int preflight(const LaunchRequest& request) {
    if (request.print || request.preflight == Preflight::off) return 0;
    if (request.preflight == Preflight::site) {
        const std::string path = request.config_path.empty() ? kDefaultConfigPath : request.config_path;
        if (access(path.c_str(), R_OK) != 0 || !load_site_config_file(path, local_hostname()).preflight) return 0;
    }
    SurveyRequest survey;
    survey.hostfile = request.hostfile;
    // The program will run in an image through pyxis: survey each node from inside it too (its
    // NCCL, nccl.conf, net plugins). A docker/podman image on hosts has no pyxis to start it.
    if (request.container_runtime.empty()) {
        survey.container_image = request.container_image;
        survey.container_mounts = request.container_mounts;
    }
    survey.config_path = request.config_path;
    survey.spark_fabric = sibling_spark_fabric();
    const SurveyRun run = run_survey(survey);
    std::cerr << survey_to_text(run.result, isatty(STDERR_FILENO) != 0);
    if (run.result.exit_code == 2) {
        std::cerr << "spark-launch: the preflight survey found errors (above); nothing was started\n";
        return 2;
    }
    std::cerr << "spark-launch: preflight survey passed" << (run.result.exit_code == 1 ? " with warnings" : "")
              << " in " << static_cast<int>(run.seconds * 1000) << " ms; launching\n";
    return 0;
}

}  // namespace
}  // namespace sparkfabric::launch

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
        if (request.stage.empty()) resolve_container(request);
        if (request.stage == "plan") {
            std::cout << plan_to_lines(local_plan(request.config_path, request.nnodes > 0 ? request.nnodes : 1));
            if (request.port_from > 0) std::cout << "SPARKFABRIC_LAUNCH_PORT=" << free_port_here(request.port_from) << "\n";
            return 0;
        }
        if (request.stage == "port") {
            std::cout << free_port_here(request.port_from > 0 ? request.port_from : kPortRangeStart) << "\n";
            return 0;
        }
        if (request.stage == "node") return run_node_stage(request);
        if (request.stage == "exec") return exec_stage(request);
        if (request.stage == "restore") return restore_stage(request);
        if (!request.stage.empty()) throw LaunchError("unknown --stage");
        if (std::getenv("SLURM_JOB_ID") != nullptr && request.hostfile.empty() && export_job_environment_to_steps()) {
            std::cerr << "spark-launch: the job was submitted with --export=NONE (or a list): spark-launch's steps get "
                         "this script's environment (SLURM_EXPORT_ENV=ALL), as the program needs its PATH\n";
        }
        if (const int status = preflight(request); status != 0) return status;
        if (!request.hostfile.empty()) {
            if (request.launcher == "srun") {
                throw LaunchError("srun needs a Slurm allocation; with --hostfile use torchrun, vllm, sglang, ray or mpirun");
            }
            return request.launcher == "mpirun" ? mpirun_on_hosts(request) : launch_per_node_on_hosts(request);
        }
        if (std::getenv("SLURM_JOB_ID") != nullptr) {
            return is_per_node_launcher(request.launcher) ? launch_per_node_in_allocation(request) : mpi_in_allocation(request);
        }
        throw LaunchError("not inside a Slurm allocation (no SLURM_JOB_ID) and no --hostfile: run it from an sbatch "
                          "script or salloc, or list your hosts with --hostfile FILE");
    } catch (const std::exception& error) {
        std::cerr << "spark-launch: " << error.what() << "\n";
        return 2;
    }
}
