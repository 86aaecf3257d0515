// --preflight: the whole allocation (or the hostfile's hosts) surveyed before anything starts,
// by `spark-fabric survey`; a doomed launch (errors) stops here instead of hanging in NCCL or
// the rendezvous.
#pragma once

#include "launcher/request/launch_request.hpp"

namespace sparkfabric::launch {

// 0: go on (no preflight asked for, or it passed, perhaps with warnings, printed); 2: the
// survey found errors, printed, and nothing may start. Throws LaunchError when the survey gave
// no result.
int preflight(const LaunchRequest& request);

}  // namespace sparkfabric::launch
