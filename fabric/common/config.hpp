// Site configuration (/etc/slurm/sparkfabric.yaml), read with yaml-cpp and validated.
// Every error names the file, the line and the key, and what would be accepted.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "fabric/common/options.hpp"

namespace sparkfabric {

inline constexpr const char* kDefaultConfigPath = "/etc/slurm/sparkfabric.yaml";
inline constexpr const char* kDefaultGpuCachePath = "/var/cache/sparkfabric/gpu.json";

// How the nodes are cabled: the plan's rules differ per shape (see fabric/topology/topology.hpp).
enum class Topology { automatic, pair, switched, ring };
const char* to_string(Topology topology);
// The one reading of a topology's name, for the site config, the command line and the plan's JSON:
// to_string's names, and "mesh" for a ring (the word some cabling guides use for it).
const std::vector<std::pair<std::string, Topology>>& topology_names();
std::optional<Topology> topology_named(const std::string& name);

struct AlgoRule {
    int max_nodes = 0;  // 0: no upper bound (the catch-all rule)
    std::string algo;   // value for NCCL_ALGO
    bool operator==(const AlgoRule&) const = default;
};

// The settings that apply to one node: site-wide values with that node's overrides applied.
struct SiteConfig {
    std::vector<std::string> interfaces;  // empty: auto-detect
    std::vector<std::string> name_patterns{"enp1s0f*np*", "enP2p1s0f*np*"};
    int expected_mtu = 9000;              // 0: do not check
    Topology topology = Topology::automatic;
    std::vector<std::string> subnets;     // CIDRs; non-empty: only interfaces addressed in these carry jobs
    std::string bootstrap_interface;      // empty: the fabric (pair, switch) or the management NIC (ring)
    bool include_unaddressed_twins = true;  // NVIDIA's link-local layout addresses one twin only
    NcclMode nccl_mode = NcclMode::automatic;
    bool nccl_mode_enforced = false;      // the site's mode wins over --nccl-mode
    int ib_timeout = 22;
    std::vector<AlgoRule> algo_rules;     // empty: NCCL chooses (Ring on rings)
    std::vector<std::string> enforced_variables;  // site value wins over the user's
    std::map<std::string, std::string> extra_env; // NCCL_*/UCX_* the site adds
    // extra_env names of the whole file, every node's override included: a later step on
    // another node must know them to tell the batch node's injected values from the user's.
    std::set<std::string> extra_env_names_any_node;
    CheckLevel check_default = CheckLevel::warn;
    double min_busbw_gbps = 21.875;       // GB/s: 87.5% of a 200 Gb/s link (pair, switch)
    double min_busbw_ring_gbps = 10.0;    // GB/s: NVIDIA's pass mark for a ring
    bool preflight = false;               // spark-launch surveys the allocation before every launch
    std::string gpu_cache_path = kDefaultGpuCachePath;
    bool operator==(const SiteConfig&) const = default;
};

class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Parses and validates; applies the `nodes:` override for `hostname` (exact name match).
// Throws ConfigError("FILE:LINE: key 'a.b': what is wrong; what is allowed").
SiteConfig parse_site_config(const std::string& yaml_text, const std::string& source_name,
                             const std::string& hostname);
// Reads the file without following a final symlink. With require_trusted (the plugin, which
// runs as root), a file not owned by root or writable by group or others is refused.
SiteConfig load_site_config_file(const std::string& path, const std::string& hostname,
                                 bool require_trusted = false);

}  // namespace sparkfabric
