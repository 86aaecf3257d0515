// The plan: NodeFacts + SiteConfig + JobShape -> environment and findings.
// Pure: it never touches the system, so the plugin, the CLI and the tests get the same answer.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "fabric/common/config.hpp"
#include "fabric/common/findings.hpp"
#include "fabric/common/options.hpp"
#include "fabric/facts/node_facts.hpp"

namespace sparkfabric {

struct JobShape {
    int nodes = 1;
    FabricRequest fabric;
    NcclMode nccl_mode = NcclMode::automatic;
    // Values of planned variables that the user already has; kept unless the site enforces.
    std::map<std::string, std::string> user_env;
};

struct PlannedVariable {
    std::string name;
    std::string value;        // what the job gets (the user's value when kept)
    std::string reason;       // why this value
    bool user_value_kept = false;
    bool operator==(const PlannedVariable&) const = default;
};

struct Plan {
    bool fabric_found = false;
    std::vector<std::string> interfaces;  // chosen netdevs, in order
    std::vector<std::string> hcas;        // "rocep1s0f1:1"
    std::string fabric_address;           // IPv4 of the first chosen interface
    Topology topology = Topology::pair;
    std::string topology_reason;
    std::string bootstrap_interface;      // what every node reaches: the fabric, or the management NIC
    std::string bootstrap_address;        // its IPv4: the rendezvous address spark-launch uses
    NcclMode mode = NcclMode::safe;
    std::string mode_reason;
    std::vector<PlannedVariable> variables;
    std::vector<Finding> findings;

    const PlannedVariable* find(const std::string& name) const;
};

// `input_findings`: what was wrong with the plan's inputs (an unusable GPU cache), counted in
// SPARKFABRIC_STATUS like the plan's own findings.
Plan make_plan(const NodeFacts& facts, const SiteConfig& config, const JobShape& job,
               const std::vector<Finding>& input_findings = {});

// Names of every variable a plan may set: the plugin asks the job's environment for these.
const std::vector<std::string>& plannable_variable_names();

}  // namespace sparkfabric
