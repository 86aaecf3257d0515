// The sglang kind: its checks and one node's SGLang command.
#include "launcher/kinds/sglang.hpp"

#include "launcher/kinds/serving_args.hpp"

namespace sparkfabric::launch {
namespace {

bool is_sglang_line(const Argv& program) {
    return program.size() >= 3 && base_name(program[0]).rfind("python", 0) == 0 && program[1] == "-m" &&
           program[2] == "sglang.launch_server";
}

class Sglang final : public SingleProgramKind {
public:
    void check_program(const Argv& program, int nnodes) const override { check_serving_args("sglang", program, nnodes); }

    NodeCommand node_command(const LaunchRequest& request, int, const NodeRole& role) const override {
        return sglang_node_command(python_or_default(request), request.program, role);
    }
};

}  // namespace

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

const Kind& sglang_kind() {
    static const Sglang kind;
    return kind;
}

}  // namespace sparkfabric::launch
