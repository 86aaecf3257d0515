#include "launcher/driver/launch_support.hpp"

#include <cstdlib>
#include <iostream>

#include "fabric/common/shell_quote.hpp"
#include "fabric/discovery/discovery.hpp"
#include "launcher/driver/rendezvous.hpp"
#include "launcher/run/process.hpp"

namespace sparkfabric::launch {

std::string env_or(const char* name, const std::string& fallback) {
    const char* value = std::getenv(name);
    return value != nullptr ? std::string(value) : fallback;
}

bool export_job_environment_to_steps() {
    const std::string exported = env_or("SLURM_EXPORT_ENV");
    if (exported.empty() || exported == "ALL" || exported.rfind("ALL,", 0) == 0) return false;
    setenv("SLURM_EXPORT_ENV", "ALL", 1);
    return true;
}

void check_size(size_t nodes, const LaunchRequest& request) {
    if (static_cast<int>(nodes) > kMaxNodesWithoutFlag && !request.allow_large) {
        throw LaunchError(std::to_string(nodes) + " nodes: a DGX Spark stack is 2 to 10 nodes; add --allow-large "
                          "if you mean it");
    }
}

int default_procs_per_node(const LaunchRequest& request) {
    if (request.nproc_per_node > 0) return request.nproc_per_node;
    for (const char* name : {"SLURM_GPUS_ON_NODE", "SLURM_GPUS_PER_NODE"}) {
        std::string value = env_or(name);
        const auto colon = value.rfind(':');
        if (colon != std::string::npos) value = value.substr(colon + 1);
        const int count = std::atoi(value.c_str());
        if (count > 0) return count;
    }
    return 1;
}

int finish(const Argv& argv, const LaunchRequest& request) {
    if (request.print) {
        std::cout << shell_join(argv) << "\n";
        return 0;
    }
    const std::string failure = exec_replace(argv);  // returns only when the exec failed
    std::cerr << "spark-launch: " << failure << "\n";
    return 127;
}

int free_port_here(int from) {
    const int port = next_free_port(from, port_is_free_here);
    if (port == 0) throw LaunchError("no free port from " + std::to_string(from) + " on " + local_hostname());
    return port;
}

}  // namespace sparkfabric::launch
