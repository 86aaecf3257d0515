#include "fabric/topology/topology.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "fabric/common/join.hpp"
#include "fabric/topology/ipv4.hpp"

namespace sparkfabric {
namespace {

// What one cabled cage carries: its link subnet(s) and how it is addressed.
struct CabledCage {
    std::set<std::string> subnets;
    std::multiset<int> prefixes;  // one per addressed function
};

std::string cage_key(const NodeFacts& facts, const std::string& netdev) {
    for (const auto& cage : facts.cages) {
        if (std::find(cage.netdevs.begin(), cage.netdevs.end(), netdev) != cage.netdevs.end()) {
            return "cage " + std::to_string(cage.number);
        }
    }
    return netdev;  // an interface outside any cage is a link of its own
}

std::map<std::string, CabledCage> group_by_cage(const NodeFacts& facts, const std::vector<const NetDevice*>& interfaces) {
    std::map<std::string, CabledCage> cages;
    for (const auto* device : interfaces) {
        CabledCage& cage = cages[cage_key(facts, device->name)];
        cage.prefixes.insert(device->ipv4.front().prefix_length);
        for (const auto& address : device->ipv4) cage.subnets.insert(subnet_of(address));
    }
    return cages;
}

std::string describe(const std::map<std::string, CabledCage>& cages) {
    std::vector<std::string> parts;
    for (const auto& [name, cage] : cages) {
        parts.push_back(name + ": " + join(std::vector<std::string>(cage.subnets.begin(), cage.subnets.end()), ", "));
    }
    return join(parts, "; ");
}

bool share_a_subnet(const CabledCage& a, const CabledCage& b) {
    return std::any_of(a.subnets.begin(), a.subnets.end(), [&](const auto& subnet) { return b.subnets.count(subnet) != 0; });
}

// A ring or mesh node has each cage on its own link(s) to one neighbour, laid out alike: no
// subnet shared between cages, the same number of addressed functions and prefix lengths on
// each. A direct cable beside a storage LAN is usually laid out differently (NVIDIA's ring and
// mesh layouts are symmetric; storage LANs are one subnet for the whole cage).
bool looks_like_ring(const std::map<std::string, CabledCage>& cages) {
    if (cages.size() < 2) return false;
    for (auto a = cages.begin(); a != cages.end(); ++a) {
        for (auto b = std::next(a); b != cages.end(); ++b) {
            if (share_a_subnet(a->second, b->second)) return false;
            if (a->second.prefixes != b->second.prefixes || a->second.subnets.size() != b->second.subnets.size()) {
                return false;
            }
        }
    }
    return true;
}

bool any_two_on_different_subnets(const std::map<std::string, CabledCage>& cages) {
    for (auto a = cages.begin(); a != cages.end(); ++a) {
        for (auto b = std::next(a); b != cages.end(); ++b) {
            if (!share_a_subnet(a->second, b->second)) return true;
        }
    }
    return false;
}

}  // namespace

TopologyChoice choose_topology(const NodeFacts& facts, const SiteConfig& config, int nodes,
                               const std::vector<const NetDevice*>& interfaces, std::vector<Finding>& findings) {
    const auto cages = group_by_cage(facts, interfaces);
    if (config.topology != Topology::automatic) {
        if (config.topology == Topology::ring && cages.size() < 2 && !interfaces.empty()) {
            findings.push_back({Severity::warning, "ring-link-missing", describe(cages),
                                "the site says ring, but only one cage is cabled here: a link of the ring is down or "
                                "missing (an open chain), so its neighbour on that side is reached only the long way",
                                "check the cable and link of the other cage (`ip link`, `ibdev2netdev`)"});
        }
        return {config.topology, "site config fabric.topology: " + std::string(to_string(config.topology))};
    }
    if (looks_like_ring(cages)) {
        return {Topology::ring, "both cages cabled, each on its own link subnet (" + describe(cages) +
                                    "): a ring or mesh (set fabric.topology: pair if it is two cables between two nodes)"};
    }
    if (cages.size() >= 2 && any_two_on_different_subnets(cages)) {
        findings.push_back({Severity::warning, "cages-on-different-subnets", describe(cages),
                            "two cabled cages on different subnets that are not laid out like a ring: both carry the "
                            "job, and if one is a storage LAN, NCCL traffic goes onto it",
                            "list the subnets jobs may use in the site config, e.g. `fabric: {subnets: [" +
                                *cages.begin()->second.subnets.begin() + "]}`, or set fabric.topology"});
    }
    if (nodes > 2) {
        return {Topology::switched, std::to_string(nodes) + " nodes on " + (cages.size() == 1 ? "one cabled cage" : "these links") +
                                        ": a switch joins them (one cable joins only two)"};
    }
    return {Topology::pair, cages.size() <= 1 ? "one cabled cage and at most 2 nodes: a direct cable (a switch gets the same settings)"
                                              : "cabled cages sharing a subnet, at most 2 nodes (a switch gets the same settings)"};
}

}  // namespace sparkfabric
