// The node's own NCCL, judged against the plan: the configuration files NCCL reads on the host
// (/etc/nccl.conf, $NCCL_CONF_FILE or ~/.nccl.conf) and the libnccl a job loads there. The
// image checks (nccl_runtime.hpp) judge the same things inside a container; these reuse them.
#pragma once

#include <vector>

#include "fabric/common/findings.hpp"
#include "fabric/discovery/software.hpp"
#include "fabric/facts/node_facts.hpp"
#include "fabric/plan/plan.hpp"

namespace sparkfabric {

// run_checks (the plugin, `check`, the survey). A line for a variable the plan sets is ignored
// by the job's NCCL (the environment wins, NVIDIA/nccl src/misc/param.cc), but a value that
// differs is stale: every NCCL started without the plan (ssh, --fabric=off, a container run by
// hand) takes it, so it is a warning too. Lines for variables the plan leaves unset are judged
// as in an image (check_nccl_conf).
std::vector<Finding> check_host_nccl_conf(const std::vector<NcclConfLine>& conf, const Plan& plan);

// The libraries a job on this node loads: a libnccl in LD_PRELOAD alone, as it beats every
// other; else the dynamic loader's first (programs: nccl-tests, MPI ranks) and every pip
// nvidia-nccl wheel (torch loads the one beside it).
std::vector<const NcclLibrary*> nccl_libraries_loaded(const SoftwareFacts& software);

// `check` and the survey (not the plugin: finding libraries lists directories): each library a
// job loads, judged by the version rules (nccl_runtime.hpp); info naming it where none applies.
std::vector<Finding> check_host_nccl_libraries(const SoftwareFacts& software, const Plan& plan);

}  // namespace sparkfabric
