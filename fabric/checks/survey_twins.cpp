#include "fabric/checks/survey_twins.hpp"

#include <map>
#include <set>

#include "fabric/common/join.hpp"
#include "fabric/topology/ipv4.hpp"

namespace sparkfabric {
namespace {

// The netdevs behind the plan's HCAs ("rocep1s0f1:1") that have no IPv4 address.
std::set<std::string> unaddressed_twins(const NodeReport& report) {
    std::set<std::string> twins;
    for (const auto& hca : report.plan.hcas) {
        const auto* device = report.facts.find_rdma_device(hca.substr(0, hca.find(':')));
        if (device == nullptr) continue;
        for (const auto& name : device->netdevs) {
            const auto* netdev = report.facts.find_netdev(name);
            if (netdev != nullptr && netdev->ipv4.empty()) twins.insert(name);
        }
    }
    return twins;
}

}  // namespace

std::vector<std::pair<std::string, Finding>> unaddressed_twin_problems(const std::vector<const NodeReport*>& reports) {
    std::vector<std::pair<std::string, Finding>> problems;
    std::map<std::string, std::set<std::string>> unaddressed;  // node -> twins
    for (const auto* report : reports) {
        if (report->plan.fabric_found) unaddressed[report->node] = unaddressed_twins(*report);
    }
    for (const auto* report : reports) {
        if (!report->plan.fabric_found) continue;
        std::set<std::string> told;
        for (const auto& twin : unaddressed[report->node]) {
            std::vector<std::string> addressing;  // "peer 192.168.201.2/24"
            std::string subnet;
            size_t leaving = 0;
            for (const auto* peer : reports) {
                if (peer == report || !peer->plan.fabric_found) continue;
                const auto* theirs = peer->facts.find_netdev(twin);
                if (theirs == nullptr) continue;
                if (theirs->ipv4.empty()) {
                    ++leaving;
                } else {
                    const auto& address = theirs->ipv4.front();
                    addressing.push_back(peer->node + " " + address.address + "/" + std::to_string(address.prefix_length));
                    if (subnet.empty()) subnet = subnet_of(address);
                }
            }
            if (addressing.empty() || addressing.size() < leaving) continue;
            told.insert(twin);
            problems.push_back(
                {report->node,
                 {Severity::warning, "twin-unaddressed-among-peers", twin,
                  twin + " has no IPv4 address here while its peers address it (" + join(addressing, ", ") +
                      "): this node's end of that twin's connections takes a link-local GID, theirs the IPv4 RoCE v2 "
                      "GID, and NCCL's connections over it fail or hang",
                  "give " + twin + " an address on " + subnet + ", the subnet its peers use for it, in netplan (`ip addr "
                  "add <address>/" + subnet.substr(subnet.find('/') + 1) + " dev " + twin + "` to try it at once)"}});
        }
        // The node's own verdict (a warning where its other twin is addressed) where peers told nothing more.
        for (const auto& finding : report->findings) {
            if (finding.code != "unaddressed-twin" || finding.severity == Severity::info) continue;
            const auto* device = report->facts.find_rdma_device(finding.subject);
            const bool covered = device != nullptr && !device->netdevs.empty() && told.count(device->netdevs.front()) != 0;
            if (!covered) problems.push_back({report->node, finding});
        }
    }
    return problems;
}

}  // namespace sparkfabric
