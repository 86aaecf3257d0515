// `spark-fabric detect`: what discovery found, readable or as JSON for --facts.
#include <iostream>

#include "fabric/facts/facts_json.hpp"
#include "tools/spark-fabric/command_flags.hpp"

namespace sparkfabric::cli {
namespace {

void print_readable(const NodeFacts& facts, std::ostream& out) {
    out << "node " << facts.hostname << ", kernel " << (facts.kernel_release.empty() ? "?" : facts.kernel_release)
        << "\n\ninterfaces:\n";
    for (const auto& device : facts.netdevs) {
        out << "  " << device.name << "  mtu " << device.mtu << "  carrier " << (device.carrier ? "up" : "down")
            << "  " << (device.operstate.empty() ? "?" : device.operstate);
        for (const auto& address : device.ipv4) out << "  " << address.address << "/" << address.prefix_length;
        if (!device.pci_address.empty()) out << "  pci " << device.pci_address;
        if (!device.vendor.empty()) out << "  vendor " << device.vendor;
        if (device.numa_node >= 0) out << "  numa " << device.numa_node;
        out << "\n";
    }
    out << "\nRDMA devices:" << (facts.rdma_devices.empty() ? " none" : "") << "\n";
    for (const auto& device : facts.rdma_devices) {
        out << "  " << device.name << "  pci " << (device.pci_address.empty() ? "?" : device.pci_address)
            << "  netdev";
        for (const auto& netdev : device.netdevs) out << " " << netdev;
        out << "\n";
        for (const auto& port : device.ports) {
            out << "    port " << port.number << "  " << port.state << "  " << port.link_layer << "  "
                << port.gids.size() << " GID(s)\n";
            for (const auto& gid : port.gids) {
                out << "      [" << gid.index << "] " << gid.gid << "  " << (gid.type.empty() ? "?" : gid.type)
                    << "  " << gid.netdev << "\n";
            }
        }
    }
    out << "\ncages:" << (facts.cages.empty() ? " none" : "") << "\n";
    for (const auto& cage : facts.cages) {
        out << "  cage " << cage.number << ":";
        for (const auto& netdev : cage.netdevs) out << " " << netdev;
        out << "  /";
        for (const auto& device : cage.rdma_devices) out << " " << device;
        out << "\n";
    }
    out << "\nNVIDIA driver: ";
    if (facts.nvidia.present) {
        out << facts.nvidia.version << (facts.nvidia.open_module ? " (open kernel module)" : " (proprietary module)");
    } else {
        out << "not loaded";
    }
    out << ", nvidia_peermem " << (facts.nvidia.peermem_loaded ? "loaded" : "not loaded") << "\n";
    out << "GPUs:";
    for (const auto& gpu : facts.gpus) out << " " << gpu.pci_address << (gpu.numa_node >= 0 ? " (numa " + std::to_string(gpu.numa_node) + ")" : "");
    out << (facts.gpus.empty() ? " none" : "") << "\n";
    out << "GPU capability cache: ";
    if (facts.gpu_cache) {
        for (const auto& gpu : facts.gpu_cache->gpus) {
            out << "GPU " << gpu.index << " " << gpu.name << " dma_buf=" << gpu.dma_buf_supported
                << " gdr=" << gpu.gpu_direct_rdma_supported << " integrated=" << gpu.integrated << "; ";
        }
        out << "probed " << facts.gpu_cache->probed_at << "\n";
    } else {
        out << "none (run spark-fabric probe-gpu)\n";
    }
    out << "memlock limit: "
        << (facts.memlock_limit_kib < 0 ? std::string("unlimited") : std::to_string(facts.memlock_limit_kib) + " KiB")
        << "\n";
    for (const auto& note : facts.notes) out << "note: " << note << "\n";
}

}  // namespace

int run_detect(const Globals& globals, const std::vector<std::string>& args) {
    const auto flags = parse_command_flags(args, {{"--json", false}}, "detect");
    const LoadedNode node = load_node(globals, true);
    if (flags.count("--json") != 0) {
        std::cout << facts_to_json(node.facts) << "\n";
    } else {
        print_readable(node.facts, std::cout);
    }
    return 0;
}

}  // namespace sparkfabric::cli
