// What the SPANK plugin does for one job step on one node, without Slurm: read the site
// config, discover, plan, check, and decide what to inject, what to say and whether to fail.
// The plugin only moves these values in and out of Slurm, so tests can run all of it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fabric/discovery.hpp"
#include "fabric/plan.hpp"

namespace sparkfabric {

struct StepRequest {
    // Raw option values as the user gave them; empty when not given.
    std::string fabric_option;
    std::string nccl_mode_option;
    std::string check_option;
    bool explain = false;

    std::string config_path = kDefaultConfigPath;
    bool config_explicit = false;        // config= given: a missing file is an error
    bool require_trusted_config = true;  // root-owned, not group/other-writable
    std::string sysfs_root = "/sys";
    std::string procfs_root = "/proc";
    std::optional<AddressMap> addresses;  // tests; the plugin uses the live ones

    int nodes = 1;
    std::map<std::string, std::string> user_env;  // the step's values of plannable variables
};

struct StepOutcome {
    std::string node;
    Plan plan;
    std::vector<PlannedVariable> to_set;  // set with overwrite; the user's kept values are not here
    std::vector<std::string> messages;    // for the job's stderr, one line each
    std::string failure;                  // non-empty: fail every task of the step with this
};

StepOutcome plan_step(const StepRequest& request);

}  // namespace sparkfabric
