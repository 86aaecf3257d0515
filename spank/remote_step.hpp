// Remote context (slurmstepd): plan once per step in user_init, report and fail in task_init.
#pragma once

#include "spank/slurm_headers.hpp"

namespace sparkfabric::spank {

int remote_user_init(spank_t sp);
int remote_task_init(spank_t sp);

}  // namespace sparkfabric::spank
