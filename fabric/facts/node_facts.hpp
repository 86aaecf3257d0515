// NodeFacts: everything discovery learns about one node, and nothing it decides.
// The plan reads these; `spark-fabric detect --json` saves them; `--facts FILE` loads them back.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sparkfabric {

struct Ipv4Address {
    std::string address;  // dotted quad, e.g. "192.168.200.1"
    int prefix_length = 0;
    bool operator==(const Ipv4Address&) const = default;
};

struct NetDevice {
    std::string name;
    int mtu = 0;                 // 0 when unreadable
    bool carrier = false;        // EINVAL (admin down) reads as no carrier
    std::string operstate;       // "up", "down", "unknown", ... as the kernel says
    std::vector<Ipv4Address> ipv4;
    std::string pci_address;     // "0000:01:00.1"; empty for virtual devices
    std::string vendor;          // "0x15b3" for Mellanox; empty when unknown
    int numa_node = -1;          // from hwloc when locality was discovered
    int speed_mbps = 0;          // negotiated link speed; 0 when unknown (down, virtual)
    int pcie_link_width = 0;     // current PCIe lanes of the function; 0 when unknown
    bool operator==(const NetDevice&) const = default;
};

struct GidEntry {
    int index = 0;
    std::string gid;     // lowercase uncompressed IPv6 text, as sysfs prints it
    std::string type;    // "RoCE v2", "IB/RoCE v1", or empty when unreadable
    std::string netdev;  // empty when unreadable
    bool operator==(const GidEntry&) const = default;
};

struct RdmaPort {
    int number = 0;
    std::string state;       // "ACTIVE", "DOWN", ... (the text after "N: ")
    std::string link_layer;  // "Ethernet" or "InfiniBand"
    std::vector<GidEntry> gids;  // populated entries only; all-zero entries are skipped
    bool operator==(const RdmaPort&) const = default;
};

struct RdmaDevice {
    std::string name;                  // "rocep1s0f1" or "mlx5_1": read, never assumed
    std::string pci_address;
    std::vector<std::string> netdevs;  // from <dev>/device/net/*
    std::vector<RdmaPort> ports;
    int numa_node = -1;
    bool operator==(const RdmaDevice&) const = default;
};

// One QSFP cage of the ConnectX-7. It shows up as the same PCI function on two PCI
// domains (0000 and 0002), each half a link wide: the "twins".
struct Cage {
    int number = 0;                         // the PCI function number
    std::vector<std::string> pci_addresses; // domain order
    std::vector<std::string> netdevs;       // domain order
    std::vector<std::string> rdma_devices;  // domain order
    bool operator==(const Cage&) const = default;
};

struct NvidiaDriver {
    bool present = false;
    std::string version;       // "580.95.05"
    bool open_module = false;  // "Open Kernel Module" in /proc/driver/nvidia/version
    bool peermem_loaded = false;
    bool operator==(const NvidiaDriver&) const = default;
};

struct GpuDevice {
    std::string pci_address;
    int numa_node = -1;
    bool operator==(const GpuDevice&) const = default;
};

// What `spark-fabric probe-gpu` learned from the CUDA driver, read from its cache file.
struct GpuCapability {
    int index = 0;
    std::string name;
    std::string pci_bus_id;
    bool integrated = false;
    bool dma_buf_supported = false;
    bool gpu_direct_rdma_supported = false;
    bool operator==(const GpuCapability&) const = default;
};

struct GpuCache {
    int cuda_driver_version = 0;  // as cuDriverGetVersion reports, e.g. 13000
    std::string probed_at;        // ISO 8601 UTC
    std::vector<GpuCapability> gpus;
    bool operator==(const GpuCache&) const = default;
};

// One NAME=VALUE line of an NCCL configuration file (fabric/discovery/nccl_conf.hpp).
struct NcclConfLine {
    std::string file;  // as the process sees it, e.g. /etc/nccl.conf
    int line = 0;
    std::string name;
    std::string value;
    bool operator==(const NcclConfLine&) const = default;
};

struct NodeFacts {
    std::string hostname;
    std::string kernel_release;
    std::vector<NetDevice> netdevs;
    std::vector<RdmaDevice> rdma_devices;
    std::vector<Cage> cages;
    NvidiaDriver nvidia;
    std::vector<GpuDevice> gpus;
    std::optional<GpuCache> gpu_cache;
    long long memlock_limit_kib = -1;  // -1: unlimited
    // CmaTotal and CmaFree of /proc/meminfo, KiB; -1 where the kernel does not report them.
    long long cma_total_kib = -1;
    long long cma_free_kib = -1;
    // The NCCL configuration files a job's NCCL reads on this node, in NCCL's order; empty when
    // none exist or discovery was not asked to read them.
    std::vector<NcclConfLine> nccl_conf;
    // Interfaces holding a default route (procfs net/route). routes_known is false where the
    // routes could not be read, e.g. a facts file written before sparkfabric recorded them.
    bool routes_known = false;
    std::vector<std::string> default_route_interfaces;
    std::vector<std::string> notes;    // odd contents met while reading, for `detect`
    bool operator==(const NodeFacts&) const = default;

    const NetDevice* find_netdev(const std::string& name) const;
    const RdmaDevice* find_rdma_device(const std::string& name) const;
};

}  // namespace sparkfabric
