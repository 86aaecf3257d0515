#include "launcher/node_launch.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <iostream>
#include <map>
#include <optional>

#include "fabric/common/shell_quote.hpp"
#include "fabric/common/validate.hpp"
#include "fabric/discovery/discovery.hpp"
#include "launcher/commands.hpp"
#include "launcher/container_launch.hpp"
#include "launcher/fabric_plan_lines.hpp"
#include "launcher/hosts.hpp"
#include "launcher/launch_support.hpp"
#include "launcher/process.hpp"
#include "launcher/program_paths.hpp"
#include "launcher/ray_image.hpp"
#include "launcher/ray_node.hpp"
#include "launcher/rendezvous.hpp"
#include "launcher/serving_commands.hpp"
#include "launcher/supervise.hpp"
#include "launcher/torch_runtime.hpp"

namespace sparkfabric::launch {
namespace {

using PlanValues = std::map<std::string, std::string>;

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
    if (request.launcher != "torchrun") return choice;
    const TorchInstall install = find_torch(request.torchrun);
    choice.version = install.version;
    // Only a torch whose default is libuv needs asking, and --print runs no interpreter.
    if (libuv_is_default(choice.version) && !request.print) choice.libuv = probe_libuv(install, 60);
    return choice;
}

TorchChoice torch_from_stage_args(const LaunchRequest& request) {
    TorchChoice choice;
    if (!request.torch_version.empty()) choice.version = parse_version_text(request.torch_version);
    choice.libuv = request.torch_libuv == "yes" ? Libuv::yes : request.torch_libuv == "no" ? Libuv::no : Libuv::unknown;
    return choice;
}

// The torchrun line of one node. The role's own_address goes to --local_addr where this torch
// takes it (empty: not passed).
Argv node_torchrun_line(const LaunchRequest& request, const TorchChoice& torch, int procs, const NodeRole& role) {
    const TorchrunQuirks quirks = torchrun_quirks(torch.version, torch.libuv, request.torchrun_args);
    TorchrunNode node;
    node.torchrun = request.torchrun;
    node.nnodes = role.nnodes;
    node.nproc_per_node = procs;
    node.endpoint_address = role.head_address;
    node.port = role.port;
    node.rdzv_id = request.rdzv_id;
    node.is_host = role.rank == 0;
    const bool local_addr = request.local_addr == LocalAddr::on || (request.local_addr == LocalAddr::automatic && quirks.local_addr);
    if (local_addr) node.local_address = role.own_address;
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

// Ray's helper runs with the interpreter that has Ray: --python, else the ray program's own.
std::string ray_python(const LaunchRequest& request) {
    if (!request.python.empty()) return request.python;
    const std::string interpreter = script_interpreter(on_path(request.ray));
    return interpreter.empty() ? std::string("python3") : interpreter;
}

RayNodeCommands ray_commands(const LaunchRequest& request, const NodeRole& role) {
    return ray_node_commands(request.ray, ray_python(request), request.ray_start_args, request.program, role,
                             request.join_timeout);
}

// In an image: its own ray and python (ray_python reads the host's `ray` script, not the image's).
std::string image_python(const LaunchRequest& request) { return request.python.empty() ? "python3" : request.python; }

RayNodeCommands ray_commands_in_image(const LaunchRequest& request, const NodeRole& role) {
    return ray_node_commands(request.ray, image_python(request), request.ray_start_args, request.program, role,
                             request.join_timeout);
}

std::string with_environment(const std::vector<std::pair<std::string, std::string>>& environment, const Argv& argv) {
    std::string line;
    for (const auto& [name, value] : environment) line += name + "=" + shell_quote(value) + " ";
    return line + shell_join(argv);
}

// --print: one node's Ray commands, as shell lines.
std::string ray_lines(const RayNodeCommands& ray, const NodeRole& role) {
    std::string text = with_environment(ray.environment, ray.start) + "\n";
    if (role.rank == 0) {
        text += shell_join(ray.wait_nodes) + "\n" + with_environment({{"RAY_ADDRESS", ray.address}}, ray.program) + "\n";
    } else {
        text += "# ...stays while the head's Ray answers at " + ray.address + ", then:\n";
    }
    return text + shell_join(ray.stop) + "\n";
}

// Whether this launcher needs each node's own address (it is asked where the node runs).
bool wants_own_address(const LaunchRequest& request, const TorchChoice& torch) {
    if (request.launcher != "torchrun") return true;
    const TorchrunQuirks quirks = torchrun_quirks(torch.version, torch.libuv, request.torchrun_args);
    return request.local_addr == LocalAddr::on || (request.local_addr == LocalAddr::automatic && quirks.local_addr);
}

// One node's torchrun, vLLM or SGLang command and the environment it needs.
NodeCommand node_command(const LaunchRequest& request, const TorchChoice& torch, int procs, const NodeRole& role) {
    NodeCommand command;
    if (request.launcher == "torchrun") {
        command.argv = node_torchrun_line(request, torch, procs, role);
        // Only where the user has not set them: these are the detected torch's needs, not values.
        for (const auto& [name, value] : torchrun_quirks(torch.version, torch.libuv, request.torchrun_args).environment) {
            if (std::getenv(name.c_str()) == nullptr) command.environment.emplace_back(name, value);
        }
    } else if (request.launcher == "vllm") {
        command = vllm_node_command(request.program, role);
    } else {
        command = sglang_node_command(request.python.empty() ? "python3" : request.python, request.program, role);
    }
    return command;
}

// In an image: `env NAME=VALUE... PROGRAM...`, env(1) being in every image, spark-launch in none.
Argv image_command(const NodeCommand& command) {
    if (command.environment.empty()) return command.argv;
    Argv argv{"env"};
    for (const auto& [name, value] : command.environment) argv.push_back(name + "=" + value);
    argv.insert(argv.end(), command.argv.begin(), command.argv.end());
    return argv;
}

// "torch=1.13.1\nlibuv=no" from the probe (container_launch.cpp); refuses a torch that needs
// spark-launch's legacy-store helper, which is not in the image.
TorchChoice torch_from_probe(const LaunchRequest& request, const std::string& out) {
    TorchChoice choice;
    const auto at = out.find("torch=");
    if (at == std::string::npos) return choice;
    choice.version = parse_version_text(out.substr(at + 6, out.find_first_of("\n+", at) - at - 6));
    choice.libuv = out.find("libuv=yes") != std::string::npos  ? Libuv::yes
                   : out.find("libuv=no") != std::string::npos ? Libuv::no
                                                                : Libuv::unknown;
    if (torchrun_quirks(choice.version, choice.libuv, request.torchrun_args).legacy_store) {
        throw LaunchError("the torch in " + request.container_image +
                          " is built without libuv; spark-launch runs such a torchrun through its legacy-store helper, "
                          "which is not in the image: pass --torchrun-arg=--rdzv_conf=use_libuv=0 yourself, or use an "
                          "image whose torch has libuv (NGC's have)");
    }
    return choice;
}

std::string probe_failure(const LaunchRequest& request, const std::string& where, const Argv& probe, int status) {
    return "cannot start python3 with torch in the image " + request.container_image + " on " + where + " (" +
           shell_join({probe.begin(), probe.begin() + 5}) + " ... exited " + std::to_string(status) +
           "; the runtime's or python's message is above): check the image and that it has torch";
}

// The image's torch, asked in the image on the head (--print runs nothing: unknown).
TorchChoice detect_torch_in_image(const LaunchRequest& request, const std::string& head) {
    if (request.launcher != "torchrun" || request.print) return {};
    const Argv probe = torch_probe_command(request, head);
    const Captured answer = run_capture(probe, 300);
    if (answer.status != 0 || answer.out.find("torch=") == std::string::npos) {
        throw LaunchError(probe_failure(request, head, probe, answer.status));
    }
    return torch_from_probe(request, answer.out);
}


// --print: what one node runs, as shell lines.
std::string node_lines(const LaunchRequest& request, const TorchChoice& torch, int procs, const NodeRole& role) {
    if (request.launcher == "torchrun") return shell_join(node_torchrun_line(request, torch, procs, role)) + "\n";
    if (request.launcher != "ray") {
        const NodeCommand command = node_command(request, torch, procs, role);
        return with_environment(command.environment, command.argv) + "\n";
    }
    return ray_lines(ray_commands(request, role), role);
}

// The node stage's arguments shared by srun and ssh starts: everything but the node's rank.
Argv node_stage_args(const LaunchRequest& request, const TorchChoice& torch, int nnodes, int procs,
                     const std::string& head_address, const std::string& port) {
    Argv stage{"--stage", "node", "--nnodes", std::to_string(nnodes), "--nproc-per-node", std::to_string(procs),
               "--port", port, "--head-address", head_address};
    if (!request.config_path.empty()) stage.insert(stage.end(), {"--config", request.config_path});
    if (request.launcher == "torchrun") {
        stage.insert(stage.end(), {"--rdzv-id", request.rdzv_id, "--local-addr",
                                   request.local_addr == LocalAddr::on ? "on" : request.local_addr == LocalAddr::off ? "off" : "auto",
                                   "--torchrun", request.torchrun});
        if (torch.version) stage.insert(stage.end(), {"--torch-version", to_string(*torch.version)});
        stage.insert(stage.end(), {"--torch-libuv", torch.libuv == Libuv::yes ? "yes" : torch.libuv == Libuv::no ? "no" : "unknown"});
        for (const auto& arg : request.torchrun_args) stage.push_back("--torchrun-arg=" + arg);
    }
    if (!request.python.empty()) stage.insert(stage.end(), {"--python", request.python});
    if (!request.container_runtime.empty()) {
        stage.insert(stage.end(), {"--container-runtime", request.container_runtime, "--container-image", request.container_image});
        if (!request.container_mounts.empty()) stage.insert(stage.end(), {"--container-mounts", request.container_mounts});
    }
    if (request.launcher == "ray") {
        stage.insert(stage.end(), {"--ray", request.ray, "--join-timeout", std::to_string(request.join_timeout)});
        for (const auto& arg : request.ray_start_args) stage.push_back("--ray-start-arg=" + arg);
    }
    stage.insert(stage.end(), {request.launcher, "--"});
    stage.insert(stage.end(), request.program.begin(), request.program.end());
    return stage;
}

void check_program(const LaunchRequest& request, int nnodes) {
    if (request.launcher == "vllm" || request.launcher == "sglang") check_serving_args(request.launcher, request.program, nnodes);
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

}  // namespace

int launch_per_node_in_allocation(const LaunchRequest& original) {
    LaunchRequest request = original;
    const auto nodes = expand_nodelist(env_or("SLURM_JOB_NODELIST", env_or("SLURM_NODELIST")));
    check_size(nodes.size(), request);
    const int nnodes = static_cast<int>(nodes.size());
    check_program(request, nnodes);
    const int procs = default_procs_per_node(request);
    const LaunchIdentity identity = this_launch();
    if (request.rdzv_id.empty()) request.rdzv_id = rendezvous_id(identity);
    const bool in_image = !request.container_image.empty();
    const TorchChoice torch = in_image ? detect_torch_in_image(request, nodes[0]) : detect_torch(request);
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
    if (in_image) {
        std::vector<Argv> commands;
        for (int i = 0; i < nnodes; ++i) {
            const NodeRole role{nnodes, i, head_address, port, kOwnAddressToken};
            if (request.launcher == "ray") {
                const RayNodeCommands ray = ray_commands_in_image(request, role);
                commands.push_back(
                    image_command({ray_image_command(ray, role, request.join_timeout, image_python(request)), ray.environment}));
            } else {
                commands.push_back(image_command(node_command(request, torch, procs, role)));
            }
        }
        const Argv step = container_step_command(request, commands);
        if (!request.print) return finish(step, request);
        std::cout << "# every node runs its command below in " << request.container_image << ", through one step: "
                  << shell_join({step.begin(), std::find(step.begin(), step.end(), "sh")}) << " sh -c ...\n";
        for (int i = 0; i < nnodes; ++i) {
            const std::string& node = nodes[static_cast<size_t>(i)];
            const NodeRole role{nnodes, i, head_address, port, "<SPARKFABRIC_BOOTSTRAP_ADDR of " + node + " in its container>"};
            if (request.launcher == "ray") {
                std::cout << "# " << node << "\n" << ray_lines(ray_commands_in_image(request, role), role);
                continue;
            }
            const NodeCommand command = node_command(request, torch, procs, role);
            std::cout << "# " << node << "\n" << with_environment(command.environment, command.argv) << "\n";
        }
        if (request.launcher == "torchrun") std::cout << "# torchrun's flags for the image's torch are decided at launch\n";
        return 0;
    }
    if (request.print) {
        for (int i = 0; i < nnodes; ++i) {
            const std::string& node = nodes[static_cast<size_t>(i)];
            // The head's own address is the one found for it; the others are only known there.
            const bool head_known = i == 0 && local_hostname() == nodes[0];
            const NodeRole role{nnodes, i, head_address, port, head_known ? head_address : "<fabric address of " + node + ">"};
            std::cout << "# " << node << "\n" << node_lines(request, torch, procs, role);
        }
        if (libuv_is_default(torch.version)) {
            std::cout << "# torch " << to_string(*torch.version)
                      << ": whether it was built with libuv is asked at launch; without libuv, torchrun runs "
                         "through torchrun_legacy_store.py with USE_LIBUV=0 and TORCH_DISABLE_SHARE_RDZV_TCP_STORE=1\n";
        }
        return 0;
    }
    return finish(srun_node_stage_command(self_executable(), nnodes,
                                          node_stage_args(request, torch, nnodes, procs, head_address, port)),
                  request);
}

int launch_per_node_on_hosts(const LaunchRequest& original) {
    LaunchRequest request = original;
    const auto hosts = load_hostfile(request.hostfile);
    check_size(hosts.size(), request);
    const int nnodes = static_cast<int>(hosts.size());
    check_program(request, nnodes);
    const int procs = request.nproc_per_node > 0 ? request.nproc_per_node : 1;
    // The first host is the head; list the fabric addresses in the hostfile so that the
    // rendezvous and every rank's traffic use the fabric.
    const LaunchIdentity identity = this_launch();
    if (request.rdzv_id.empty()) request.rdzv_id = rendezvous_id(identity);
    // In an image, each host asks its own image for its torch.
    const TorchChoice torch = request.container_runtime.empty() ? detect_torch(request) : TorchChoice{};
    const std::string port = hostfile_port(request, hosts[0].host, first_port_to_try(identity));
    // A host's slots= stands for its process count unless --nproc-per-node says otherwise.
    auto procs_on = [&](size_t i) { return hosts[i].slots > 0 && request.nproc_per_node == 0 ? hosts[i].slots : procs; };
    std::vector<Supervised> children;
    for (size_t i = 0; i < hosts.size(); ++i) {
        Argv remote{self_executable(), "--apply-plan", "--watch-stdin", "--node-rank", std::to_string(i)};
        const Argv stage = node_stage_args(request, torch, nnodes, procs_on(i), hosts[0].host, port);
        remote.insert(remote.end(), stage.begin(), stage.end());
        children.push_back({ssh_command(hosts[i].host, remote),
                            hosts[i].host + " (host " + std::to_string(i + 1) + " of " + std::to_string(nnodes) + ")"});
    }
    if (request.print) {
        for (size_t i = 0; i < hosts.size(); ++i) {
            const NodeRole role{nnodes, static_cast<int>(i), hosts[0].host, port, "<fabric address of " + hosts[i].host + ">"};
            std::cout << "# " << hosts[i].host << " runs, through: " << shell_join(children[i].argv) << "\n";
            if (!request.container_runtime.empty()) {
                const Argv runtime = runtime_run_command(request, "sparkfabric-<pid>", {{"<each variable of its plan>", "..."}}, {});
                std::cout << "# in the image: " << shell_join(runtime) << " \\\n";
            }
            std::cout << node_lines(request, torch, procs_on(i), role);
        }
        return 0;
    }
    // The head last: vLLM's and SGLang's workers wait for the head's store, not the other way round.
    std::rotate(children.begin(), children.begin() + 1, children.end());
    return supervise(children, kGraceSeconds);
}

// What a failed probe in a docker or podman image means, by the runtime's exit status (podman-run(1)
// "Exit Status", as docker run's: 125 the runtime's own error, such as an image it neither has
// nor can pull; 126 the command cannot be invoked; 127 it is not in the image). The runtime's own
// message is on stderr above.
std::string runtime_probe_failure(const LaunchRequest& request, const Argv& probe, int status) {
    const std::string& runtime = request.container_runtime;
    const std::string& image = request.container_image;
    const std::string where = " on " + local_hostname() + " (" + runtime + " exited " + std::to_string(status) +
                              "; its message is above)";
    if (status == 125) {
        return runtime + " could not run the image " + image + where +
               ": an image this host does not have and cannot pull (check its name; `" + runtime + " pull " + image +
               "` on every host), or a problem with " + runtime + " itself";
    }
    if (status == 126 || status == 127) {
        return "the image " + image + " has no " + probe[probe.size() - 3] + " that " + runtime + " can start" + where +
               ": use an image with python3 and torch, or name its interpreter with --python";
    }
    return probe_failure(request, local_hostname(), probe, status);
}

// A --hostfile host with --container-runtime: the image's torch, asked of the image here.
TorchChoice torch_in_runtime_image(const LaunchRequest& request) {
    if (request.launcher != "torchrun") return {};
    const Argv probe = runtime_torch_probe_command(request);
    const Captured answer = run_capture(probe, 300);
    if (answer.status != 0 || answer.out.find("torch=") == std::string::npos) {
        throw LaunchError(runtime_probe_failure(request, probe, answer.status));
    }
    return torch_from_probe(request, answer.out);
}

// The program in the image on this host: every variable of the host's plan (and the user's own
// values it kept) and the node's launch values as -e, since a container starts with the image's
// environment, not this one. The named container is removed afterwards whatever ended the
// program (a runtime client killed by a signal can leave its container running). When the
// launching side stops this host, its ssh goes first and this process's stdout and stderr become
// broken pipes: a write there (the runtime client's, or this process's own notes) must not end
// this process by SIGPIPE before the container is removed. Children get SIGPIPE back (become).
int run_in_runtime_image(const LaunchRequest& request, const Plan& plan, const NodeCommand& command) {
    signal(SIGPIPE, SIG_IGN);
    std::vector<std::pair<std::string, std::string>> environment;
    for (const auto& variable : plan.variables) {
        if (const char* value = std::getenv(variable.name.c_str()); value != nullptr) environment.emplace_back(variable.name, value);
    }
    environment.insert(environment.end(), command.environment.begin(), command.environment.end());
    const std::string name = "sparkfabric-" + std::to_string(getpid());
    const int status = run_until_stdin_closes(runtime_run_command(request, name, environment, command.argv), kHostStopGraceSeconds);
    run_capture({request.container_runtime, "rm", "-f", name}, 60);
    return status;
}

int run_node_stage(const LaunchRequest& request) {
    const std::string node = local_hostname();
    const bool in_runtime_image = !request.container_runtime.empty();
    const TorchChoice torch = in_runtime_image ? torch_in_runtime_image(request) : torch_from_stage_args(request);
    NodeRole role{request.nnodes, request.node_rank, request.head_address, std::to_string(request.port), ""};
    if (role.rank < 0) role.rank = std::atoi(env_or("SLURM_NODEID", "0").c_str());
    const bool own_address = wants_own_address(request, torch);
    Plan plan;
    if (own_address || request.apply_plan) {
        const StepOutcome outcome = local_step(request.config_path, request.nnodes);
        if (request.apply_plan) apply_to_environment(outcome);  // no plugin ran on this host
        if (own_address) role.own_address = head_address_of(plan_values(outcome.plan, node), node);
        plan = outcome.plan;
    }
    if (request.launcher == "ray") {  // never a docker/podman image: resolve_container refuses it
        return run_ray_node({ray_commands(request, role), role, request.join_timeout, request.watch_stdin});
    }
    // The detected torch's needs come only where the user has not set them (node_command).
    const NodeCommand command = node_command(request, torch, request.nproc_per_node > 0 ? request.nproc_per_node : 1, role);
    if (in_runtime_image) return run_in_runtime_image(request, plan, command);
    // This node's own values: whatever the launching node's environment had is not this node's.
    for (const auto& [name, value] : command.environment) setenv(name.c_str(), value.c_str(), 1);
    if (request.watch_stdin) return run_until_stdin_closes(command.argv, kHostStopGraceSeconds);
    return finish(command.argv, request);
}

}  // namespace sparkfabric::launch
