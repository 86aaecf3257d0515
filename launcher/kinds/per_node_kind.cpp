#include "launcher/kinds/per_node_kind.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdlib>

#include "fabric/common/shell_quote.hpp"
#include "launcher/container/container_launch.hpp"
#include "launcher/driver/launch_support.hpp"
#include "launcher/driver/node_launch.hpp"
#include "launcher/run/process.hpp"
#include "launcher/run/supervise.hpp"

namespace sparkfabric::launch {
namespace {

// The program in the image on this host: every variable of the host's plan (and the user's own
// values it kept) and the node's launch values as -e, since a container starts with the image's
// environment, not this one. The named container is removed afterwards whatever ended the
// program (a runtime client killed by a signal can leave its container running). When the
// launching side stops this host, its ssh goes first and this process's stdout and stderr become
// broken pipes: a write there (the runtime client's, or this process's own notes) must not end
// this process by SIGPIPE before the container is removed. Its children get SIGPIPE back
// (supervise's become, process's spawn).
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

}  // namespace

Argv image_argv(const NodeCommand& command) {
    if (command.environment.empty()) return command.argv;
    Argv argv{"env"};
    for (const auto& [name, value] : command.environment) argv.push_back(name + "=" + value);
    argv.insert(argv.end(), command.argv.begin(), command.argv.end());
    return argv;
}

std::string with_environment(const std::vector<std::pair<std::string, std::string>>& environment, const Argv& argv) {
    std::string line;
    for (const auto& [name, value] : environment) line += name + "=" + shell_quote(value) + " ";
    return line + shell_join(argv);
}

int PerNodeKind::launch_in_allocation(const LaunchRequest& request) const { return launch_per_node_in_allocation(*this, request); }

int PerNodeKind::launch_on_hosts(const LaunchRequest& request) const { return launch_per_node_on_hosts(*this, request); }

int PerNodeKind::run_node_stage(const LaunchRequest& request) const { return run_per_node_stage(*this, request); }

void PerNodeKind::check_program(const Argv&, int) const {}

void PerNodeKind::find_runtime(LaunchRequest&, RuntimeSite, const std::string&) const {}

bool PerNodeKind::wants_own_address(const LaunchRequest&) const { return true; }

void PerNodeKind::add_stage_args(const LaunchRequest&, Argv&) const {}

std::string PerNodeKind::print_note(const LaunchRequest&, bool) const { return {}; }

Argv SingleProgramKind::image_command(const LaunchRequest& request, int procs, const NodeRole& role) const {
    return image_argv(node_command(request, procs, role));
}

std::string SingleProgramKind::print_lines(const LaunchRequest& request, int procs, const NodeRole& role, bool) const {
    const NodeCommand command = node_command(request, procs, role);
    return with_environment(command.environment, command.argv) + "\n";
}

int SingleProgramKind::run_node(const LaunchRequest& request, int procs, const NodeRole& role, const Plan& plan) const {
    const NodeCommand command = node_command(request, procs, role);
    if (!request.container_runtime.empty()) return run_in_runtime_image(request, plan, command);
    // This node's own values: whatever the launching node's environment had is not this node's.
    for (const auto& [name, value] : command.environment) setenv(name.c_str(), value.c_str(), 1);
    if (request.stage.watch_stdin) return run_until_stdin_closes(command.argv, kHostStopGraceSeconds);
    return finish(command.argv, request);
}

}  // namespace sparkfabric::launch
