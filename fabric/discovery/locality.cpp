// NUMA locality of the NICs and GPUs through hwloc: which NUMA node each PCI device hangs off.
#include <hwloc.h>

#include <cstdio>
#include <cstdlib>

#include "fabric/discovery/discovery.hpp"

namespace sparkfabric {
namespace {

int numa_node_of(hwloc_topology_t topology, const std::string& pci_address) {
    unsigned domain = 0, bus = 0, device = 0, function = 0;
    if (std::sscanf(pci_address.c_str(), "%x:%x:%x.%x", &domain, &bus, &device, &function) != 4) return -1;
    hwloc_obj_t object = hwloc_get_pcidev_by_busid(topology, domain, bus, device, function);
    if (object == nullptr) return -1;
    hwloc_obj_t ancestor = hwloc_get_non_io_ancestor_obj(topology, object);
    if (ancestor == nullptr || ancestor->nodeset == nullptr || hwloc_bitmap_iszero(ancestor->nodeset)) return -1;
    return hwloc_bitmap_first(ancestor->nodeset);
}

}  // namespace

std::optional<std::string> apply_locality(NodeFacts& facts, const std::string& sysfs_root) {
    // hwloc wants the directory above sys/ and proc/.
    const bool ends_in_sys = sysfs_root.size() >= 4 && sysfs_root.compare(sysfs_root.size() - 4, 4, "/sys") == 0;
    if (!ends_in_sys) return std::string("locality skipped: the sysfs root does not end in /sys");
    const std::string fsroot = sysfs_root == "/sys" ? std::string("/") : sysfs_root.substr(0, sysfs_root.size() - 4);
    hwloc_topology_t topology = nullptr;
    if (hwloc_topology_init(&topology) != 0) return std::string("hwloc: cannot initialise a topology");
    hwloc_topology_set_io_types_filter(topology, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
    // hwloc 2.x reads another root only through HWLOC_FSROOT; the libpciaccess component
    // would read the real bus, so it is left out and hwloc's own sysfs reader is used.
    const bool other_root = fsroot != "/";
    if (other_root) {
        setenv("HWLOC_FSROOT", fsroot.c_str(), 1);
        setenv("HWLOC_HIDE_ERRORS", "2", 0);  // fixture trees lack the cpu topology; say nothing
        hwloc_topology_set_components(topology, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST, "pci");
    }
    const int loaded = hwloc_topology_load(topology);
    if (other_root) unsetenv("HWLOC_FSROOT");
    if (loaded != 0) {
        hwloc_topology_destroy(topology);
        return std::string("hwloc: topology load failed; locality unknown");
    }
    for (auto& device : facts.netdevs) {
        if (!device.pci_address.empty()) device.numa_node = numa_node_of(topology, device.pci_address);
    }
    for (auto& device : facts.rdma_devices) {
        if (!device.pci_address.empty()) device.numa_node = numa_node_of(topology, device.pci_address);
    }
    for (auto& gpu : facts.gpus) gpu.numa_node = numa_node_of(topology, gpu.pci_address);
    hwloc_topology_destroy(topology);
    return std::nullopt;
}

}  // namespace sparkfabric
