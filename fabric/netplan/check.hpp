// `spark-fabric netplan --check`: what differs between a node's netplan files (and, on the node
// itself, its live interfaces) and the layout it needs, each finding with the file and the fix.
#pragma once

#include <string>
#include <vector>

#include "fabric/common/findings.hpp"
#include "fabric/facts/node_facts.hpp"
#include "fabric/netplan/layout.hpp"
#include "fabric/netplan/read.hpp"

namespace sparkfabric {

struct NetplanCheckInput {
    const NodeLayout* layout = nullptr;
    const NetplanTree* tree = nullptr;
    std::string root_dir = "/";  // where sparkfabric's own file goes: ROOT/etc/netplan/60-sparkfabric.yaml
    std::string write_command;   // the `spark-fabric netplan ... --write` line that makes the node's file
    const NodeFacts* live = nullptr;  // the node's live interfaces, when it is this machine; null: files only
};

// Errors for the files (something must change in them), warnings where only the live state
// lags behind correct files (apply them). Empty: nothing to change.
std::vector<Finding> check_netplan(const NetplanCheckInput& input);

// The planned interfaces the live machine lacks (for --write, which refuses unknown names).
std::vector<std::string> missing_interfaces(const NodeLayout& layout, const NodeFacts& facts);

}  // namespace sparkfabric
