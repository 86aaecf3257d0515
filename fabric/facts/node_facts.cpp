#include "fabric/facts/node_facts.hpp"

namespace sparkfabric {

const NetDevice* NodeFacts::find_netdev(const std::string& name) const {
    for (const auto& device : netdevs) {
        if (device.name == name) return &device;
    }
    return nullptr;
}

const RdmaDevice* NodeFacts::find_rdma_device(const std::string& name) const {
    for (const auto& device : rdma_devices) {
        if (device.name == name) return &device;
    }
    return nullptr;
}

}  // namespace sparkfabric
