// Which cluster shape this node is part of, from its own facts and the site config: a direct
// pair, a switch, or a ring/mesh (both cages cabled, each link its own subnet). The plan reads
// its rules per shape; `env --format json` and --fabric-explain say which shape and why.
#pragma once

#include <string>
#include <vector>

#include "fabric/common/config.hpp"
#include "fabric/common/findings.hpp"
#include "fabric/facts/node_facts.hpp"

namespace sparkfabric {

struct TopologyChoice {
    Topology topology = Topology::pair;
    std::string reason;
};

// `interfaces` are the cabled fabric interfaces the plan chose (carrier, IPv4, in the site's
// subnets). `nodes` is the job's node count: one cable joins two nodes, so more means a switch.
TopologyChoice choose_topology(const NodeFacts& facts, const SiteConfig& config, int nodes,
                               const std::vector<const NetDevice*>& interfaces, std::vector<Finding>& findings);

}  // namespace sparkfabric
