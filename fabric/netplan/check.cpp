#include "fabric/netplan/check.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "fabric/common/join.hpp"
#include "fabric/netplan/emit.hpp"
#include "fabric/topology/ipv4.hpp"

namespace sparkfabric {
namespace {

std::optional<Ipv4Address> parse_cidr(const std::string& text) {
    const auto slash = text.find('/');
    if (slash == std::string::npos || !parse_ipv4(text.substr(0, slash))) return std::nullopt;
    try {
        return Ipv4Address{text.substr(0, slash), std::stoi(text.substr(slash + 1))};
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::string cidr_text(const Ipv4Address& address) {
    return address.address + "/" + std::to_string(address.prefix_length);
}

bool truthy(const std::string& value) {
    // netplan(5) booleans: true/false, and the YAML 1.1 spellings yes/no, on/off.
    return value == "true" || value == "yes" || value == "on" || value == "y" || value == "True";
}

class Checker {
public:
    explicit Checker(const NetplanCheckInput& input)
        : in_(input), layout_(*input.layout), tree_(*input.tree), ours_(netplan_path(input.root_dir, kNetplanFileName)) {}

    std::vector<Finding> run() {
        for (const auto& planned : layout_.interfaces) check_interface(planned);
        check_twin_subnets();
        check_subnets_elsewhere();
        if (in_.live != nullptr) {
            for (const auto& planned : layout_.interfaces) check_live(planned);
        }
        return findings_;
    }

private:
    const NetplanInterface& config_of(const std::string& name) const {
        static const NetplanInterface kNone;
        const auto found = tree_.interfaces.find(name);
        return found == tree_.interfaces.end() ? kNone : found->second;
    }

    void error(const std::string& code, const std::string& subject, const std::string& message, const std::string& fix) {
        findings_.push_back({Severity::error, code, subject, message, fix});
    }

    // Netplan joins the addresses of every file: a wrong one goes away only where it is written.
    std::string remove_then_write(const std::string& what, const std::string& file) const {
        if (file == ours_) return "rewrite " + file + ": " + in_.write_command;
        return "remove " + what + " from " + file + " (netplan adds up the addresses of all its files), then " +
               in_.write_command;
    }

    void check_interface(const PlannedInterface& planned) {
        const auto& config = config_of(planned.name);
        const std::string wanted = cidr_text(planned.address);
        for (const auto& group : config.member_of) {
            error("bonded", planned.name, "is a member of " + group.value + " in " + group.file +
                  ": the plan addresses each fabric function itself (NCCL lists the twins, not a bond)",
                  "take " + planned.name + " out of " + group.value + " in " + group.file + ", then " + in_.write_command);
        }
        bool has_planned = false;
        bool has_other = false;
        for (const auto& entry : config.addresses) {
            const auto address = parse_cidr(entry.value);
            if (!address) continue;  // IPv6: not the fabric's business here
            if (*address == planned.address) {
                has_planned = true;
                continue;
            }
            has_other = true;
            const std::string subnet = subnet_of(*address);
            if (subnet == planned.subnet) {
                error("wrong-host-number", planned.name, "has " + entry.value + " (" + entry.file + ") where node " +
                      std::to_string(layout_.index) + " (" + layout_.node + ") gets " + wanted +
                      ": host numbers follow the order of --nodes",
                      remove_then_write(entry.value, entry.file));
            } else {
                const bool ring = layout_.topology == Topology::ring;
                error(ring ? "ring-end-wrong-subnet" : "wrong-subnet", planned.name,
                      "has " + entry.value + " (" + entry.file + "), on " + subnet + "; as the " + planned.role +
                          ", it belongs on " + planned.subnet + (ring ? " with the cable's other end" : "") + " as " + wanted,
                      remove_then_write(entry.value, entry.file));
            }
        }
        if (!has_planned && !has_other) {
            std::string link_local;
            for (const auto& entry : config.link_local) {
                if (entry.value == "ipv4") link_local = " (only link-local IPv4, from " + entry.file + ", as NVIDIA's 2-node 40-cx7.yaml gave)";
            }
            error("unaddressed", planned.name,
                  "has no IPv4 address in any netplan file" + link_local + "; as the " + planned.role + ", it needs " + wanted,
                  in_.write_command + " (writes it to " + ours_ + ")");
        }
        check_mtu(planned, config);
        if (config.dhcp4 && truthy(config.dhcp4->value)) {
            error("dhcp-on-fabric", planned.name, "has dhcp4: " + config.dhcp4->value + " (" + config.dhcp4->file +
                  "): a DHCP server on the fabric would add addresses and a default route",
                  "set dhcp4: false under " + planned.name + " in " + config.dhcp4->file);
        }
        for (const auto& file : config.default_route_files) {
            error("default-route-on-fabric", planned.name, "has a default route (routes: to default, or gateway4) in " + file +
                  ": the default route belongs to the management NIC, or traffic to the world takes the fabric",
                  "remove it from " + file);
        }
        for (const auto& file : config.nameserver_files) {
            error("dns-on-fabric", planned.name, "has nameservers in " + file + ": DNS belongs to the management NIC",
                  "remove them from " + file);
        }
    }

    void check_mtu(const PlannedInterface& planned, const NetplanInterface& config) {
        const std::string wanted = std::to_string(layout_.mtu);
        if (!config.mtu) {
            error("mtu-unset", planned.name, "has no mtu in the netplan files, so it keeps the kernel's 1500; the fabric needs " +
                  wanted, in_.write_command + " (sets mtu: " + wanted + " in " + ours_ + ")");
            return;
        }
        if (config.mtu->value == wanted) return;
        // The file read last wins for a scalar (netplan-generate(8)); ours is 60-sparkfabric.yaml.
        const std::string file = config.mtu->file;
        const bool read_after_ours = std::filesystem::path(file).filename().string() > kNetplanFileName;
        std::string fix;
        if (file == ours_) {
            fix = "rewrite it: " + in_.write_command;
        } else if (read_after_ours) {
            fix = "remove `mtu: " + config.mtu->value + "` under " + planned.name + " from " + file + ": it is read after " +
                  kNetplanFileName + " and wins";
        } else {
            fix = in_.write_command + " (its " + kNetplanFileName + " is read after " + file + ", so its mtu: " + wanted + " wins)";
        }
        error("mtu", planned.name, "has mtu " + config.mtu->value + " (" + file + ") where the fabric needs " + wanted +
              ": large messages stall or fall apart between nodes whose MTUs differ", fix);
    }

    // NVIDIA: one subnet for both twins is "routing ambiguity and NCCL failures"
    // (nvidia/playbook-connect-multiple-sparks/README.md).
    void check_twin_subnets() {
        std::set<int> cages;
        for (const auto& planned : layout_.interfaces) cages.insert(planned.cage);
        for (int cage : cages) {
            const std::string a = spark_twin_name(cage, 0), b = spark_twin_name(cage, 2);
            for (const auto& left : config_of(a).addresses) {
                const auto left_address = parse_cidr(left.value);
                if (!left_address) continue;
                for (const auto& right : config_of(b).addresses) {
                    const auto right_address = parse_cidr(right.value);
                    if (!right_address || subnet_of(*left_address) != subnet_of(*right_address)) continue;
                    error("twins-one-subnet", "cage " + std::to_string(cage),
                          "both twins are on " + subnet_of(*left_address) + " (" + a + " " + left.value + " in " + left.file +
                              ", " + b + " " + right.value + " in " + right.file +
                              "): one subnet for both twins is routing ambiguity and NCCL failures",
                          "give each twin its own subnet, as the plan does: " + remove_then_write(right.value, right.file));
                }
            }
        }
    }

    // A planned subnet on some other interface: usually the cable sits in the other cage.
    void check_subnets_elsewhere() {
        for (const auto& item : tree_.interfaces) {
            const std::string& name = item.first;  // no structured binding: clang may not capture one in a lambda
            const NetplanInterface& config = item.second;
            if (std::any_of(layout_.interfaces.begin(), layout_.interfaces.end(),
                            [&](const PlannedInterface& p) { return p.name == name; })) {
                continue;
            }
            for (const auto& entry : config.addresses) {
                const auto address = parse_cidr(entry.value);
                if (!address) continue;
                for (const auto& planned : layout_.interfaces) {
                    if (!in_subnet(address->address, planned.subnet)) continue;
                    error("subnet-on-other-interface", name, "has " + entry.value + " (" + entry.file + ") on " +
                          planned.subnet + ", which the plan gives " + planned.name + " (" + planned.role +
                          "); two interfaces on one subnet confuse routing",
                          "remove it from " + entry.file + "; if the cable is in " + name + "'s port, plan that cage (--cage)");
                }
            }
        }
    }

    void check_live(const PlannedInterface& planned) {
        const NetDevice* device = in_.live->find_netdev(planned.name);
        if (device == nullptr) {
            error("unknown-interface", planned.name, "is not an interface of this machine",
                  "compare the plan (--topology, --cage) with `ip -br link`: sparkfabric plans a DGX Spark's names");
            return;
        }
        const std::string apply = "once the files are right: `sudo netplan try`, then `sudo netplan apply`";
        const bool addressed = std::any_of(device->ipv4.begin(), device->ipv4.end(),
                                           [&](const Ipv4Address& a) { return a == planned.address; });
        if (!addressed) {
            std::vector<std::string> now;
            for (const auto& address : device->ipv4) now.push_back(cidr_text(address));
            findings_.push_back({Severity::warning, "live-address", planned.name,
                                 "live: has " + (now.empty() ? std::string("no IPv4 address") : join(now, ", ")) +
                                     ", not " + cidr_text(planned.address) + " yet", apply});
        }
        if (device->mtu != layout_.mtu) {
            findings_.push_back({Severity::warning, "live-mtu", planned.name,
                                 "live: MTU " + std::to_string(device->mtu) + ", not " + std::to_string(layout_.mtu) + " yet",
                                 apply});
        }
    }

    const NetplanCheckInput& in_;
    const NodeLayout& layout_;
    const NetplanTree& tree_;
    const std::string ours_;
    std::vector<Finding> findings_;
};

}  // namespace

std::vector<Finding> check_netplan(const NetplanCheckInput& input) { return Checker(input).run(); }

std::vector<std::string> missing_interfaces(const NodeLayout& layout, const NodeFacts& facts) {
    std::vector<std::string> missing;
    for (const auto& planned : layout.interfaces) {
        if (facts.find_netdev(planned.name) == nullptr) missing.push_back(planned.name);
    }
    return missing;
}

}  // namespace sparkfabric
