// Node lists go through Slurm's own hostlist code, so every form Slurm accepts works here.
extern "C" {
#include <slurm/slurm.h>
}

#include <cstdlib>

#include "fabric/validate.hpp"
#include "launcher/hosts.hpp"
#include "launcher/launch_request.hpp"

namespace sparkfabric::launch {

std::vector<std::string> expand_nodelist(const std::string& nodelist) {
    if (nodelist.empty()) throw LaunchError("empty node list");
    hostlist_t list = slurm_hostlist_create(nodelist.c_str());
    if (list == nullptr) throw LaunchError("node list '" + printable(nodelist) + "' is not valid");
    std::vector<std::string> names;
    while (char* name = slurm_hostlist_shift(list)) {
        names.emplace_back(name);
        std::free(name);
    }
    slurm_hostlist_destroy(list);
    for (const auto& name : names) {
        if (!is_valid_host_name(name)) {
            throw LaunchError("node list '" + printable(nodelist) + "' holds '" + printable(name) +
                              "', which is not a host name");
        }
    }
    if (names.empty()) throw LaunchError("node list '" + printable(nodelist) + "' names no node");
    return names;
}

}  // namespace sparkfabric::launch
