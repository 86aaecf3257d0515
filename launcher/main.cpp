// spark-launch: one line in an sbatch script, an salloc session or on a pair of Sparks starts
// torchrun, mpirun or srun across the nodes, on the fabric.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <iostream>

#include "fabric/discovery.hpp"
#include "fabric/shell_quote.hpp"
#include "fabric/validate.hpp"
#include "launcher/commands.hpp"
#include "launcher/fabric_plan_lines.hpp"
#include "launcher/launch_request.hpp"
#include "launcher/process.hpp"

namespace sparkfabric::launch {
namespace {

std::string env_or(const char* name, const std::string& fallback = {}) {
    const char* value = std::getenv(name);
    return value != nullptr ? std::string(value) : fallback;
}

void check_size(size_t nodes, const LaunchRequest& request) {
    if (static_cast<int>(nodes) > kMaxNodesWithoutFlag && !request.allow_large) {
        throw LaunchError(std::to_string(nodes) + " nodes: a DGX Spark stack is 2 to 10 nodes; add --allow-large "
                          "if you mean it");
    }
}

// GPUs per node as Slurm says (SLURM_GPUS_ON_NODE in a step, SLURM_GPUS_PER_NODE="gpu:2" or "2").
int default_procs_per_node(const LaunchRequest& request) {
    if (request.nproc_per_node > 0) return request.nproc_per_node;
    for (const char* name : {"SLURM_GPUS_ON_NODE", "SLURM_GPUS_PER_NODE"}) {
        std::string value = env_or(name);
        const auto colon = value.rfind(':');
        if (colon != std::string::npos) value = value.substr(colon + 1);
        const int count = std::atoi(value.c_str());
        if (count > 0) return count;
    }
    return 1;
}

// The fabric plan of the head node: computed here when we are the head, else asked of the
// head through a one-task step (salloc on a login node has no fabric of its own).
std::map<std::string, std::string> head_plan(const LaunchRequest& request, const std::string& head, int nnodes) {
    if (local_hostname() == head) return plan_from_lines(plan_to_lines(local_plan(request.config_path, nnodes)), head);
    Argv query{"srun", "--nodes=1", "--ntasks=1", "--nodelist=" + head, "--overlap", self_executable(),
               "--stage", "plan", "--nnodes", std::to_string(nnodes)};
    if (!request.config_path.empty()) query.insert(query.end(), {"--config", request.config_path});
    const Captured answer = run_capture(query, 60);
    if (answer.status != 0) {
        throw LaunchError("cannot ask " + head + " for its fabric plan (" + shell_join(query) + " exited " +
                          std::to_string(answer.status) + ")");
    }
    return plan_from_lines(answer.out, head);
}

// The address every node of the job reaches: the fabric on a pair or a switch, the management
// NIC on a ring (a CX-7 address is reachable from its neighbours only).
std::string fabric_address_of(const std::map<std::string, std::string>& plan, const std::string& node) {
    auto found = plan.find("SPARKFABRIC_BOOTSTRAP_ADDR");
    if (found == plan.end()) found = plan.find("SPARKFABRIC_FABRIC_ADDR");
    if (found == plan.end() || found->second.empty()) {
        const auto reason = plan.find("SPARKFABRIC_REASON");
        throw LaunchError(node + " has no usable fabric address" +
                          (reason != plan.end() ? ": " + reason->second : std::string()) +
                          " (spark-fabric check says more)");
    }
    return found->second;
}

// torch >= 2 knows --local_addr; Debian's 1.13 refuses it. Asked of the interpreter that runs
// torchrun, through package metadata, without importing torch (which takes seconds).
bool torch_knows_local_addr(const std::string& torchrun) {
    std::string path = torchrun;
    if (path.find('/') == std::string::npos) {
        const std::string search = env_or("PATH", "/usr/bin:/bin");
        size_t start = 0;
        path.clear();
        while (start <= search.size()) {
            const auto end = search.find(':', start);
            const std::string candidate = search.substr(start, end - start) + "/" + torchrun;
            if (access(candidate.c_str(), X_OK) == 0) {
                path = candidate;
                break;
            }
            if (end == std::string::npos) break;
            start = end + 1;
        }
    }
    std::ifstream script(path);
    std::string shebang;
    if (!script || !std::getline(script, shebang) || shebang.rfind("#!", 0) != 0) return false;
    std::istringstream words(shebang.substr(2));
    std::string interpreter;
    words >> interpreter;
    if (interpreter.size() >= 4 && interpreter.compare(interpreter.size() - 4, 4, "/env") == 0) words >> interpreter;
    const Captured version = run_capture(
        {interpreter, "-c", "import importlib.metadata as m; print(m.version('torch'))"}, 20);
    return version.status == 0 && std::atoi(version.out.c_str()) >= 2;
}

int finish(const Argv& argv, const LaunchRequest& request) {
    if (request.print) {
        std::cout << shell_join(argv) << "\n";
        return 0;
    }
    const std::string failure = exec_replace(argv);  // returns only when the exec failed
    std::cerr << "spark-launch: " << failure << "\n";
    return 127;
}

std::vector<PlannedVariable> network_variables(const std::map<std::string, std::string>& plan) {
    std::vector<PlannedVariable> variables;
    for (const auto& [name, value] : plan) variables.push_back({name, value, "", false});
    return variables;
}

std::vector<std::string> split_commas(const std::string& text) {
    std::vector<std::string> items;
    std::istringstream parts(text);
    std::string item;
    while (std::getline(parts, item, ',')) {
        if (!item.empty()) items.push_back(item);
    }
    return items;
}

int node_stage(const LaunchRequest& request) {
    const std::string node = local_hostname();
    const auto plan = plan_from_lines(plan_to_lines(local_plan(request.config_path, request.nnodes)), node);
    TorchrunNode torchrun;
    torchrun.torchrun = request.torchrun;
    torchrun.nnodes = request.nnodes;
    torchrun.nproc_per_node = request.nproc_per_node > 0 ? request.nproc_per_node : 1;
    torchrun.endpoint_address = request.head_address;
    torchrun.port = request.port;
    torchrun.rdzv_id = request.rdzv_id;
    torchrun.is_host = env_or("SLURM_NODEID") == "0";
    if (request.local_addr == LocalAddr::on) torchrun.local_address = fabric_address_of(plan, node);
    torchrun.extra_args = request.torchrun_args;
    torchrun.program = request.program;
    return finish(torchrun_command(torchrun), request);
}

int in_allocation(const LaunchRequest& request) {
    const std::string job_id = env_or("SLURM_JOB_ID");
    const std::string nodelist = env_or("SLURM_JOB_NODELIST", env_or("SLURM_NODELIST"));
    const auto nodes = expand_nodelist(nodelist);
    check_size(nodes.size(), request);
    const int nnodes = static_cast<int>(nodes.size());
    const int procs = default_procs_per_node(request);
    if (request.launcher == "srun") return finish(srun_mpi_command(nnodes, procs, request.program), request);

    const auto plan = head_plan(request, nodes[0], nnodes);
    if (request.launcher == "mpirun") {
        MpirunJob job;
        job.mpirun = request.mpirun;
        job.nnodes = nnodes;
        job.procs_per_node = procs;
        job.variables = network_variables(plan);
        const auto interfaces = plan.find("SPARKFABRIC_INTERFACES");
        if (interfaces != plan.end()) job.interfaces = split_commas(interfaces->second);
        job.as_root = geteuid() == 0;
        job.program = request.program;
        return finish(mpirun_command(job), request);
    }
    const std::string head_address = fabric_address_of(plan, nodes[0]);
    const int port = request.port > 0 ? request.port : port_for_job(std::atoll(job_id.c_str()));
    const bool local_addr = request.local_addr == LocalAddr::on ||
                            (request.local_addr == LocalAddr::automatic && torch_knows_local_addr(request.torchrun));
    Argv stage{"--stage", "node", "--nnodes", std::to_string(nnodes), "--nproc-per-node", std::to_string(procs),
               "--port", std::to_string(port), "--head-address", head_address,
               "--rdzv-id", request.rdzv_id.empty() ? "slurm-" + job_id : request.rdzv_id,
               "--local-addr", local_addr ? "on" : "off", "--torchrun", request.torchrun};
    if (!request.config_path.empty()) stage.insert(stage.end(), {"--config", request.config_path});
    for (const auto& arg : request.torchrun_args) stage.push_back("--torchrun-arg=" + arg);
    stage.push_back("torchrun");
    stage.push_back("--");
    stage.insert(stage.end(), request.program.begin(), request.program.end());
    return finish(srun_node_stage_command(self_executable(), nnodes, stage), request);
}

int on_hostfile(const LaunchRequest& request) {
    const auto hosts = load_hostfile(request.hostfile);
    check_size(hosts.size(), request);
    const int nnodes = static_cast<int>(hosts.size());
    const int procs = request.nproc_per_node > 0 ? request.nproc_per_node : 1;
    if (request.launcher == "srun") {
        throw LaunchError("srun needs a Slurm allocation; with --hostfile use torchrun or mpirun");
    }
    const Plan plan = local_plan(request.config_path, nnodes);
    if (request.launcher == "mpirun") {
        MpirunJob job;
        job.mpirun = request.mpirun;
        job.nnodes = nnodes;
        job.procs_per_node = procs;
        job.hosts = hosts;
        for (const auto& variable : plan.variables) job.variables.push_back(variable);
        job.interfaces = plan.interfaces;
        job.as_root = geteuid() == 0;
        job.program = request.program;
        return finish(mpirun_command(job), request);
    }
    // The first host is the head; list the fabric addresses in the hostfile so that the
    // rendezvous and every rank's traffic use the fabric.
    const int port = request.port > 0 ? request.port : 29500;
    std::vector<Argv> commands;
    for (size_t i = 0; i < hosts.size(); ++i) {
        TorchrunNode torchrun;
        torchrun.torchrun = request.torchrun;
        torchrun.nnodes = nnodes;
        torchrun.nproc_per_node = hosts[i].slots > 0 && request.nproc_per_node == 0 ? hosts[i].slots : procs;
        torchrun.endpoint_address = hosts[0].host;
        torchrun.port = port;
        torchrun.rdzv_id = request.rdzv_id.empty() ? "sparkfabric-" + std::to_string(port) : request.rdzv_id;
        torchrun.is_host = i == 0;
        if (request.local_addr == LocalAddr::on) torchrun.local_address = hosts[i].host;
        torchrun.extra_args = request.torchrun_args;
        torchrun.program = request.program;
        commands.push_back(ssh_command(hosts[i].host, torchrun_command(torchrun)));
    }
    if (request.print) {
        for (const auto& argv : commands) std::cout << shell_join(argv) << "\n";
        return 0;
    }
    return run_parallel(commands);
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
        const LaunchRequest request = parse_launch_args(args);
        if (request.stage == "plan") {
            std::cout << plan_to_lines(local_plan(request.config_path, request.nnodes > 0 ? request.nnodes : 1));
            return 0;
        }
        if (request.stage == "node") return node_stage(request);
        if (!request.stage.empty()) throw LaunchError("unknown --stage");
        if (!request.hostfile.empty()) return on_hostfile(request);
        if (std::getenv("SLURM_JOB_ID") != nullptr) return in_allocation(request);
        throw LaunchError("not inside a Slurm allocation (no SLURM_JOB_ID) and no --hostfile: run it from an sbatch "
                          "script or salloc, or list your hosts with --hostfile FILE");
    } catch (const std::exception& error) {
        std::cerr << "spark-launch: " << error.what() << "\n";
        return 2;
    }
}
