// Across the nodes of a survey: a twin that one node leaves unaddressed while its peers address
// it. Each node alone looks fine (NVIDIA's two-node layout leaves that twin unaddressed on
// every node, and NCCL then takes a link-local GID on both ends); mixed, this node's end of the
// twin's connections takes a link-local GID while the peers' ends pin the IPv4 RoCE v2 GID.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "fabric/checks/survey.hpp"

namespace sparkfabric {

// One (node, finding) per twin a node leaves unaddressed where at least as many of its peers
// address it as leave it so; also a node's own "unaddressed-twin" warning where no peer tells
// more. Reports without a fabric are skipped.
std::vector<std::pair<std::string, Finding>> unaddressed_twin_problems(const std::vector<const NodeReport*>& reports);

}  // namespace sparkfabric
