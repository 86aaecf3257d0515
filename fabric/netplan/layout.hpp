// The netplan layout: which address and MTU every fabric function of every node gets, for a
// cabling plan (a direct pair, a switch, or a 3- or 4-node ring). Pure: no files, no system.
// `spark-fabric netplan` emits it (emit.hpp), checks a node's files against it (check.hpp) and
// writes it (write.hpp).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "fabric/common/config.hpp"
#include "fabric/facts/node_facts.hpp"

namespace sparkfabric {

constexpr int kNetplanMaxNodes = 10;  // the sizes sparkfabric supports (docs/shapes.md)

// Bad input to the layout (node list, subnets, MTU, cage): the message names what is wrong and
// how to write it instead.
struct NetplanInputError : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

struct NetplanRequest {
    Topology topology = Topology::pair;  // pair, switched or ring; automatic is refused
    std::vector<std::string> nodes;      // host names in cabling order: node N is the Nth
    int cage = 1;                        // pair and switch: the cabled QSFP cage (port)
    std::vector<std::string> subnets;    // empty: the defaults (default_netplan_subnets)
    int mtu = 9000;
};

// One fabric function of one node and what it gets.
struct PlannedInterface {
    std::string name;     // "enP2p1s0f1np1"
    int cage = 0;
    int domain = 0;       // PCI domain: 0 or 2 (the twins)
    Ipv4Address address;  // "192.168.101.1", 24
    std::string subnet;   // "192.168.101.0/24"
    std::string role;     // "domain-0002 twin of cage 1"; on a ring also its cable and the other end
};

struct NodeLayout {
    Topology topology = Topology::pair;
    std::string node;
    int index = 0;  // 1-based position in the node list: its host number on every subnet
    std::vector<std::string> nodes;
    int mtu = 9000;
    std::vector<PlannedInterface> interfaces;
};

// The netdev name of a cage's twin as a DGX Spark names it (shared/domain.md's table, from
// NVIDIA dgx-spark-playbooks nvidia/connect-two-sparks/README.md): enp1s0f1np1 on domain 0000,
// enP2p1s0f1np1 on domain 0002. discovery/cages.cpp reads the same names back into cages.
std::string spark_twin_name(int cage, int domain);

// Pair and switch: 192.168.100.0/24 for the domain-0000 twin and 192.168.101.0/24 for the
// domain-0002 twin, as NVIDIA's Connect Multiple Sparks playbook assigns them
// (nvidia/playbook-connect-multiple-sparks/README.md, "The subnet plan follows the layout").
// Ring: a pair per cable, 192.168.100/101 for cable 1, 102/103 for cable 2, and so on.
std::vector<std::string> default_netplan_subnets(Topology topology, size_t node_count);

// Checks the request (throws NetplanInputError) and lays out one node.
NodeLayout layout_node(const NetplanRequest& request, const std::string& node);

// Parses "--nodes a,b,c": host names, none repeated, 2..10 of them.
std::vector<std::string> parse_netplan_nodes(const std::string& text);

}  // namespace sparkfabric
