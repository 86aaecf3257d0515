// Discovery: reads the system (sysfs, procfs, getifaddrs, hwloc) into NodeFacts.
// It never decides anything; the plan does.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fabric/node_facts.hpp"

namespace sparkfabric {

using AddressMap = std::map<std::string, std::vector<Ipv4Address>>;

struct DiscoveryOptions {
    std::string sysfs_root = "/sys";
    std::string procfs_root = "/proc";
    // IPv4 addresses per interface; when unset, the live ones from getifaddrs.
    std::optional<AddressMap> addresses;
    // NUMA locality through hwloc: worth it for `detect`, skipped by the plugin (it costs ms).
    bool locality = false;
    // GPU capability cache written by `probe-gpu`; empty: do not read one.
    std::string gpu_cache_path;
};

NodeFacts discover_node(const DiscoveryOptions& options);

// The live interface addresses (getifaddrs), IPv4 only.
AddressMap live_ipv4_addresses();
// Addresses from a YAML file {IF: [a.b.c.d/len]}; throws std::runtime_error naming file and line.
AddressMap load_address_file(const std::string& path);

// Groups the Mellanox PCI functions into cages (twins across PCI domains). Called by
// discover_node; public so facts loaded from JSON without cages can be completed.
std::vector<Cage> pair_cages(const NodeFacts& facts);

// Fills numa_node of netdevs, RDMA devices and GPUs through hwloc. fsroot is the directory
// that holds sys/ and proc/ ("/" on a live system). Returns a note when hwloc fails.
std::optional<std::string> apply_locality(NodeFacts& facts, const std::string& fsroot);

}  // namespace sparkfabric
