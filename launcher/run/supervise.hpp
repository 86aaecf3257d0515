// Keeping a multi-host launch together (hostfile mode, where no Slurm does it):
//   - every child in its own process group, its stdin a pipe that spark-launch holds and never
//     writes (ssh -n-style: no child reads the terminal, and none steals another's input);
//   - SIGINT, SIGTERM and SIGHUP forwarded to every group, SIGKILL after a grace period;
//   - the first child that fails ends the launch, and the message names its host;
//   - when spark-launch ends, however it ends, the pipes close: ssh passes the EOF on, and the
//     remote side (run_until_stdin_closes) ends its program.
#pragma once

#include <string>
#include <vector>

namespace sparkfabric::launch {

using Argv = std::vector<std::string>;

struct Supervised {
    Argv argv;
    std::string label;  // names the child in messages: "HOST (host 2 of 3)"
};

// Exit status: 0 when all succeed; else the first failing child's status (message on stderr
// naming its label), or 128 + the signal that stopped the launch.
int supervise(const std::vector<Supervised>& children, int grace_seconds);

// A node-side run of several steps that can be told to stop: by SIGINT, SIGTERM or SIGHUP, or,
// with watch_stdin, by EOF on stdin (spark-launch or its ssh gone). Once told, it stays stopped:
// later steps return at once, and the caller cleans up (Ray's `ray stop`) unhindered.
class StopGuard {
public:
    explicit StopGuard(bool watch_stdin);
    ~StopGuard();
    StopGuard(const StopGuard&) = delete;
    StopGuard& operator=(const StopGuard&) = delete;

    // Runs argv in its own process group (stdin /dev/null). On a stop: SIGTERM (or the signal
    // that came) to the group, SIGKILL after grace_seconds. Returns its exit status, 128 + signal
    // when a signal ended it, 127 when it could not start. What it leaves running in its group
    // is killed when it ends, unless it starts daemons meant to outlive it (ray start).
    enum class Leftovers { kill, keep };
    int run(const Argv& argv, int grace_seconds, Leftovers leftovers = Leftovers::kill);
    // Waits up to `milliseconds`; false when a stop came first (or had come already).
    bool pause(int milliseconds);
    bool stopped() const { return stop_signal_ != 0; }
    int stop_signal() const { return stop_signal_; }  // SIGTERM for stdin EOF; 0 while running

private:
    bool poll_once(int milliseconds);  // reads signals and stdin; true when a stop came
    bool watch_stdin_;
    int stop_signal_ = 0;
};

// Between SIGTERM and SIGKILL for what a program left behind once it ended (end_descendants).
inline constexpr int kLeftoverGraceSeconds = 3;

// The remote half: runs argv in its own process group with stdin from /dev/null, and ends it
// (SIGTERM, then SIGKILL after the grace period) when this process's stdin reaches EOF or a
// SIGINT/SIGTERM/SIGHUP arrives. Then every process still below this one (this process is a
// child subreaper, so also those in other sessions whose parents died) gets SIGTERM, and SIGKILL
// after kLeftoverGraceSeconds. Returns the program's exit status.
int run_until_stdin_closes(const Argv& argv, int grace_seconds);

}  // namespace sparkfabric::launch
