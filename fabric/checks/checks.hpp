// Preflight checks: the plan's findings plus what only matters for health (MTU between twins,
// subnets, memlock, driver, GPU capability). `spark-fabric check` and the plugin's strict mode
// both call this, so a job fails for exactly what `check` reports.
#pragma once

#include <string>
#include <vector>

#include "fabric/common/config.hpp"
#include "fabric/common/findings.hpp"
#include "fabric/facts/node_facts.hpp"
#include "fabric/plan/plan.hpp"

namespace sparkfabric {

std::vector<Finding> run_checks(const NodeFacts& facts, const SiteConfig& config, const Plan& plan);

// Exit status of `spark-fabric check`: 0 ok (info only), 1 warnings, 2 errors.
int check_exit_status(const std::vector<Finding>& findings);

// Whether --fabric-check=strict fails a job for these findings (any warning or error).
bool strict_fails(const std::vector<Finding>& findings);

// One TCP connect to host:port within timeout_ms, from `source_address` (empty: any).
// `error` is 0 when connected, else an errno (ETIMEDOUT for no answer in time); `problem`
// says what failed before connecting (no such host, no such source address).
struct TcpConnect {
    int error = 0;
    std::string problem;
};
TcpConnect tcp_connect(const std::string& source_address, const std::string& host, int port, int timeout_ms);

// TCP connect from `source_address` to host:port within timeout_ms. A refused connection
// still proves the peer answers on the fabric. Returns a finding (info on success).
Finding probe_peer(const std::string& source_address, const std::string& host, int port, int timeout_ms);

}  // namespace sparkfabric
