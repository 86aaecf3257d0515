// spark-fabric: shared state of the subcommands (global options, loading facts and config).
#pragma once

#include <string>
#include <vector>

#include "fabric/common/config.hpp"
#include "fabric/common/env_lookup.hpp"
#include "fabric/facts/node_facts.hpp"

namespace sparkfabric::cli {

struct Globals {
    std::string sysfs_root = "/sys";
    std::string procfs_root = "/proc";
    std::string config_path = kDefaultConfigPath;
    bool config_explicit = false;
    std::string facts_path;  // plan from a saved `detect --json` instead of the live system
    std::string addresses_path;  // interface addresses from a YAML file instead of getifaddrs
};

// A command-line or input error: printed as "spark-fabric: <what>" with exit status 2.
struct UsageError {
    std::string message;
};

// This process's environment (getenv).
EnvLookup process_environment();

// The file system the sysfs tree belongs to: "/" for /sys, DIR for a replayed DIR/sys (its NCCL
// configuration and libraries are there too); empty for any other --sysfs-root.
std::string files_root(const Globals& globals);

struct LoadedNode {
    NodeFacts facts;
    SiteConfig config;  // with this node's overrides applied
};

// Facts from --facts or the live system, and the site config for that node's hostname.
LoadedNode load_node(const Globals& globals, bool locality);

int run_detect(const Globals& globals, const std::vector<std::string>& args);
int run_env(const Globals& globals, const std::vector<std::string>& args);
int run_check(const Globals& globals, const std::vector<std::string>& args);
int run_probe_gpu(const Globals& globals, const std::vector<std::string>& args);
int run_survey(const Globals& globals, const std::vector<std::string>& args);
int run_survey_node(const Globals& globals, const std::vector<std::string>& args);
int run_survey_probe(const Globals& globals, const std::vector<std::string>& args);
int run_netplan(const Globals& globals, const std::vector<std::string>& args);
int run_enroot_hook(const Globals& globals, const std::vector<std::string>& args);

}  // namespace sparkfabric::cli
