// Twin pairing: the ConnectX-7 of a DGX Spark shows each QSFP cage as the same PCI function
// on two PCI domains (0000 and 0002). Functions that differ only in domain are one cage.
#include <algorithm>
#include <charconv>
#include <map>
#include <regex>

#include "fabric/discovery/discovery.hpp"

namespace sparkfabric {
namespace {

constexpr const char* kMellanoxVendor = "0x15b3";

// A decimal field of a predictable name, or -1 where it is not a number up to `highest`.
int pci_field(const std::string& digits, int highest) {
    int value = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (error != std::errc() || end != digits.data() + digits.size() || value < 0 || value > highest) return -1;
    return value;
}

// "0002:01:00.1" from the PCI address, or from a predictable name such as enP2p1s0f1np1 or
// rocep1s0f1 when the device has no PCI link (containers, emulated nodes).
std::string pci_key(const std::string& pci_address, const std::string& name) {
    if (!pci_address.empty()) return pci_address;
    static const std::regex predictable("^(?:en|roce)(?:P([0-9]+))?p([0-9]+)s([0-9]+)f([0-9]+)(?:np[0-9]+)?$");
    std::smatch match;
    if (!std::regex_match(name, match, predictable)) return {};
    // The name comes from the kernel but is not ours to trust: a number that does not fit a PCI
    // field (std::stoi would throw on one past int) makes the device one we cannot pair.
    const int domain = match[1].matched ? pci_field(match[1].str(), 0xffff) : 0;
    const int bus = pci_field(match[2].str(), 0xff);
    const int slot = pci_field(match[3].str(), 0x1f);
    const int function = pci_field(match[4].str(), 7);
    if (domain < 0 || bus < 0 || slot < 0 || function < 0) return {};
    char text[32];
    std::snprintf(text, sizeof text, "%04x:%02x:%02x.%d", domain, bus, slot, function);
    return text;
}

struct CageParts {
    std::map<std::string, std::string> netdev_by_pci;
    std::map<std::string, std::string> rdma_by_pci;
};

}  // namespace

std::vector<Cage> pair_cages(const NodeFacts& facts) {
    // Keyed by "bus:device.function": the part twins share.
    std::map<std::string, CageParts> groups;
    for (const auto& device : facts.netdevs) {
        const bool mellanox = device.vendor == kMellanoxVendor;
        const std::string key = pci_key(mellanox ? device.pci_address : std::string(), device.name);
        if (key.size() != 12 || (!mellanox && !device.pci_address.empty())) continue;
        groups[key.substr(5)].netdev_by_pci[key] = device.name;
    }
    for (const auto& device : facts.rdma_devices) {
        const std::string key = pci_key(device.pci_address, device.name);
        if (key.size() != 12) continue;
        groups[key.substr(5)].rdma_by_pci[key] = device.name;
    }
    std::vector<Cage> cages;
    for (const auto& [shared, parts] : groups) {
        Cage cage;
        cage.number = shared.back() - '0';
        std::map<std::string, bool> addresses;  // sorted: domain 0000 first
        for (const auto& entry : parts.netdev_by_pci) addresses[entry.first] = true;
        for (const auto& entry : parts.rdma_by_pci) addresses[entry.first] = true;
        for (const auto& entry : addresses) {
            cage.pci_addresses.push_back(entry.first);
            if (auto found = parts.netdev_by_pci.find(entry.first); found != parts.netdev_by_pci.end()) {
                cage.netdevs.push_back(found->second);
            }
            if (auto found = parts.rdma_by_pci.find(entry.first); found != parts.rdma_by_pci.end()) {
                cage.rdma_devices.push_back(found->second);
            }
        }
        cages.push_back(cage);
    }
    std::sort(cages.begin(), cages.end(), [](const Cage& a, const Cage& b) { return a.number < b.number; });
    return cages;
}

}  // namespace sparkfabric
