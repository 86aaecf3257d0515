// The NCCL a task will really run, judged against its plan: which libnccl it loads (and so
// which known hangs it carries), the configuration files NCCL reads, the net plugin beside it,
// and whether the plan's interfaces are visible where the task runs. The plugin runs these
// inside a container (the image's NCCL, not the host's, is what the job loads).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fabric/common/findings.hpp"
#include "fabric/discovery/nccl_runtime.hpp"
#include "fabric/plan/plan.hpp"

namespace sparkfabric {

// The known-bad NCCL releases, with their sources; exposed for the tests and the docs (docs/survey.md).
struct NcclVersionRule {
    std::string code;
    std::string below;   // versions before this one are affected
    bool aarch64_only;
    bool rings_only;
    std::string what;
    std::string source;
};
const std::vector<NcclVersionRule>& nccl_version_rules();

// -1, 0, 1 for dotted versions ("2.28.9" < "2.29.3"); nullopt when either is not numeric.
std::optional<int> compare_versions(const std::string& a, const std::string& b);

// `environment` is the task's: NCCL applies a configuration line only where it has no value.
std::vector<Finding> check_nccl_runtime(const NcclRuntime& runtime, const Plan& plan, const EnvLookup& environment);

// The configuration lines NCCL applies (those whose name `environment` lacks), judged: a known
// hang (NCCL_IB_USE_INLINE), GPUDirect forced on where the plan stages through the host, a
// variable the plan leaves to NCCL. `where` names the file system in fixes ("the container"); empty: the node's own.
std::vector<Finding> check_nccl_conf(const std::vector<NcclConfLine>& conf, const std::string& where, const Plan& plan,
                                     const EnvLookup& environment);

// Whether a configuration line turns GPUDirect RDMA on (NCCL_NET_GDR_LEVEL above LOC,
// NCCL_DMABUF_ENABLE or NCCL_GDRCOPY_ENABLE set).
bool forces_gpudirect(const NcclConfLine& line);

// One library judged by the version rules for `machine` (uname -m) and the plan's shape: a
// warning per rule it breaks, naming the file and the fix for where it comes from.
std::vector<Finding> check_nccl_version(const NcclLibrary& library, const std::string& machine, const Plan& plan,
                                        const std::string& where);

}  // namespace sparkfabric
