#include "launcher/driver/node_launch.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>

#include "fabric/common/shell_quote.hpp"
#include "fabric/common/validate.hpp"
#include "fabric/discovery/discovery.hpp"
#include "launcher/container/container_launch.hpp"
#include "launcher/driver/launch_support.hpp"
#include "launcher/driver/local_step.hpp"
#include "launcher/driver/rendezvous.hpp"
#include "launcher/kinds/per_node_kind.hpp"
#include "launcher/run/hosts.hpp"
#include "launcher/run/process.hpp"
#include "launcher/run/remote.hpp"
#include "launcher/run/supervise.hpp"

namespace sparkfabric::launch {
namespace {

using PlanValues = std::map<std::string, std::string>;

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
        return plan_values(with_launch_port(local_plan(request.config_path, nnodes),
                                            want_port > 0 ? free_port_here(want_port) : 0));
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
    return plan_values(plan_from_head(answer.out, head));
}

// The node stage's arguments shared by srun and ssh starts: everything but the node's rank.
Argv node_stage_args(const PerNodeKind& kind, const LaunchRequest& request, int nnodes, int procs,
                     const std::string& head_address, const std::string& port) {
    Argv stage{"--stage", "node", "--nnodes", std::to_string(nnodes), "--nproc-per-node", std::to_string(procs),
               "--port", port, "--head-address", head_address};
    if (!request.config_path.empty()) stage.insert(stage.end(), {"--config", request.config_path});
    if (!request.python.empty()) stage.insert(stage.end(), {"--python", request.python});
    kind.add_stage_args(request, stage);
    if (!request.container_runtime.empty()) {
        stage.insert(stage.end(), {"--container-runtime", request.container_runtime, "--container-image", request.container_image});
        if (!request.container_mounts.empty()) stage.insert(stage.end(), {"--container-mounts", request.container_mounts});
    }
    stage.insert(stage.end(), {kind_name(request.kind), "--"});
    stage.insert(stage.end(), request.program.begin(), request.program.end());
    return stage;
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

int launch_per_node_in_allocation(const PerNodeKind& kind, const LaunchRequest& original) {
    LaunchRequest request = original;
    const auto nodes = expand_nodelist(env_or("SLURM_JOB_NODELIST", env_or("SLURM_NODELIST")));
    check_size(nodes.size(), request);
    const int nnodes = static_cast<int>(nodes.size());
    kind.check_program(request.program, nnodes);
    const int procs = default_procs_per_node(request);
    const LaunchIdentity identity = this_launch();
    if (request.rdzv_id.empty()) request.rdzv_id = rendezvous_id(identity);
    const bool in_image = !request.container_image.empty();
    kind.find_runtime(request, in_image ? RuntimeSite::pyxis_image : RuntimeSite::launching_host, nodes[0]);
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
            commands.push_back(kind.image_command(request, procs, {nnodes, i, head_address, port, kOwnAddressToken}));
        }
        const Argv step = container_step_command(request, commands);
        if (!request.print) return finish(step, request);
        std::cout << "# every node runs its command below in " << request.container_image << ", through one step: "
                  << shell_join({step.begin(), std::find(step.begin(), step.end(), "sh")}) << " sh -c ...\n";
        for (int i = 0; i < nnodes; ++i) {
            const std::string& node = nodes[static_cast<size_t>(i)];
            const NodeRole role{nnodes, i, head_address, port, "<SPARKFABRIC_BOOTSTRAP_ADDR of " + node + " in its container>"};
            std::cout << "# " << node << "\n" << kind.print_lines(request, procs, role, true);
        }
        std::cout << kind.print_note(request, true);
        return 0;
    }
    if (request.print) {
        for (int i = 0; i < nnodes; ++i) {
            const std::string& node = nodes[static_cast<size_t>(i)];
            // The head's own address is the one found for it; the others are only known there.
            const bool head_known = i == 0 && local_hostname() == nodes[0];
            const NodeRole role{nnodes, i, head_address, port, head_known ? head_address : "<fabric address of " + node + ">"};
            std::cout << "# " << node << "\n" << kind.print_lines(request, procs, role, false);
        }
        std::cout << kind.print_note(request, false);
        return 0;
    }
    return finish(srun_node_stage_command(self_executable(), nnodes,
                                          node_stage_args(kind, request, nnodes, procs, head_address, port)),
                  request);
}

int launch_per_node_on_hosts(const PerNodeKind& kind, const LaunchRequest& original) {
    LaunchRequest request = original;
    const auto hosts = load_hostfile(request.hostfile);
    check_size(hosts.size(), request);
    const int nnodes = static_cast<int>(hosts.size());
    kind.check_program(request.program, nnodes);
    const int procs = request.nproc_per_node > 0 ? request.nproc_per_node : 1;
    // The first host is the head; list the fabric addresses in the hostfile so that the
    // rendezvous and every rank's traffic use the fabric.
    const LaunchIdentity identity = this_launch();
    if (request.rdzv_id.empty()) request.rdzv_id = rendezvous_id(identity);
    // In an image, each host asks its own image (its node stage).
    if (request.container_runtime.empty()) kind.find_runtime(request, RuntimeSite::launching_host, hosts[0].host);
    const std::string port = hostfile_port(request, hosts[0].host, first_port_to_try(identity));
    // A host's slots= stands for its process count unless --nproc-per-node says otherwise.
    auto procs_on = [&](size_t i) { return hosts[i].slots > 0 && request.nproc_per_node == 0 ? hosts[i].slots : procs; };
    std::vector<Supervised> children;
    for (size_t i = 0; i < hosts.size(); ++i) {
        Argv remote{self_executable(), "--apply-plan", "--watch-stdin", "--node-rank", std::to_string(i)};
        const Argv stage = node_stage_args(kind, request, nnodes, procs_on(i), hosts[0].host, port);
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
            std::cout << kind.print_lines(request, procs_on(i), role, false);
        }
        return 0;
    }
    // The head last: vLLM's and SGLang's workers wait for the head's store, not the other way round.
    std::rotate(children.begin(), children.begin() + 1, children.end());
    return supervise(children, kGraceSeconds);
}

int run_per_node_stage(const PerNodeKind& kind, const LaunchRequest& original) {
    LaunchRequest request = original;
    const std::string node = local_hostname();
    // A --hostfile host with --container-runtime: the image's runtime, asked of the image here.
    if (!request.container_runtime.empty()) kind.find_runtime(request, RuntimeSite::runtime_image, node);
    NodeRole role{request.stage.nnodes, request.stage.node_rank, request.stage.head_address, std::to_string(request.port), ""};
    if (role.rank < 0) role.rank = std::atoi(env_or("SLURM_NODEID", "0").c_str());
    const bool own_address = kind.wants_own_address(request);
    Plan plan;
    if (own_address || request.stage.apply_plan) {
        const StepOutcome outcome = local_step(request.config_path, request.stage.nnodes);
        if (request.stage.apply_plan) apply_to_environment(outcome);  // no plugin ran on this host
        if (own_address) role.own_address = head_address_of(plan_values(outcome.plan), node);
        plan = outcome.plan;
    }
    return kind.run_node(request, request.nproc_per_node > 0 ? request.nproc_per_node : 1, role, plan);
}

Argv srun_node_stage_command(const std::string& self, int nnodes, const Argv& node_stage_args) {
    // --overlap: a second launch in the same allocation runs beside the first instead of
    // waiting for its CPUs (Slurm gives a step every CPU of its nodes by default).
    Argv argv{"srun", "--nodes=" + std::to_string(nnodes), "--ntasks=" + std::to_string(nnodes),
              "--ntasks-per-node=1", "--kill-on-bad-exit=1", "--overlap", self};
    argv.insert(argv.end(), node_stage_args.begin(), node_stage_args.end());
    return argv;
}

}  // namespace sparkfabric::launch
