#include <fnmatch.h>

#include <algorithm>
#include <set>

#include "fabric/common/validate.hpp"
#include "fabric/facts/gid.hpp"
#include "fabric/plan/make_plan_parts.hpp"
#include "fabric/topology/ipv4.hpp"

namespace sparkfabric::detail {
namespace {

bool matches_any(const std::string& name, const std::vector<std::string>& patterns) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string& pattern) { return fnmatch(pattern.c_str(), name.c_str(), 0) == 0; });
}

bool backs_rdma_device(const NodeFacts& facts, const std::string& netdev) {
    return std::any_of(facts.rdma_devices.begin(), facts.rdma_devices.end(), [&](const RdmaDevice& device) {
        return std::find(device.netdevs.begin(), device.netdevs.end(), netdev) != device.netdevs.end();
    });
}


bool has_address_in(const NetDevice& device, const std::vector<std::string>& subnets) {
    return std::any_of(device.ipv4.begin(), device.ipv4.end(), [&](const Ipv4Address& address) {
        return std::any_of(subnets.begin(), subnets.end(),
                           [&](const std::string& subnet) { return in_subnet(address.address, subnet); });
    });
}

std::string addresses_text(const NetDevice& device) {
    std::string text;
    for (const auto& address : device.ipv4) {
        text += (text.empty() ? "" : " ") + address.address + "/" + std::to_string(address.prefix_length);
    }
    return text;
}

// Sort key: cage number, then the twin's place in the cage (domain 0000 first).
int cage_order(const NodeFacts& facts, const std::string& netdev) {
    for (const auto& cage : facts.cages) {
        const auto found = std::find(cage.netdevs.begin(), cage.netdevs.end(), netdev);
        if (found != cage.netdevs.end()) return cage.number * 16 + static_cast<int>(found - cage.netdevs.begin());
    }
    return 1 << 20;  // interfaces outside any cage keep their (name) order, last
}


void explain_unusable(const NetDevice& device, std::vector<Finding>& findings) {
    if (!device.carrier) {
        findings.push_back({Severity::error, "link-down", device.name,
                            "fabric link is down (no carrier, operstate " +
                                (device.operstate.empty() ? std::string("unknown") : printable(device.operstate)) + ")",
                            "check the cable on this port and the peer, then `ip link set dev " + device.name + " up`"});
    } else if (device.ipv4.empty()) {
        findings.push_back({Severity::error, "no-ipv4", device.name, "fabric link is up but has no IPv4 address",
                            "give it a static address on the fabric subnet (netplan), e.g. `ip addr add "
                            "192.168.200.N/24 dev " + device.name + "`"});
    }
}

// The RDMA devices that go with an interface: both twins of its cage, domain 0000 first.
std::vector<std::string> rdma_devices_for(const NodeFacts& facts, const std::string& netdev) {
    for (const auto& cage : facts.cages) {
        if (std::find(cage.netdevs.begin(), cage.netdevs.end(), netdev) != cage.netdevs.end() &&
            !cage.rdma_devices.empty()) {
            return cage.rdma_devices;
        }
    }
    std::vector<std::string> devices;
    for (const auto& device : facts.rdma_devices) {
        if (std::find(device.netdevs.begin(), device.netdevs.end(), netdev) != device.netdevs.end()) {
            devices.push_back(device.name);
        }
    }
    return devices;
}

std::vector<std::string> addresses_of(const NodeFacts& facts, const RdmaDevice& device) {
    std::vector<std::string> addresses;
    for (const auto& netdev : device.netdevs) {
        if (const auto* found = facts.find_netdev(netdev)) {
            for (const auto& address : found->ipv4) addresses.push_back(address.address);
        }
    }
    return addresses;
}

// The RoCE v2 IPv4-mapped GID: the one carrying the netdev's own address if there is one,
// else the first IPv4 RoCE v2 entry. Index 3 is common but never assumed.
// An unaddressed twin (no IPv4 on its netdev, so no IPv4 GID) on a cable or a switch is taken
// as NVIDIA's two-node playbook takes it: listed, with its GID left to NCCL. `addressed` names
// the node's other fabric functions that carry a routable (not link-local) address: NVIDIA's
// playbook gives its ports link-local IPv4 only, but where this node's other functions are
// addressed, a twin without one is a netplan left half done. Its peers, addressed alike, pin
// the twin's IPv4 RoCE v2 GID while this node takes a link-local one for it: information on
// NVIDIA's layout, a warning on this one.
std::optional<ChosenHca> take_unaddressed_twin(const RdmaDevice& device, const RdmaPort& port,
                                               const std::vector<std::string>& addressed, std::vector<Finding>& findings) {
    const std::string netdev = device.netdevs.empty() ? std::string("its netdev") : device.netdevs[0];
    std::string gid0 = "GID 0";
    if (!port.gids.empty()) {
        const auto& first = port.gids.front();
        gid0 = "GID " + std::to_string(first.index) + " (" + first.gid + (first.type.empty() ? "" : ", " + first.type) + ")";
    }
    if (!addressed.empty()) {
        findings.push_back({Severity::warning, "unaddressed-twin", device.name,
                            netdev + " has no IPv4 address while this node's other fabric functions have routable ones (" +
                                join(addressed, ", ") + "): " + device.name + " is listed with " + gid0 +
                                ", a link-local GID, where peers addressed alike use the twin's IPv4 RoCE v2 GID; the "
                                "two ends of that twin's connections then disagree, and NCCL fails or hangs at connect",
                            "give " + netdev + " an IPv4 address on its own subnet, the one its peers' twins use "
                            "(e.g. 192.168.201.N/24), in netplan; fabric.unaddressed_twins: exclude leaves it out "
                            "meanwhile (half bandwidth)"});
        return ChosenHca{device.name, port.number, -1, "", 0};
    }
    findings.push_back({Severity::info, "unaddressed-twin", device.name,
                        netdev + " has no IPv4 address: " + device.name + " is listed all the same, as NVIDIA's playbook "
                        "does (both twins carry the link), with NCCL_IB_GID_INDEX unset so NCCL picks per HCA; on this "
                        "one NCCL keeps " + gid0 + ", a link-local GID that works on a direct cable or a flat L2 switch, "
                        "not across routed subnets",
                        "for a RoCE v2 IPv4 GID give " + netdev + " an IPv4 address on its own subnet (e.g. "
                        "192.168.201.N/24); fabric.unaddressed_twins: exclude leaves it out"});
    return ChosenHca{device.name, port.number, -1, "", 0};
}

std::optional<ChosenHca> pick_port_and_gid(const NodeFacts& facts, const RdmaDevice& device, bool take_unaddressed,
                                           const std::vector<std::string>& addressed, std::vector<Finding>& findings) {
    const auto own_addresses = addresses_of(facts, device);
    bool any_active = false;
    for (const auto& port : device.ports) {
        if (port.state != "ACTIVE" || (!port.link_layer.empty() && port.link_layer != "Ethernet")) continue;
        any_active = true;
        std::optional<ChosenHca> fallback;
        for (const auto& gid : port.gids) {
            const auto ipv4 = roce_v2_ipv4_of(gid);
            if (!ipv4) continue;
            ChosenHca chosen{device.name, port.number, gid.index, *ipv4, 0};
            if (std::find(own_addresses.begin(), own_addresses.end(), *ipv4) != own_addresses.end()) return chosen;
            if (!fallback) fallback = chosen;
        }
        if (fallback) return fallback;
    }
    if (!any_active) {
        findings.push_back({Severity::warning, "hca-port-down", device.name,
                            "no ACTIVE Ethernet port; left out of NCCL_IB_HCA",
                            "check the link of " + (device.netdevs.empty() ? std::string("its netdev") : device.netdevs[0]) +
                                " and `rdma link show`"});
        return std::nullopt;
    }
    if (take_unaddressed && own_addresses.empty()) {
        for (const auto& port : device.ports) {
            if (port.state == "ACTIVE") return take_unaddressed_twin(device, port, addressed, findings);
        }
    }
    const std::string netdev = device.netdevs.empty() ? std::string("its netdev") : device.netdevs[0];
    findings.push_back({Severity::warning, "twin-without-ipv4", device.name,
                        "no IPv4 RoCE v2 GID (" + netdev + " has no IPv4 address); left out of NCCL_IB_HCA, "
                        "so this cage runs at half bandwidth (one x4 PCIe link, about 100 of 200 Gb/s)",
                        "give " + netdev + " an IPv4 address on its own subnet, distinct from its twin's "
                        "(e.g. 192.168.201.N/24), then rerun; `spark-fabric netplan --check` names the netplan "
                        "file to change and `--write` addresses both twins"});
    return std::nullopt;
}

}  // namespace

bool is_fabric_candidate(const NodeFacts& facts, const SiteConfig& config, const NetDevice& device) {
    if (device.name == "lo") return false;
    return device.vendor == "0x15b3" || backs_rdma_device(facts, device.name) ||
           matches_any(device.name, config.name_patterns);
}

FabricChoice choose_fabric(const NodeFacts& facts, const SiteConfig& config, const JobShape& job,
                           std::vector<Finding>& findings) {
    FabricChoice choice;
    const bool requested = job.fabric.kind == FabricRequest::Kind::interfaces;
    const std::vector<std::string>& named = requested ? job.fabric.interfaces : config.interfaces;
    if (!named.empty()) {
        choice.reason = requested ? "requested with --fabric" : "set by the site config (fabric.interfaces)";
        for (const auto& name : named) {
            const NetDevice* device = facts.find_netdev(name);
            if (device == nullptr) {
                std::vector<std::string> present;
                for (const auto& candidate : facts.netdevs) {
                    if (is_fabric_candidate(facts, config, candidate)) present.push_back(candidate.name);
                }
                findings.push_back({Severity::error, "interface-missing", name, "no such interface on this node",
                                    present.empty() ? "use --fabric=auto, or name an interface this node has"
                                                    : "use --fabric=auto or one of: " + join(present, ", ")});
                continue;
            }
            if (!device->carrier || device->ipv4.empty()) {
                explain_unusable(*device, findings);
                continue;
            }
            choice.interfaces.push_back(device);
        }
    } else {
        std::vector<const NetDevice*> candidates;
        for (const auto& device : facts.netdevs) {
            if (is_fabric_candidate(facts, config, device)) candidates.push_back(&device);
        }
        std::vector<std::string> outside;  // cabled, but not in the site's subnets
        for (const auto* device : candidates) {
            if (!device->carrier || device->ipv4.empty()) continue;
            if (!config.subnets.empty() && !has_address_in(*device, config.subnets)) {
                outside.push_back(device->name + " (" + addresses_text(*device) + ")");
                continue;
            }
            choice.interfaces.push_back(device);
        }
        std::stable_sort(choice.interfaces.begin(), choice.interfaces.end(), [&](const NetDevice* a, const NetDevice* b) {
            return cage_order(facts, a->name) < cage_order(facts, b->name);
        });
        choice.reason = "cabled: carrier up and an IPv4 address";
        if (!config.subnets.empty()) {
            choice.reason += " in fabric.subnets (" + join(config.subnets, ", ") + ")";
            if (!outside.empty()) choice.reason += "; left out: " + join(outside, ", ");
        }
        if (choice.interfaces.empty() && !outside.empty()) {
            findings.push_back({Severity::error, "no-interface-in-subnets", join(config.subnets, ", "),
                                "no cabled fabric interface has an address in fabric.subnets; cabled here: " +
                                    join(outside, ", "),
                                "correct fabric.subnets in the site config, or the interfaces' addresses"});
        } else if (candidates.empty()) {
            findings.push_back({Severity::warning, "no-fabric", "",
                                "no ConnectX-7 fabric interface found (no Mellanox netdev, no RDMA device, "
                                "no name matching fabric.name_patterns)",
                                "check `ip link` and the ConnectX-7 driver (mlx5_core), or name the interface "
                                "with --fabric=IF or fabric.interfaces in the site config"});
        } else if (choice.interfaces.empty()) {
            // Nothing usable: say why for each candidate. With a usable one, idle cages are normal.
            for (const auto* device : candidates) explain_unusable(*device, findings);
        }
    }

    choice.topology = choose_topology(facts, config, job.nodes, choice.interfaces, findings);

    // Twins of each chosen cage, each with its own RoCE v2 IPv4 GID. A ring routes by subnet,
    // so there only addressed functions count; elsewhere an unaddressed twin still carries half.
    const bool take_unaddressed = config.include_unaddressed_twins && choice.topology.topology != Topology::ring;
    std::vector<std::string> addressed;  // routable addresses of the chosen interfaces
    for (const auto* interface : choice.interfaces) {
        for (const auto& address : interface->ipv4) {
            if (!in_subnet(address.address, "169.254.0.0/16")) {
                addressed.push_back(interface->name + " " + address.address + "/" + std::to_string(address.prefix_length));
            }
        }
    }
    std::set<std::string> seen;
    const bool any_rdma = !facts.rdma_devices.empty();
    for (const auto* interface : choice.interfaces) {
        for (const auto& name : rdma_devices_for(facts, interface->name)) {
            if (!seen.insert(name).second) continue;
            const RdmaDevice* device = facts.find_rdma_device(name);
            if (device == nullptr) continue;
            if (auto hca = pick_port_and_gid(facts, *device, take_unaddressed, addressed, findings)) {
                for (const auto& netdev : device->netdevs) {
                    if (const auto* found = facts.find_netdev(netdev)) {
                        for (const auto& address : found->ipv4) {
                            if (address.address == hca->gid_ipv4) hca->prefix_length = address.prefix_length;
                        }
                    }
                }
                choice.hcas.push_back(*hca);
            }
        }
    }
    if (!choice.interfaces.empty() && choice.hcas.empty()) {
        if (any_rdma) {
            findings.push_back({Severity::warning, "no-usable-hca", choice.interfaces[0]->name,
                                "no RDMA device of the chosen interfaces has an ACTIVE port with an IPv4 RoCE v2 GID; "
                                "NCCL falls back to TCP sockets (a fraction of the bandwidth)",
                                "check `rdma link show` and that the fabric interfaces have IPv4 addresses"});
        } else {
            findings.push_back({Severity::info, "no-rdma", choice.interfaces[0]->name,
                                "no RDMA devices on this node: NCCL will use TCP sockets on the fabric interface", ""});
        }
    }
    return choice;
}

}  // namespace sparkfabric::detail
