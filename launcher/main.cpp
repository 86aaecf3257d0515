// spark-launch: one line in an sbatch script, an salloc session or on a pair of Sparks starts
// torchrun, mpirun or srun across the nodes, on the fabric.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

#include "fabric/common/shell_quote.hpp"
#include "fabric/common/validate.hpp"
#include "fabric/discovery/discovery.hpp"
#include "fabric/plan/injected_record.hpp"
#include "launcher/commands.hpp"
#include "launcher/fabric_plan_lines.hpp"
#include "launcher/launch_request.hpp"
#include "launcher/process.hpp"
#include "launcher/rendezvous.hpp"
#include "launcher/supervise.hpp"
#include "launcher/survey_run.hpp"
#include "launcher/torch_runtime.hpp"

namespace sparkfabric::launch {
namespace {

constexpr int kGraceSeconds = 10;  // between the forwarded signal and SIGKILL

using PlanValues = std::map<std::string, std::string>;

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

int finish(const Argv& argv, const LaunchRequest& request) {
    if (request.print) {
        std::cout << shell_join(argv) << "\n";
        return 0;
    }
    const std::string failure = exec_replace(argv);  // returns only when the exec failed
    std::cerr << "spark-launch: " << failure << "\n";
    return 127;
}

PlanValues plan_values(const Plan& plan, const std::string& node) { return plan_from_lines(plan_to_lines(plan), node); }

std::string head_address_of(const PlanValues& plan, const std::string& node) {
    const std::string address = bootstrap_address(plan);
    if (address.empty()) {
        const auto reason = plan.find("SPARKFABRIC_REASON");
        throw LaunchError(node + " has no usable fabric address" +
                          (reason != plan.end() ? ": " + reason->second : std::string()) +
                          " (spark-fabric check says more)");
    }
    return address;
}

int free_port_here(int from) {
    const int port = next_free_port(from, port_is_free_here);
    if (port == 0) throw LaunchError("no free port from " + std::to_string(from) + " on " + local_hostname());
    return port;
}

// The head's plan, and with want_port a port free on the head: computed here when we are the
// head, else asked of the head through a one-task step (salloc on a login node has no fabric
// of its own, and a port is only known free where it will be bound).
PlanValues head_plan(const LaunchRequest& request, const std::string& head, int nnodes, int want_port) {
    if (local_hostname() == head) {
        PlanValues plan = plan_values(local_plan(request.config_path, nnodes), head);
        if (want_port > 0) plan["SPARKFABRIC_LAUNCH_PORT"] = std::to_string(free_port_here(want_port));
        return plan;
    }
    Argv query{"srun", "--nodes=1", "--ntasks=1", "--nodelist=" + head, "--overlap", self_executable(),
               "--stage", "plan", "--nnodes", std::to_string(nnodes)};
    if (want_port > 0) query.insert(query.end(), {"--port-from", std::to_string(want_port)});
    if (!request.config_path.empty()) query.insert(query.end(), {"--config", request.config_path});
    const Captured answer = run_capture(query, 60);
    if (answer.status != 0) {
        throw LaunchError("cannot ask " + head + " for its fabric plan (" + shell_join(query) + " exited " +
                          std::to_string(answer.status) + ")");
    }
    return plan_from_lines(answer.out, head);
}

// What the detected torch needs, decided once on the launching side and handed to every node.
struct TorchChoice {
    std::optional<TorchVersion> version;
    Libuv libuv = Libuv::unknown;
};

TorchChoice detect_torch(const LaunchRequest& request) {
    TorchChoice choice;
    const TorchInstall install = find_torch(request.torchrun);
    choice.version = install.version;
    // Only a torch whose default is libuv needs asking, and --print runs no interpreter.
    if (libuv_is_default(choice.version) && !request.print) choice.libuv = probe_libuv(install, 60);
    return choice;
}

Argv torch_stage_args(const TorchChoice& torch) {
    Argv args;
    if (torch.version) args.insert(args.end(), {"--torch-version", to_string(*torch.version)});
    args.insert(args.end(), {"--torch-libuv", torch.libuv == Libuv::yes ? "yes" : torch.libuv == Libuv::no ? "no" : "unknown"});
    return args;
}

TorchChoice torch_from_stage_args(const LaunchRequest& request) {
    TorchChoice choice;
    if (!request.torch_version.empty()) choice.version = parse_version_text(request.torch_version);
    choice.libuv = request.torch_libuv == "yes" ? Libuv::yes : request.torch_libuv == "no" ? Libuv::no : Libuv::unknown;
    return choice;
}

// The torchrun line of one node. local_address: the node's own address for --local_addr
// where this torch takes it (empty: not passed).
Argv node_torchrun_line(const LaunchRequest& request, const TorchChoice& torch, int nnodes, int procs,
                        const std::string& head_address, const std::string& port, bool is_host,
                        const std::string& local_address) {
    const TorchrunQuirks quirks = torchrun_quirks(torch.version, torch.libuv, request.torchrun_args);
    TorchrunNode node;
    node.torchrun = request.torchrun;
    node.nnodes = nnodes;
    node.nproc_per_node = procs;
    node.endpoint_address = head_address;
    node.port = port;
    node.rdzv_id = request.rdzv_id;
    node.is_host = is_host;
    const bool local_addr = request.local_addr == LocalAddr::on || (request.local_addr == LocalAddr::automatic && quirks.local_addr);
    if (local_addr) node.local_address = local_address;
    node.rdzv_conf = quirks.rdzv_conf;
    node.quirk_args = quirks.arguments;
    if (quirks.legacy_store) {
        const TorchInstall install = find_torch(request.torchrun);
        node.runner = {install.interpreter.empty() ? std::string("python3") : install.interpreter, legacy_store_script()};
    }
    node.extra_args = request.torchrun_args;
    node.program = request.program;
    return torchrun_command(node);
}

// --stage node: this node's torchrun, run where it will run.
int node_stage(const LaunchRequest& request) {
    const std::string node = local_hostname();
    const TorchChoice torch = torch_from_stage_args(request);
    const TorchrunQuirks quirks = torchrun_quirks(torch.version, torch.libuv, request.torchrun_args);
    std::string own_address;
    const bool wants_address = request.local_addr == LocalAddr::on ||
                               (request.local_addr == LocalAddr::automatic && quirks.local_addr);
    if (wants_address || request.apply_plan) {
        const StepOutcome outcome = local_step(request.config_path, request.nnodes);
        if (request.apply_plan) apply_to_environment(outcome);  // no plugin ran on this host
        if (wants_address) own_address = head_address_of(plan_values(outcome.plan, node), node);
    }
    for (const auto& [name, value] : quirks.environment) setenv(name.c_str(), value.c_str(), 0);
    const bool is_host = request.is_host || env_or("SLURM_NODEID") == "0";
    const Argv argv = node_torchrun_line(request, torch, request.nnodes, request.nproc_per_node > 0 ? request.nproc_per_node : 1,
                                         request.head_address, std::to_string(request.port), is_host, own_address);
    if (request.watch_stdin) return run_until_stdin_closes(argv, kGraceSeconds);
    return finish(argv, request);
}

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

int in_allocation(const LaunchRequest& original) {
    LaunchRequest request = original;
    const std::string nodelist = env_or("SLURM_JOB_NODELIST", env_or("SLURM_NODELIST"));
    const auto nodes = expand_nodelist(nodelist);
    check_size(nodes.size(), request);
    const int nnodes = static_cast<int>(nodes.size());
    const int procs = default_procs_per_node(request);
    if (request.launcher == "srun") return finish(srun_mpi_command(nnodes, procs, request.program), request);
    if (request.launcher == "mpirun") {
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

    const LaunchIdentity identity = this_launch();
    if (request.rdzv_id.empty()) request.rdzv_id = rendezvous_id(identity);
    const TorchChoice torch = detect_torch(request);
    const int search_from = request.port > 0 ? 0 : first_port_to_try(identity);
    std::string head_address;
    std::string port = request.port > 0 ? std::to_string(request.port) : "";
    if (request.print && local_hostname() != nodes[0]) {
        // --print runs nothing: no step on the head to ask for its address or a free port.
        head_address = "<fabric address of " + nodes[0] + ">";
        if (port.empty()) port = "<free port on " + nodes[0] + " from " + std::to_string(search_from) + ">";
    } else {
        // Here with --print only when this is the head: its plan and a free port are local.
        const PlanValues plan = head_plan(request, nodes[0], nnodes, search_from);
        head_address = head_address_of(plan, nodes[0]);
        if (port.empty()) {
            const auto found = plan.find("SPARKFABRIC_LAUNCH_PORT");
            port = found != plan.end() ? found->second : std::to_string(search_from);
            int parsed = 0;
            if (!request.print && !parse_port(port, parsed)) throw LaunchError(nodes[0] + " found no free port");
        }
    }
    if (request.print) {
        for (int i = 0; i < nnodes; ++i) {
            std::cout << "# " << nodes[static_cast<size_t>(i)] << "\n"
                      << shell_join(node_torchrun_line(request, torch, nnodes, procs, head_address, port, i == 0,
                                                       "<fabric address of " + nodes[static_cast<size_t>(i)] + ">"))
                      << "\n";
        }
        if (libuv_is_default(torch.version)) {
            std::cout << "# torch " << to_string(*torch.version)
                      << ": whether it was built with libuv is asked at launch; without libuv, torchrun runs "
                         "through torchrun_legacy_store.py with USE_LIBUV=0 and TORCH_DISABLE_SHARE_RDZV_TCP_STORE=1\n";
        }
        return 0;
    }
    Argv stage{"--stage", "node", "--nnodes", std::to_string(nnodes), "--nproc-per-node", std::to_string(procs),
               "--port", port, "--head-address", head_address, "--rdzv-id", request.rdzv_id,
               "--local-addr", request.local_addr == LocalAddr::on ? "on" : request.local_addr == LocalAddr::off ? "off" : "auto",
               "--torchrun", request.torchrun};
    const Argv torch_args = torch_stage_args(torch);
    stage.insert(stage.end(), torch_args.begin(), torch_args.end());
    if (!request.config_path.empty()) stage.insert(stage.end(), {"--config", request.config_path});
    for (const auto& arg : request.torchrun_args) stage.push_back("--torchrun-arg=" + arg);
    stage.push_back("torchrun");
    stage.push_back("--");
    stage.insert(stage.end(), request.program.begin(), request.program.end());
    return finish(srun_node_stage_command(self_executable(), nnodes, stage), request);
}

bool is_this_machine(const std::string& host) {
    if (host == local_hostname() || host == "localhost" || host == "127.0.0.1") return true;
    for (const auto& [name, addresses] : live_ipv4_addresses()) {
        for (const auto& address : addresses) {
            if (address.address == host) return true;
        }
    }
    return false;
}

// A port free on the head: checked here when the head is this machine, else asked of it.
std::string hostfile_port(const LaunchRequest& request, const std::string& head, int search_from) {
    if (request.port > 0) return std::to_string(request.port);
    if (is_this_machine(head)) return std::to_string(free_port_here(search_from));
    if (request.print) return "<free port on " + head + " from " + std::to_string(search_from) + ">";
    const Argv query = ssh_command(head, {self_executable(), "--stage", "port", "--port-from", std::to_string(search_from)});
    const Captured answer = run_capture(query, 30);
    int port = 0;
    std::string text = answer.out;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (answer.status != 0 || !parse_port(text, port)) {
        throw LaunchError("cannot ask " + head + " for a free port (" + shell_join(query) + " exited " +
                          std::to_string(answer.status) + "): check that ssh " + head +
                          " works without a password and that spark-launch is installed there at " + self_executable());
    }
    return text;
}

int on_hostfile(const LaunchRequest& original) {
    LaunchRequest request = original;
    const auto hosts = load_hostfile(request.hostfile);
    check_size(hosts.size(), request);
    const int nnodes = static_cast<int>(hosts.size());
    const int procs = request.nproc_per_node > 0 ? request.nproc_per_node : 1;
    if (request.launcher == "srun") {
        throw LaunchError("srun needs a Slurm allocation; with --hostfile use torchrun or mpirun");
    }
    const std::string self = self_executable();
    if (request.launcher == "mpirun") {
        MpirunJob job;
        job.mpirun = request.mpirun;
        job.nnodes = nnodes;
        job.procs_per_node = procs;
        job.hosts = hosts;
        job.as_root = geteuid() == 0;
        // Each rank plans on its own host before the program starts.
        job.program = {self, "--stage", "exec", "--nnodes", std::to_string(nnodes)};
        if (!request.config_path.empty()) job.program.insert(job.program.end(), {"--config", request.config_path});
        job.program.push_back("--");
        job.program.insert(job.program.end(), request.program.begin(), request.program.end());
        return finish(mpirun_command(job), request);
    }
    // The first host is the head; list the fabric addresses in the hostfile so that the
    // rendezvous and every rank's traffic use the fabric.
    const LaunchIdentity identity = this_launch();
    if (request.rdzv_id.empty()) request.rdzv_id = rendezvous_id(identity);
    const TorchChoice torch = detect_torch(request);
    const std::string port = hostfile_port(request, hosts[0].host, first_port_to_try(identity));
    std::vector<Supervised> children;
    for (size_t i = 0; i < hosts.size(); ++i) {
        const int host_procs = hosts[i].slots > 0 && request.nproc_per_node == 0 ? hosts[i].slots : procs;
        Argv remote{self, "--stage", "node", "--apply-plan", "--watch-stdin", "--nnodes", std::to_string(nnodes),
                    "--nproc-per-node", std::to_string(host_procs), "--port", port, "--head-address", hosts[0].host,
                    "--rdzv-id", request.rdzv_id,
                    "--local-addr", request.local_addr == LocalAddr::on ? "on" : request.local_addr == LocalAddr::off ? "off" : "auto",
                    "--torchrun", request.torchrun};
        if (i == 0) remote.push_back("--is-host");
        const Argv torch_args = torch_stage_args(torch);
        remote.insert(remote.end(), torch_args.begin(), torch_args.end());
        if (!request.config_path.empty()) remote.insert(remote.end(), {"--config", request.config_path});
        for (const auto& arg : request.torchrun_args) remote.push_back("--torchrun-arg=" + arg);
        remote.push_back("torchrun");
        remote.push_back("--");
        remote.insert(remote.end(), request.program.begin(), request.program.end());
        children.push_back({ssh_command(hosts[i].host, remote), hosts[i].host});
    }
    if (request.print) {
        for (size_t i = 0; i < hosts.size(); ++i) {
            const int host_procs = hosts[i].slots > 0 && request.nproc_per_node == 0 ? hosts[i].slots : procs;
            std::cout << "# " << hosts[i].host << " runs, through: " << shell_join(children[i].argv) << "\n"
                      << shell_join(node_torchrun_line(request, torch, nnodes, host_procs, hosts[0].host, port, i == 0,
                                                       "<fabric address of " + hosts[i].host + ">"))
                      << "\n";
        }
        return 0;
    }
    return supervise(children, kGraceSeconds);
}

}  // namespace
}  // namespace sparkfabric::launch

namespace sparkfabric::launch {
namespace {

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
        const LaunchRequest request = parse_launch_args(args);
        if (request.stage == "plan") {
            std::cout << plan_to_lines(local_plan(request.config_path, request.nnodes > 0 ? request.nnodes : 1));
            if (request.port_from > 0) std::cout << "SPARKFABRIC_LAUNCH_PORT=" << free_port_here(request.port_from) << "\n";
            return 0;
        }
        if (request.stage == "port") {
            std::cout << free_port_here(request.port_from > 0 ? request.port_from : kPortRangeStart) << "\n";
            return 0;
        }
        if (request.stage == "node") return node_stage(request);
        if (request.stage == "exec") return exec_stage(request);
        if (request.stage == "restore") return restore_stage(request);
        if (!request.stage.empty()) throw LaunchError("unknown --stage");
        if (const int status = preflight(request); status != 0) return status;
        if (!request.hostfile.empty()) return on_hostfile(request);
        if (std::getenv("SLURM_JOB_ID") != nullptr) return in_allocation(request);
        throw LaunchError("not inside a Slurm allocation (no SLURM_JOB_ID) and no --hostfile: run it from an sbatch "
                          "script or salloc, or list your hosts with --hostfile FILE");
    } catch (const std::exception& error) {
        std::cerr << "spark-launch: " << error.what() << "\n";
        return 2;
    }
}
