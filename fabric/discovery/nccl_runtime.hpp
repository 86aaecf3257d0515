// What a process will load and read when it starts NCCL, seen from where it runs (inside a
// container: the image's files): the libnccl the loader takes, the net plugins beside it,
// NCCL's configuration files, and which of the wanted interfaces this network namespace has.
#pragma once

#include <string>
#include <vector>

#include "fabric/common/env_lookup.hpp"
#include "fabric/discovery/nccl_conf.hpp"
#include "fabric/discovery/software.hpp"

namespace sparkfabric {

struct NcclRuntime {
    std::string where;                            // "the container", "this node": for messages
    std::string machine;                          // uname -m: aarch64, x86_64
    SoftwareFacts software;                       // the first NCCL library is the one the loader takes
    std::vector<NcclConfLine> conf;               // in NCCL's order
    std::vector<std::string> missing_interfaces;  // of `interfaces`, those this network namespace lacks
};

// Reads no library (file names and wheel metadata only): bounded to a few milliseconds, for
// the plugin. `environment` is the task's (LD_LIBRARY_PATH, NCCL_CONF_FILE, HOME).
NcclRuntime discover_nccl_runtime(const std::string& where, const EnvLookup& environment,
                                  const std::vector<std::string>& interfaces, const std::string& root = "/");

}  // namespace sparkfabric
