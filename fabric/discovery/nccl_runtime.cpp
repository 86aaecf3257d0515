#include "fabric/discovery/nccl_runtime.hpp"

#include <net/if.h>
#include <sys/utsname.h>


namespace sparkfabric {

NcclRuntime discover_nccl_runtime(const std::string& where, const EnvLookup& environment,
                                  const std::vector<std::string>& interfaces, const std::string& root) {
    NcclRuntime runtime;
    runtime.where = where;
    struct utsname name {};
    if (uname(&name) == 0) runtime.machine = name.machine;
    SoftwareQuery query = software_query(environment, root);
    query.read_libraries = false;
    runtime.software = discover_software(query);
    runtime.conf = read_nccl_conf(root, environment("NCCL_CONF_FILE").value_or(""), environment("HOME").value_or(""));
    // The live view of this process's network namespace, whatever /sys shows.
    for (const auto& interface : interfaces) {
        if (if_nametoindex(interface.c_str()) == 0) runtime.missing_interfaces.push_back(interface);
    }
    return runtime;
}

}  // namespace sparkfabric
