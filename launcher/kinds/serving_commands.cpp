#include "launcher/kinds/serving_commands.hpp"

#include "fabric/common/validate.hpp"
#include "launcher/request/launch_request.hpp"
#include "launcher/request/user_options.hpp"
#include "launcher/run/program_paths.hpp"

namespace sparkfabric::launch {
namespace {

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

void add_unless_given(Argv& argv, const Argv& user, const std::string& name, const std::string& value) {
    if (!user_option(user, name)) argv.insert(argv.end(), {name, value});
}

bool is_sglang_line(const Argv& program) {
    return program.size() >= 3 && base_name(program[0]).rfind("python", 0) == 0 && program[1] == "-m" &&
           program[2] == "sglang.launch_server";
}

}  // namespace

void check_serving_args(const std::string& launcher, const Argv& program, int nnodes) {
    for (const char* per_node : {"--node-rank", "--headless"}) {
        if (user_option(program, per_node)) {
            throw LaunchError(std::string(per_node) + " differs from node to node: spark-launch " + launcher +
                              " sets it on each node; remove it");
        }
    }
    if (const auto count = user_option(program, "--nnodes"); count && *count != std::to_string(nnodes)) {
        throw LaunchError("--nnodes " + printable(*count) + ": this launch has " + std::to_string(nnodes) +
                          " nodes; remove --nnodes (spark-launch sets it) or launch on that many nodes");
    }
    if (launcher == "vllm") {
        if (const auto backend = user_option(program, "--distributed-executor-backend"); backend && *backend != "mp") {
            throw LaunchError("--distributed-executor-backend " + printable(*backend) +
                              ": spark-launch vllm starts vLLM's own multi-node mode (mp); for Ray, use "
                              "spark-launch ray -- vllm serve ...");
        }
    }
    if (program.empty() || program[0].empty()) throw LaunchError("no program given: spark-launch " + launcher + " -- ...");
}

NodeCommand vllm_node_command(const Argv& program, const NodeRole& role) {
    NodeCommand command;
    const bool names_vllm = !program.empty() && base_name(program[0]) == "vllm";
    if (!names_vllm) command.argv.push_back("vllm");
    command.argv.insert(command.argv.end(), program.begin(), program.end());
    add_unless_given(command.argv, program, "--distributed-executor-backend", "mp");
    add_unless_given(command.argv, program, "--nnodes", std::to_string(role.nnodes));
    command.argv.insert(command.argv.end(), {"--node-rank", std::to_string(role.rank)});
    add_unless_given(command.argv, program, "--master-addr", role.head_address);
    add_unless_given(command.argv, program, "--master-port", role.port);
    if (role.rank > 0) command.argv.push_back("--headless");  // the API server runs on the head only
    // What vLLM tells the other nodes to reach this one at; one value per node, never inherited.
    if (!role.own_address.empty()) command.environment.emplace_back("VLLM_HOST_IP", role.own_address);
    return command;
}

NodeCommand sglang_node_command(const std::string& python, const Argv& program, const NodeRole& role) {
    NodeCommand command;
    if (!is_sglang_line(program)) command.argv = {python, "-m", "sglang.launch_server"};
    command.argv.insert(command.argv.end(), program.begin(), program.end());
    add_unless_given(command.argv, program, "--nnodes", std::to_string(role.nnodes));
    command.argv.insert(command.argv.end(), {"--node-rank", std::to_string(role.rank)});
    add_unless_given(command.argv, program, "--dist-init-addr", role.head_address + ":" + role.port);
    // The address SGLang advertises to the other nodes (its shared-memory broadcast and group
    // coordinator): get_local_ip_auto() in python/sglang/srt/utils/network.py (sgl-project/sglang
    // 0564b52) takes SGLANG_HOST_IP, then HOST_IP, else the source address of a route to 8.8.8.8,
    // which on a Spark is the Wi-Fi or management port: the peers then wait forever. One value
    // per node, never inherited, as VLLM_HOST_IP for vLLM.
    if (!role.own_address.empty()) command.environment.emplace_back("SGLANG_HOST_IP", role.own_address);
    return command;
}

RayNodeCommands ray_node_commands(const std::string& ray, const std::string& python, const Argv& start_args,
                                  const Argv& program, const NodeRole& role, int join_timeout) {
    RayNodeCommands commands;
    const std::string head = role.head_address + ":" + role.port;
    if (role.rank == 0) {
        commands.start = {ray, "start", "--head", "--node-ip-address=" + role.own_address, "--port=" + role.port};
        commands.wait_nodes = {python, sparkfabric_data_file("ray_wait_nodes.py"), head, std::to_string(role.nnodes),
                               std::to_string(join_timeout)};
        commands.program = program;
    } else {
        commands.start = {ray, "start", "--address=" + head, "--node-ip-address=" + role.own_address};
    }
    commands.start.insert(commands.start.end(), start_args.begin(), start_args.end());
    commands.stop = {ray, "stop"};
    // Ray's workers inherit the raylet's environment: vLLM on Ray reads VLLM_HOST_IP there too.
    if (!role.own_address.empty()) commands.environment.emplace_back("VLLM_HOST_IP", role.own_address);
    commands.address = head;
    return commands;
}

}  // namespace sparkfabric::launch
