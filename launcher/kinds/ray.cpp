// The ray kind: one node's Ray commands, on the host or in an image, and their --print lines.
#include "launcher/kinds/ray.hpp"

#include "fabric/common/shell_quote.hpp"
#include "launcher/kinds/ray_image.hpp"
#include "launcher/kinds/ray_node.hpp"
#include "launcher/run/program_paths.hpp"

namespace sparkfabric::launch {
namespace {

// Ray's helper runs with the interpreter that has Ray: --python, else the ray program's own.
std::string ray_python(const LaunchRequest& request) {
    if (!request.python.empty()) return request.python;
    const std::string interpreter = script_interpreter(on_path(request.ray));
    return interpreter.empty() ? std::string("python3") : interpreter;
}

RayNodeCommands ray_commands(const LaunchRequest& request, const NodeRole& role, const std::string& python) {
    return ray_node_commands(request.ray, python, request.ray_start_args, request.program, role, request.join_timeout);
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

class Ray final : public PerNodeKind {
public:
    // Ray's start, wait and stop steps run in spark-launch's node stage or in the image's sh
    // script; neither is written for a docker/podman container yet.
    bool runs_in_runtime_image() const override { return false; }

    void add_stage_args(const LaunchRequest& request, Argv& stage) const override {
        stage.insert(stage.end(), {"--ray", request.ray, "--join-timeout", std::to_string(request.join_timeout)});
        for (const auto& arg : request.ray_start_args) stage.push_back("--ray-start-arg=" + arg);
    }

    // In an image: its own ray and python (ray_python reads the host's `ray` script, not the image's).
    Argv image_command(const LaunchRequest& request, int, const NodeRole& role) const override {
        const RayNodeCommands ray = ray_commands(request, role, python_or_default(request));
        return image_argv({ray_image_command(ray, role, request.join_timeout, python_or_default(request)), ray.environment});
    }

    std::string print_lines(const LaunchRequest& request, int, const NodeRole& role, bool in_image) const override {
        return ray_lines(ray_commands(request, role, in_image ? python_or_default(request) : ray_python(request)), role);
    }

    int run_node(const LaunchRequest& request, int, const NodeRole& role, const Plan&) const override {
        return run_ray_node({ray_commands(request, role, ray_python(request)), role, request.join_timeout, request.stage.watch_stdin});
    }
};

}  // namespace

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

const Kind& ray_kind() {
    static const Ray kind;
    return kind;
}

}  // namespace sparkfabric::launch
