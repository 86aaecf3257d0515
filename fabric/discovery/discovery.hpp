// Discovery: reads the system (sysfs, procfs, getifaddrs, hwloc) into NodeFacts.
// It never decides anything; the plan does.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fabric/facts/node_facts.hpp"

namespace sparkfabric {

using AddressMap = std::map<std::string, std::vector<Ipv4Address>>;

struct DiscoveryOptions {
    std::string sysfs_root = "/sys";
    std::string procfs_root = "/proc";
    // IPv4 addresses per interface; when unset, the live ones from getifaddrs.
    std::optional<AddressMap> addresses;
    // GPU capability cache written by `probe-gpu`; empty: do not read one.
    std::string gpu_cache_path;
    // NCCL's configuration files (nccl_conf.hpp), read below this root ("/" live) as a job
    // whose NCCL_CONF_FILE is nccl_conf_file and whose HOME is home reads them; empty: not read.
    std::string nccl_conf_root;
    std::string nccl_conf_file;
    std::string home;
};

// CmaTotal and CmaFree from procfs's meminfo, in KiB; -1 each where absent or unreadable.
struct CmaFacts {
    long long total_kib = -1;
    long long free_kib = -1;
};
CmaFacts read_cma(const std::string& procfs_root);

NodeFacts discover_node(const DiscoveryOptions& options);

// This machine's hostname (what per-node site overrides and messages name).
std::string local_hostname();

// The live interface addresses (getifaddrs), IPv4 only.
AddressMap live_ipv4_addresses();
// Addresses from a YAML file {IF: [a.b.c.d/len]}; throws std::runtime_error naming file and line.
AddressMap load_address_file(const std::string& path);

// Groups the Mellanox PCI functions into cages (twins across PCI domains). Called by
// discover_node; public so facts loaded from JSON without cages can be completed.
std::vector<Cage> pair_cages(const NodeFacts& facts);

// Fills numa_node of netdevs, RDMA devices and GPUs through hwloc, reading the tree above
// sysfs_root (which must end in /sys). Kept out of discover_node: it costs milliseconds and
// hwloc has no business in slurmstepd, so only `spark-fabric detect` calls it.
// Returns a note when locality could not be read.
std::optional<std::string> apply_locality(NodeFacts& facts, const std::string& sysfs_root);

}  // namespace sparkfabric
