// A container runtime that starts between the plugin's user_init and the task replaces the
// job's environment with the image's: pyxis 0.24.0 starts the container in its task_init and
// copies the container's environment back into the job with overwrite (pyxis_slurmstepd.c,
// spank_import_container_env: spank_setenv(sp, key, value, overwrite=1) for every variable
// not named in --container-env), and enroot builds that environment from the image's
// /etc/environment first (enroot src/runtime.sh, runtime::_do_environ). An image built on
// another cluster with NCCL_SOCKET_IFNAME baked in would silently win over the plan.
//
// The rule: for every name sparkfabric owns in this step (what it plans, may plan, or the
// site's extra_env), the task gets what user_init left in the job: the plan's value, the
// user's own value where the plan kept it, or nothing where the plan leaves the choice to
// NCCL. Names sparkfabric never plans (NCCL_DEBUG, NCCL_BUFFSIZE, CUDA_*) keep the image's
// values: they are the image author's tuning, and the image checks judge the risky ones.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fabric/common/env_lookup.hpp"
#include "fabric/common/findings.hpp"
#include "fabric/plan/step_plan.hpp"

namespace sparkfabric {

struct OwnedValue {
    std::optional<std::string> value;  // nullopt: the task must not have it
    std::string whose;                 // "sparkfabric's plan", "your job's value", "the plan leaves it unset"
    bool operator==(const OwnedValue&) const = default;
};
using OwnedValues = std::map<std::string, OwnedValue>;

// What the job holds for each owned name once user_init has applied `outcome`; `before` is the
// job's environment as user_init found it. A step that runs with --fabric=off owns only what
// it set (SPARKFABRIC_STATUS): the user opted out, so the image's values stand. A failed step
// (nothing injected) owns nothing.
OwnedValues owned_values(const StepOutcome& outcome, const EnvLookup& before);

// The values an enroot hook (spark-fabric enroot-hook) took out of the container's environment,
// in the SPARKFABRIC_INJECTED record's format: what the image had set, for the findings.
inline constexpr const char* kImageEnvName = "SPARKFABRIC_IMAGE_ENV";

struct EnvironmentRepair {
    std::vector<std::pair<std::string, std::string>> to_set;
    std::vector<std::string> to_unset;
    std::vector<Finding> findings;  // "container-env-replaced", one per name the image changed
};

// What a task inside a container must change so that every owned name is back to its value.
// Values the hook already took out (kImageEnvName) are reported too.
EnvironmentRepair repair_container_environment(const OwnedValues& owned, const EnvLookup& now);

// For enroot's hooks.d: enroot runs its hooks in `enroot start` with the job's environment
// (pyxis passes it), after it wrote the container's environment file from the image's
// /etc/environment, environ.d and --container-env (enroot src/runtime.sh runtime::_start,
// runtime::_do_environ, runtime::_do_hooks; the container starts with that file only:
// bin/common.h load_environment clears the rest). pyxis then copies that environment over
// the job's. Dropping the file's lines for the names sparkfabric owns leaves the job's values
// standing, whichever order plugstack.conf lists pyxis and sparkfabric in. Owned: every
// plannable name and every name in the job's SPARKFABRIC_INJECTED record, when the plugin ran
// with the fabric on (SPARKFABRIC_STATUS set and not "off"). A line equal to the job's value
// stays. The dropped values are recorded in a kImageEnvName line.
struct EnrootEnvironRewrite {
    std::string text;
    std::vector<std::pair<std::string, std::string>> dropped;  // name, the image's value
};
EnrootEnvironRewrite rewrite_enroot_environ(const std::string& text, const EnvLookup& job);

}  // namespace sparkfabric
