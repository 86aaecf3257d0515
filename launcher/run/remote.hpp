// Running a command on another host over ssh.
#pragma once

#include <string>
#include <vector>

namespace sparkfabric::launch {

using Argv = std::vector<std::string>;

// ssh HOST -- <remote command>: ssh hands the remote side one string, so each word is quoted.
// No -n: stdin is the pipe spark-launch holds, whose EOF tells the remote side to stop.
Argv ssh_command(const std::string& host, const Argv& remote);

}  // namespace sparkfabric::launch
