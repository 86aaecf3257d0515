#include "launcher/kinds/ray_node.hpp"

#include <signal.h>

#include <cstdlib>
#include <iostream>

#include "fabric/checks/checks.hpp"
#include "fabric/common/shell_quote.hpp"
#include "fabric/discovery/discovery.hpp"
#include "launcher/run/process.hpp"
#include "launcher/run/supervise.hpp"

namespace sparkfabric::launch {
namespace {

constexpr int kGraceSeconds = 10;      // between SIGTERM and SIGKILL for a step
constexpr int kStopSeconds = 60;       // bound on `ray stop`
constexpr int kHeadGoneMisses = 3;     // unanswered checks, 2 s apart, before the head counts as gone

bool head_answers(const NodeRole& role) {
    const int port = std::atoi(role.port.c_str());
    return tcp_connect("", role.head_address, port, 1000).error == 0;
}

void say(const std::string& text) { std::cerr << "spark-launch: " << local_hostname() << ": " << text << "\n"; }

// Not under the guard: it must run after a stop too. One line either way.
void stop_ray(const RayNodeCommands& commands) {
    const Captured stopped = run_capture(commands.stop, kStopSeconds);
    if (stopped.status != 0) {
        say(shell_join(commands.stop) + " exited " + std::to_string(stopped.status) + ": " + stopped.out);
    } else {
        say("Ray stopped here (" + shell_join(commands.stop) + ")");
    }
}

int stopped_status(const StopGuard& guard, int status) { return guard.stopped() ? 128 + guard.stop_signal() : status; }

int run_head(const RayNode& node, StopGuard& guard) {
    const RayNodeCommands& commands = node.commands;
    int status = guard.run(commands.start, kGraceSeconds, StopGuard::Leftovers::keep);
    if (status != 0) {
        if (!guard.stopped()) say(shell_join(commands.start) + " failed (exit " + std::to_string(status) + ")");
        stop_ray(commands);
        return stopped_status(guard, status);
    }
    status = guard.run(commands.wait_nodes, kGraceSeconds);
    if (status == 0) {
        setenv("RAY_ADDRESS", commands.address.c_str(), 1);
        status = guard.run(commands.program, kGraceSeconds);
    }
    stop_ray(commands);
    return stopped_status(guard, status);
}

int run_worker(const RayNode& node, StopGuard& guard) {
    const RayNodeCommands& commands = node.commands;
    // Ray's own retries are short and vary by version: wait for the head's port ourselves.
    bool up = false;
    for (int waited = 0; waited <= node.join_timeout && !guard.stopped(); ++waited) {
        if ((up = head_answers(node.role))) break;
        guard.pause(1000);
    }
    if (guard.stopped()) return 0;  // nothing started, nothing to report
    if (!up) {
        say("Ray's head at " + commands.address + " did not answer within " + std::to_string(node.join_timeout) +
            " s; see the head's output (its ray start)");
        return 1;
    }
    const int status = guard.run(commands.start, kGraceSeconds, StopGuard::Leftovers::keep);
    if (status != 0) {
        stop_ray(commands);
        if (guard.stopped()) return 0;
        say(shell_join(commands.start) + " failed (exit " + std::to_string(status) + ")");
        return status;
    }
    for (int misses = 0; misses < kHeadGoneMisses && guard.pause(2000);) {
        misses = head_answers(node.role) ? 0 : misses + 1;
    }
    stop_ray(commands);
    // Stopped from outside (scancel, or srun ending the step after another node failed), a
    // worker has nothing to report: the launch's status is the head's or the failing node's,
    // and srun reports the highest of its tasks'.
    return 0;
}

}  // namespace

int run_ray_node(const RayNode& node) {
    for (const auto& [name, value] : node.commands.environment) setenv(name.c_str(), value.c_str(), 1);
    StopGuard guard(node.watch_stdin);
    return node.role.rank == 0 ? run_head(node, guard) : run_worker(node, guard);
}

}  // namespace sparkfabric::launch
