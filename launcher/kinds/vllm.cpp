// The vllm kind: its checks and one node's vLLM command.
#include "launcher/kinds/vllm.hpp"

#include "fabric/common/validate.hpp"
#include "launcher/kinds/serving_args.hpp"
#include "launcher/request/user_options.hpp"

namespace sparkfabric::launch {
namespace {

class Vllm final : public SingleProgramKind {
public:
    void check_program(const Argv& program, int nnodes) const override {
        check_serving_args("vllm", program, nnodes);
        if (const auto backend = user_option(program, "--distributed-executor-backend"); backend && *backend != "mp") {
            throw LaunchError("--distributed-executor-backend " + printable(*backend) +
                              ": spark-launch vllm starts vLLM's own multi-node mode (mp); for Ray, use "
                              "spark-launch ray -- vllm serve ...");
        }
    }

    NodeCommand node_command(const LaunchRequest& request, int, const NodeRole& role) const override {
        return vllm_node_command(request.program, role);
    }
};

}  // namespace

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

const Kind& vllm_kind() {
    static const Vllm kind;
    return kind;
}

}  // namespace sparkfabric::launch
