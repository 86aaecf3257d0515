// What the SPANK plugin does for one job step on one node, without Slurm: read the site
// config, discover, plan, check, and decide what to inject, what to say and whether to fail.
// The plugin only moves these values in and out of Slurm, so tests can run all of it.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fabric/common/env_lookup.hpp"
#include "fabric/discovery/discovery.hpp"
#include "fabric/plan/plan.hpp"

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
    std::string nccl_conf_root = "/";     // where /etc/nccl.conf and HOME are; tests: a tree; empty: not read

    int nodes = 1;
    // The step's environment as it arrives: `environment` when set (the plugin asks Slurm),
    // else `user_env`. It may hold values an earlier step injected (srun copies the batch
    // step's environment); SPARKFABRIC_INJECTED tells those from the user's own.
    std::function<std::optional<std::string>(const std::string& name)> environment;
    std::map<std::string, std::string> user_env;
    // The locked-memory limit the task will get (KiB, -1 unlimited), when the caller knows it
    // better than this process's own limit (slurmstepd applies propagated limits later).
    std::optional<long long> task_memlock_kib;
};

struct StepOutcome {
    std::string node;
    Plan plan;
    std::vector<PlannedVariable> to_set;  // set with overwrite; the user's kept values are not here;
                                          // ends with the SPARKFABRIC_INJECTED record of them all
    std::vector<std::string> to_unset;    // injected by an earlier step, not planned now: remove
    std::vector<std::string> messages;    // for the job's stderr, one line each
    std::string failure;                  // non-empty: fail every task of the step with this
    CheckLevel check_level = CheckLevel::warn;  // what later checks (inside a container) must do
};

// Never throws: an exception anywhere inside gives "nothing injected" (what an earlier step
// injected still removed), said in `messages`, or the step's `failure` under strict.
StepOutcome plan_step(const StepRequest& request);

// What an earlier step injected, to remove when this step can inject nothing at all.
std::vector<std::string> earlier_injection(const EnvLookup& environment);

// The plan with the site's GPU cache read under the trust rules (require_trusted: root-owned,
// nobody else may write it or its directory); an unusable cache is a warning in the plan's
// findings and its status, and the mode falls back to safe.
Plan plan_with_gpu_cache(NodeFacts& facts, const SiteConfig& config, const JobShape& job, bool require_trusted);

}  // namespace sparkfabric
