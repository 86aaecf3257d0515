#include "fabric/netplan/layout.hpp"

#include <algorithm>
#include <set>

#include "fabric/common/join.hpp"
#include "fabric/common/validate.hpp"
#include "fabric/topology/ipv4.hpp"

namespace sparkfabric {
namespace {

constexpr int kMinMtu = 1280;  // the least any fabric user here needs (IPv6's minimum link MTU)
constexpr int kMaxMtu = 9216;  // the largest jumbo frame common RoCE switches carry

struct Subnet {
    uint32_t network = 0;
    int prefix = 0;
    std::string text;
};

uint32_t mask_of(int prefix) { return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix); }

Subnet parse_subnet(const std::string& text, size_t host_count) {
    if (!is_valid_ipv4_cidr(text)) {
        throw NetplanInputError("--subnets: '" + printable(text) + "' is not a subnet; write each as a.b.c.0/len, "
                                "e.g. 192.168.100.0/24");
    }
    const auto slash = text.find('/');
    Subnet subnet;
    subnet.prefix = std::stoi(text.substr(slash + 1));
    const uint32_t address = *parse_ipv4(text.substr(0, slash));
    if (subnet.prefix < 8 || subnet.prefix > 30) {
        throw NetplanInputError("--subnets: " + text + ": use a prefix length from 8 to 30 (24 is usual)");
    }
    subnet.network = address & mask_of(subnet.prefix);
    subnet.text = format_ipv4(subnet.network) + "/" + std::to_string(subnet.prefix);
    if (subnet.network != address) {
        throw NetplanInputError("--subnets: " + text + " has host bits set; did you mean " + subnet.text + "?");
    }
    // Node N gets host number N: the subnet needs N usable addresses below its broadcast.
    const uint64_t usable = (uint64_t{1} << (32 - subnet.prefix)) - 2;
    if (host_count > usable) {
        throw NetplanInputError("--subnets: " + text + " holds " + std::to_string(usable) + " hosts, not the " +
                                std::to_string(host_count) + " nodes; use a larger subnet (e.g. /24)");
    }
    return subnet;
}

bool overlaps(const Subnet& a, const Subnet& b) {
    const int prefix = std::min(a.prefix, b.prefix);
    return (a.network & mask_of(prefix)) == (b.network & mask_of(prefix));
}

std::vector<Subnet> request_subnets(const NetplanRequest& request) {
    const auto wanted = default_netplan_subnets(request.topology, request.nodes.size());
    const auto& given = request.subnets.empty() ? wanted : request.subnets;
    if (given.size() != wanted.size()) {
        throw NetplanInputError(
            "--subnets: a " + std::string(to_string(request.topology)) + " of " + std::to_string(request.nodes.size()) +
            " nodes needs " + std::to_string(wanted.size()) + " subnets (" +
            (request.topology == Topology::ring ? "one per twin per cable, cable 1 first: " : "one per twin, domain 0000 first: ") +
            join(wanted, ",") + "), not " + std::to_string(given.size()));
    }
    std::vector<Subnet> subnets;
    for (const auto& text : given) {
        Subnet subnet = parse_subnet(text, request.nodes.size());
        for (const auto& other : subnets) {
            if (overlaps(subnet, other)) {
                // Each twin on its own subnet: one subnet for both is "routing ambiguity and NCCL
                // failures" (nvidia/playbook-connect-multiple-sparks/README.md).
                throw NetplanInputError("--subnets: " + subnet.text + " overlaps " + other.text +
                                        "; every twin (and on a ring every cable) needs a subnet of its own");
            }
        }
        subnets.push_back(subnet);
    }
    return subnets;
}

void check_request(const NetplanRequest& request) {
    const size_t count = request.nodes.size();
    switch (request.topology) {
        case Topology::pair:
            if (count != 2) {
                throw NetplanInputError("--topology pair joins exactly 2 nodes with one cable (got " + std::to_string(count) +
                                        "); 3 or 4 cabled in a ring: --topology ring; through a switch: --topology switch");
            }
            break;
        case Topology::switched:
            if (count < 2 || count > static_cast<size_t>(kNetplanMaxNodes)) {
                throw NetplanInputError("--topology switch takes 2 to " + std::to_string(kNetplanMaxNodes) + " nodes (got " +
                                        std::to_string(count) + ")");
            }
            break;
        case Topology::ring:
            // NVIDIA's ring is 3 nodes (nvidia/playbook-connect-multiple-sparks/README.md, "Three-device
            // direct ring"); owners run 4 the same way. A Spark has two cages: a ring of 5 or more
            // works, but NCCL needs ring-only routing there (shared/domain.md), so it is not offered.
            if (count < 3 || count > 4) {
                throw NetplanInputError("--topology ring takes 3 or 4 nodes (got " + std::to_string(count) +
                                        "); 2 nodes: --topology pair; 5 or more: a switch (--topology switch)");
            }
            break;
        case Topology::automatic:
            throw NetplanInputError("--topology must be pair, switch or ring: the cabling plan cannot be guessed");
    }
    if (request.cage != 0 && request.cage != 1) {
        throw NetplanInputError("--cage must be 0 or 1 (the QSFP port: 0 is next to the Ethernet port)");
    }
    if (request.mtu < kMinMtu || request.mtu > kMaxMtu) {
        throw NetplanInputError("--mtu must be from " + std::to_string(kMinMtu) + " to " + std::to_string(kMaxMtu) +
                                " (9000 is usual on the fabric)");
    }
}

PlannedInterface planned(int cage, int domain, const Subnet& subnet, int host, std::string role) {
    PlannedInterface interface;
    interface.name = spark_twin_name(cage, domain);
    interface.cage = cage;
    interface.domain = domain;
    interface.address = {format_ipv4(subnet.network + static_cast<uint32_t>(host)), subnet.prefix};
    interface.subnet = subnet.text;
    interface.role = std::move(role);
    return interface;
}

std::string twin_text(int cage, int domain) {
    return std::string(domain == 0 ? "domain-0000" : "domain-0002") + " twin of cage " + std::to_string(cage);
}

}  // namespace

std::string spark_twin_name(int cage, int domain) {
    const std::string function = std::to_string(cage);
    return (domain == 0 ? "enp1s0f" : "enP2p1s0f") + function + "np" + function;
}

std::vector<std::string> default_netplan_subnets(Topology topology, size_t node_count) {
    const size_t count = topology == Topology::ring ? 2 * node_count : 2;
    std::vector<std::string> subnets;
    for (size_t i = 0; i < count; ++i) subnets.push_back("192.168." + std::to_string(100 + i) + ".0/24");
    return subnets;
}

std::vector<std::string> parse_netplan_nodes(const std::string& text) {
    std::vector<std::string> nodes;
    std::set<std::string> seen;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t comma = std::min(text.find(',', start), text.size());
        const std::string name = text.substr(start, comma - start);
        if (name.find('[') != std::string::npos) {
            throw NetplanInputError("--nodes: write every host out (spark-1,spark-2,...), not a Slurm range; "
                                    "`scontrol show hostnames 'spark-[1-4]' | paste -sd,` does it");
        }
        if (!is_valid_host_name(name) || name == "." || name == "..") {
            throw NetplanInputError("--nodes: '" + printable(name) + "' is not a host name; give a comma list such as "
                                    "spark-dgx-1,spark-dgx-2");
        }
        if (!seen.insert(name).second) throw NetplanInputError("--nodes: " + name + " is listed twice");
        nodes.push_back(name);
        start = comma + 1;
    }
    if (nodes.size() < 2 || nodes.size() > static_cast<size_t>(kNetplanMaxNodes)) {
        throw NetplanInputError("--nodes: a fabric has 2 to " + std::to_string(kNetplanMaxNodes) + " nodes (got " +
                                std::to_string(nodes.size()) + ")");
    }
    return nodes;
}

NodeLayout layout_node(const NetplanRequest& request, const std::string& node) {
    check_request(request);
    const auto subnets = request_subnets(request);
    const auto found = std::find(request.nodes.begin(), request.nodes.end(), node);
    if (found == request.nodes.end()) {
        throw NetplanInputError("node '" + printable(node) + "' is not in --nodes (" + join(request.nodes, ",") +
                                "); name one of them with --node HOST");
    }
    NodeLayout layout;
    layout.topology = request.topology;
    layout.node = node;
    layout.index = static_cast<int>(found - request.nodes.begin()) + 1;
    layout.nodes = request.nodes;
    layout.mtu = request.mtu;
    const int host = layout.index;
    if (request.topology != Topology::ring) {
        // Both twins of the cabled cage, each on its own subnet; node N is .N on both.
        for (int domain : {0, 2}) {
            layout.interfaces.push_back(planned(request.cage, domain, subnets[domain == 0 ? 0 : 1], host,
                                                twin_text(request.cage, domain)));
        }
        return layout;
    }
    // NVIDIA's ring cabling (nvidia/playbook-connect-multiple-sparks/README.md, "Three-device
    // direct ring"): cable K runs from node K's port 0 to node K+1's port 1, the last node's port
    // 0 back to node 1. Each cable has a subnet per twin, so both ends of a cable match.
    const int count = static_cast<int>(request.nodes.size());
    const int out_cable = host;                              // from this node's port 0
    const int in_cable = host == 1 ? count : host - 1;       // into this node's port 1
    const std::string next = request.nodes[static_cast<size_t>(host % count)];
    const std::string previous = request.nodes[static_cast<size_t>(in_cable - 1)];
    for (int domain : {0, 2}) {
        const size_t twin = domain == 0 ? 0 : 1;
        layout.interfaces.push_back(planned(0, domain, subnets[2 * static_cast<size_t>(out_cable - 1) + twin], host,
                                            twin_text(0, domain) + ", on cable " + std::to_string(out_cable) + " to " +
                                                next + "'s port 1"));
    }
    for (int domain : {0, 2}) {
        const size_t twin = domain == 0 ? 0 : 1;
        layout.interfaces.push_back(planned(1, domain, subnets[2 * static_cast<size_t>(in_cable - 1) + twin], host,
                                            twin_text(1, domain) + ", on cable " + std::to_string(in_cable) + " from " +
                                                previous + "'s port 0"));
    }
    return layout;
}

}  // namespace sparkfabric
