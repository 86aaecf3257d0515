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
    std::string label;  // the host, for messages
};

// Exit status: 0 when all succeed; else the first failing child's status (message on stderr
// naming its label), or 128 + the signal that stopped the launch.
int supervise(const std::vector<Supervised>& children, int grace_seconds);

// The remote half: runs argv in its own process group with stdin from /dev/null, and ends it
// (SIGTERM, then SIGKILL after the grace period) when this process's stdin reaches EOF or a
// SIGINT/SIGTERM/SIGHUP arrives. Returns the program's exit status.
int run_until_stdin_closes(const Argv& argv, int grace_seconds);

}  // namespace sparkfabric::launch
