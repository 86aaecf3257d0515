// The locked-memory limit a task really gets. slurmstepd applies the submit side's limits to
// each task after the plugin's task_init: srun exports SLURM_RLIMIT_MEMLOCK only where the site
// propagates that limit (PropagateResourceLimits, default ALL) or the user asked (--propagate,
// then the value starts with 'U'). Present: the task gets that value. Absent: the task keeps the
// node's own limit, which is the limit of slurmstepd itself.
#pragma once

#include <optional>
#include <string>

namespace sparkfabric {

// "U?<bytes>" -> KiB, -1 for unlimited (RLIM_INFINITY); nullopt when absent or malformed.
std::optional<long long> memlock_kib_from_slurm_env(const std::string& value);

}  // namespace sparkfabric
