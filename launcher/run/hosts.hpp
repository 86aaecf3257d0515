// Where to launch: Slurm node lists (through libslurm's hostlist API) and plain hostfiles.
#pragma once

#include <string>
#include <vector>

namespace sparkfabric::launch {

// "spark-dgx-[1-3,7],login1" -> names, in order. Throws LaunchError on a malformed list.
std::vector<std::string> expand_nodelist(const std::string& nodelist);

struct HostEntry {
    std::string host;
    int slots = 0;  // 0: not given
    bool operator==(const HostEntry&) const = default;
};

// One host per line, optional "slots=N", '#' comments and blank lines. Throws LaunchError
// naming the source, the line and what is wrong.
std::vector<HostEntry> parse_hostfile(const std::string& text, const std::string& source);
std::vector<HostEntry> load_hostfile(const std::string& path);

}  // namespace sparkfabric::launch
