// nlohmann::json mappings of the fact structs, shared by the facts file and the GPU cache.
// Missing keys take the struct's defaults; a key of the wrong type is an error.
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

#include "fabric/node_facts.hpp"

namespace sparkfabric {

// Parses a facts file or GPU cache. Every number in them is a whole number; a fraction, an
// exponent or an integer too long for 64 bits (which nlohmann::json reads as a float) is refused
// here, because converting an out-of-range float into an int field is undefined behaviour
// (found by fuzz/gpu_cache_fuzz.cpp).
inline nlohmann::json parse_facts_document(const std::string& text) {
    return nlohmann::json::parse(text, [](int, nlohmann::json::parse_event_t event, nlohmann::json& value) {
        if (event == nlohmann::json::parse_event_t::value && value.is_number_float()) {
            throw std::runtime_error("number " + value.dump() + " is not a whole number in range");
        }
        return true;
    });
}

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Ipv4Address, address, prefix_length)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NetDevice, name, mtu, carrier, operstate, ipv4, pci_address,
                                                vendor, numa_node)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GidEntry, index, gid, type, netdev)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RdmaPort, number, state, link_layer, gids)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RdmaDevice, name, pci_address, netdevs, ports, numa_node)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Cage, number, pci_addresses, netdevs, rdma_devices)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NvidiaDriver, present, version, open_module, peermem_loaded)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GpuDevice, pci_address, numa_node)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GpuCapability, index, name, pci_bus_id, integrated,
                                                dma_buf_supported, gpu_direct_rdma_supported)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GpuCache, cuda_driver_version, probed_at, gpus)

}  // namespace sparkfabric
