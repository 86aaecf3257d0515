// nlohmann::json mappings of the fact structs, shared by the facts file and the GPU cache.
// Missing keys take the struct's defaults; a key of the wrong type is an error.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "fabric/facts/node_facts.hpp"

namespace sparkfabric {

// Parses a facts file or GPU cache. Every number in them is a whole number that fits the field
// it fills: a fraction, an exponent or an integer too long for 64 bits (which nlohmann::json reads
// as a float) is refused, because converting an out-of-range float into an int field is undefined
// behaviour (found by fuzz/gpu_cache_fuzz.cpp); so is an integer outside int's range, which would
// otherwise wrap silently (5000000000 read as an MTU). memlock_limit_kib and the cma_*_kib fields are 64-bit.
inline nlohmann::json parse_facts_document(const std::string& text) {
    std::string key;  // the key whose value comes next
    return nlohmann::json::parse(text, [&key](int, nlohmann::json::parse_event_t event, nlohmann::json& value) {
        if (event == nlohmann::json::parse_event_t::key) {
            key = value.get<std::string>();
        } else if (event == nlohmann::json::parse_event_t::value && value.is_number()) {
            const bool wide = key == "memlock_limit_kib" || key == "cma_total_kib" || key == "cma_free_kib";
            bool fits = false;  // a float never fits: converting it would be the UB this prevents
            if (value.is_number_unsigned()) {
                fits = value.get<std::uint64_t>() <= static_cast<std::uint64_t>(wide ? INT64_MAX : INT32_MAX);
            } else if (value.is_number_integer()) {
                const std::int64_t number = value.get<std::int64_t>();
                fits = wide || (number >= INT32_MIN && number <= INT32_MAX);
            }
            if (!fits) {
                throw std::runtime_error("\"" + key + "\": number " + value.dump() +
                                         " is not a whole number in range");
            }
        }
        return true;
    });
}

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Ipv4Address, address, prefix_length)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NetDevice, name, mtu, carrier, operstate, ipv4, pci_address,
                                                vendor, numa_node, speed_mbps, pcie_link_width)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GidEntry, index, gid, type, netdev)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RdmaPort, number, state, link_layer, gids)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RdmaDevice, name, pci_address, netdevs, ports, numa_node)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Cage, number, pci_addresses, netdevs, rdma_devices)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NvidiaDriver, present, version, open_module, peermem_loaded)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GpuDevice, pci_address, numa_node)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GpuCapability, index, name, pci_bus_id, integrated,
                                                dma_buf_supported, gpu_direct_rdma_supported)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GpuCache, cuda_driver_version, probed_at, gpus)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NcclConfLine, file, line, name, value)

}  // namespace sparkfabric
