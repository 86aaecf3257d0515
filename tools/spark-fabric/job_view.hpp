// What a job on this node gets, read the way the plugin reads it, so that `env` and `check`
// show exactly that: the site config and the GPU cache under the plugin's trust rules, and the
// user's values told from an earlier step's injection by the same rules (empty values, the
// site's extra_env names, the SPARKFABRIC_INJECTED record).
#pragma once

#include "fabric/common/env_lookup.hpp"
#include "fabric/plan/plan.hpp"
#include "tools/spark-fabric/cli.hpp"

namespace sparkfabric::cli {

struct JobView {
    LoadedNode node;
    Plan plan;
};

// `job` without user_env: the user's values are read from `environment`.
JobView plan_as_a_job_gets_it(const Globals& globals, JobShape job, const EnvLookup& environment);

}  // namespace sparkfabric::cli
