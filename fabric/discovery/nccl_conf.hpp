// The NCCL configuration files a process will read, as NCCL reads them (NVIDIA/nccl
// src/misc/param.cc, initEnvFunc and setEnvFile): $NCCL_CONF_FILE if set and non-empty, else
// ~/.nccl.conf; then /etc/nccl.conf. Each line is NAME=VALUE, a '#' in the first column is a
// comment. NCCL applies a line with setenv(name, value, 0) (src/os/linux.cc ncclOsSetEnv): the
// environment always wins, and an earlier file wins over a later one.
#pragma once

#include <string>
#include <vector>

#include "fabric/facts/node_facts.hpp"  // NcclConfLine

namespace sparkfabric {

// Lines of every file NCCL would read, in NCCL's order, below `root` ("/" live; a fixture tree
// in tests). conf_file: the process's NCCL_CONF_FILE; home: its home directory. Files larger
// than 64 KiB are read to that size: NCCL's own lines are short, and the plugin must stay fast.
// Only regular files are read (opened non-blocking: a FIFO named by NCCL_CONF_FILE must not
// stall slurmstepd).
std::vector<NcclConfLine> read_nccl_conf(const std::string& root, const std::string& conf_file, const std::string& home);

}  // namespace sparkfabric
