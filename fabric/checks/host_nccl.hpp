// The node's own NCCL, judged against the plan: the configuration files NCCL reads on the host
// (/etc/nccl.conf, $NCCL_CONF_FILE or ~/.nccl.conf). The image checks (nccl_runtime.hpp) judge
// the same files inside a container; these reuse them.
#pragma once

#include <vector>

#include "fabric/common/findings.hpp"
#include "fabric/facts/node_facts.hpp"
#include "fabric/plan/plan.hpp"

namespace sparkfabric {

// run_checks (the plugin, `check`, the survey). A line for a variable the plan sets is ignored
// by the job's NCCL (the environment wins, NVIDIA/nccl src/misc/param.cc), but a value that
// differs is stale: every NCCL started without the plan (ssh, --fabric=off, a container run by
// hand) takes it, so it is a warning too. Lines for variables the plan leaves unset are judged
// as in an image (check_nccl_conf).
std::vector<Finding> check_host_nccl_conf(const std::vector<NcclConfLine>& conf, const Plan& plan);

}  // namespace sparkfabric
