#include "fabric/discovery/discovery.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <regex>
#include <sstream>

#include "fabric/common/validate.hpp"
#include "fabric/discovery/gpu_cache.hpp"
#include "fabric/discovery/nccl_conf.hpp"
#include "fabric/discovery/sysfs_text.hpp"
#include "fabric/facts/gid.hpp"

namespace sparkfabric {
namespace {

constexpr int kMaxGidEntries = 256;  // the ConnectX GID table size
// The kernel puts a new GID in the lowest free slot, so entries sit at the front of the table;
// holes come only from deletions below live entries. A run of this many empty slots past the
// last live one almost always means the rest is empty too, so the scan stops there: about 12
// reads instead of 256 per port (the GID table is most of what a step costs the plugin). Where
// that finds no RoCE v2 IPv4 entry, the one the plan needs, the rest of the table is read too,
// so a long hole costs time, never a wrong answer.
constexpr int kEmptyRunAtTableEnd = 8;
constexpr int kMaxPorts = 8;

struct Reader {
    const DiscoveryOptions& options;
    NodeFacts& facts;

    std::string sys(const std::string& relative) const { return options.sysfs_root + "/" + relative; }
    std::string proc(const std::string& relative) const { return options.procfs_root + "/" + relative; }

    void note(const std::string& text) { facts.notes.push_back(text); }

    // PCI address behind a sysfs "device" link, when it is a PCI function.
    std::string pci_address_of(const std::string& device_link) {
        const auto name = link_target_name(device_link);
        return name && is_valid_pci_address(*name) ? *name : std::string();
    }

    NetDevice read_netdev(const std::string& name, const AddressMap& addresses) {
        NetDevice device;
        device.name = name;
        const std::string base = sys("class/net/" + name);
        if (const auto mtu = read_sysfs_text(base + "/mtu")) {
            if (const auto value = parse_decimal(*mtu); value && *value > 0) {
                device.mtu = *value;
            } else {
                note(name + ": mtu reads '" + printable(*mtu) + "', not a number");
            }
        }
        int carrier_errno = 0;
        if (const auto carrier = read_sysfs_text(base + "/carrier", &carrier_errno)) {
            device.carrier = *carrier == "1";
        } else if (carrier_errno != EINVAL && carrier_errno != ENOENT) {
            // EINVAL is what the kernel says while the interface is administratively down.
            note(name + ": carrier unreadable: " + std::strerror(carrier_errno));
        }
        device.operstate = read_sysfs_text(base + "/operstate").value_or("");
        // speed reads -1 or EINVAL while the link is down; either way: unknown.
        if (const auto speed = read_sysfs_text(base + "/speed")) {
            if (const auto value = parse_decimal(*speed); value && *value > 0) device.speed_mbps = *value;
        }
        if (const auto width = read_sysfs_text(base + "/device/current_link_width")) {
            if (const auto value = parse_decimal(*width); value && *value > 0 && *value <= 32) device.pcie_link_width = *value;
        }
        device.pci_address = pci_address_of(base + "/device");
        if (const auto vendor = read_sysfs_text(base + "/device/vendor")) device.vendor = *vendor;
        if (const auto found = addresses.find(name); found != addresses.end()) device.ipv4 = found->second;
        return device;
    }

    RdmaPort read_port(const std::string& device, const std::string& base, int number) {
        RdmaPort port;
        port.number = number;
        port.state = port_state_name(read_sysfs_text(base + "/state").value_or(""));
        port.link_layer = read_sysfs_text(base + "/link_layer").value_or("");
        const int stopped = scan_gids(device, base, port, 0, kEmptyRunAtTableEnd);
        const bool has_roce_v2_ipv4 = std::any_of(port.gids.begin(), port.gids.end(),
                                                  [](const GidEntry& entry) { return roce_v2_ipv4_of(entry).has_value(); });
        if (!has_roce_v2_ipv4) scan_gids(device, base, port, stopped, kMaxGidEntries);
        return port;
    }

    // Reads GID entries from index `from` into port.gids until `empty_run` empty slots follow
    // the last live one, or the table ends. Returns the index it stopped at.
    int scan_gids(const std::string& device, const std::string& base, RdmaPort& port, int from, int empty_run) {
        int last_live = from - 1;
        int index = from;
        for (; index < kMaxGidEntries && index - last_live <= empty_run; ++index) {
            const std::string entry = std::to_string(index);
            int gid_errno = 0;
            const auto gid = read_sysfs_text(base + "/gids/" + entry, &gid_errno);
            if (!gid) {
                if (gid_errno == ENOENT) return kMaxGidEntries;  // the table ends here
                continue;
            }
            if (is_zero_gid(*gid)) continue;  // empty slot; its attributes would say EINVAL
            last_live = index;
            GidEntry gid_entry;
            gid_entry.index = index;
            gid_entry.gid = *gid;
            gid_entry.type = read_sysfs_text(base + "/gid_attrs/types/" + entry).value_or("");
            gid_entry.netdev = read_sysfs_text(base + "/gid_attrs/ndevs/" + entry).value_or("");
            if (!gid_entry.netdev.empty() && !is_valid_interface_name(gid_entry.netdev)) {
                note(device + " port " + std::to_string(port.number) + " gid " + entry + ": netdev '" +
                     printable(gid_entry.netdev) + "' is not an interface name; ignored");
                gid_entry.netdev.clear();
            }
            port.gids.push_back(gid_entry);
        }
        return index;
    }

    RdmaDevice read_rdma_device(const std::string& name) {
        RdmaDevice device;
        device.name = name;
        const std::string base = sys("class/infiniband/" + name);
        device.pci_address = pci_address_of(base + "/device");
        for (const auto& netdev : list_directory(base + "/device/net")) {
            if (is_valid_interface_name(netdev)) device.netdevs.push_back(netdev);
        }
        for (const auto& entry : list_directory(base + "/ports")) {
            const auto number = parse_decimal(entry);
            if (!number || *number < 1 || *number > kMaxPorts) {
                note(name + ": odd port entry '" + printable(entry) + "' ignored");
                continue;
            }
            device.ports.push_back(read_port(name, base + "/ports/" + entry, *number));
        }
        return device;
    }

    void read_nvidia() {
        if (const auto version = read_sysfs_text(proc("driver/nvidia/version"))) {
            facts.nvidia.present = true;
            facts.nvidia.open_module = version->find("Open Kernel Module") != std::string::npos;
            static const std::regex number("([0-9]+\\.[0-9]+(\\.[0-9]+)?)");
            std::smatch match;
            const std::string first_line = version->substr(0, version->find('\n'));
            if (std::regex_search(first_line, match, number)) facts.nvidia.version = match[1];
        }
        // Either is how NCCL itself decides that peer memory is available.
        facts.nvidia.peermem_loaded = read_sysfs_text(sys("module/nvidia_peermem/version")).has_value() ||
                                      read_sysfs_text(sys("kernel/mm/memory_peers/nv_mem/version")).has_value() ||
                                      !list_directory(sys("module/nvidia_peermem")).empty();
    }

    void read_gpus() {
        for (const auto& address : list_directory(sys("bus/pci/devices"))) {
            const std::string base = sys("bus/pci/devices/" + address);
            const auto vendor = read_sysfs_text(base + "/vendor");
            const auto device_class = read_sysfs_text(base + "/class");
            // NVIDIA (0x10de), display controller class 0x03xxxx (VGA or 3D).
            if (vendor && *vendor == "0x10de" && device_class && device_class->rfind("0x03", 0) == 0) {
                GpuDevice gpu;
                gpu.pci_address = address;
                facts.gpus.push_back(gpu);
            }
        }
    }

    // /proc/net/route: "Iface Destination Gateway Flags ... Mask ..."; a default route has
    // destination and mask 00000000. Read from the step's own network namespace.
    void read_default_routes() {
        const auto table = read_sysfs_text(proc("net/route"));
        if (!table) return;
        facts.routes_known = true;
        std::istringstream lines(*table);
        std::string line;
        std::getline(lines, line);  // the header
        while (std::getline(lines, line)) {
            std::istringstream fields(line);
            std::string name, destination, gateway, flags, refcnt, use, metric, mask;
            if (!(fields >> name >> destination >> gateway >> flags >> refcnt >> use >> metric >> mask)) continue;
            if (destination != "00000000" || mask != "00000000") continue;
            if (!is_valid_interface_name(name)) {
                note("net/route: odd interface '" + printable(name) + "' ignored");
                continue;
            }
            if (std::find(facts.default_route_interfaces.begin(), facts.default_route_interfaces.end(), name) ==
                facts.default_route_interfaces.end()) {
                facts.default_route_interfaces.push_back(name);
            }
        }
    }

    void read_memlock() {
        rlimit limit{};
        if (getrlimit(RLIMIT_MEMLOCK, &limit) == 0) {
            facts.memlock_limit_kib = limit.rlim_cur == RLIM_INFINITY ? -1 : static_cast<long long>(limit.rlim_cur / 1024);
        }
    }
};

}  // namespace

std::string local_hostname() {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) return {};
    return host;
}

NodeFacts discover_node(const DiscoveryOptions& options) {
    NodeFacts facts;
    Reader reader{options, facts};
    facts.hostname = local_hostname();
    facts.kernel_release = read_sysfs_text(reader.proc("sys/kernel/osrelease")).value_or("");

    const AddressMap addresses = options.addresses ? *options.addresses : live_ipv4_addresses();
    for (const auto& name : list_directory(reader.sys("class/net"))) {
        if (!is_valid_interface_name(name)) {
            reader.note("class/net: odd entry '" + printable(name) + "' ignored");
            continue;
        }
        facts.netdevs.push_back(reader.read_netdev(name, addresses));
    }
    for (const auto& name : list_directory(reader.sys("class/infiniband"))) {
        if (!is_valid_rdma_device_name(name)) {
            reader.note("class/infiniband: odd entry '" + printable(name) + "' ignored");
            continue;
        }
        facts.rdma_devices.push_back(reader.read_rdma_device(name));
    }
    facts.cages = pair_cages(facts);
    reader.read_nvidia();
    reader.read_gpus();
    reader.read_default_routes();
    reader.read_memlock();
    const CmaFacts cma = read_cma(options.procfs_root);
    facts.cma_total_kib = cma.total_kib;
    facts.cma_free_kib = cma.free_kib;
    if (!options.nccl_conf_root.empty()) {
        facts.nccl_conf = read_nccl_conf(options.nccl_conf_root, options.nccl_conf_file, options.home);
    }
    if (!options.gpu_cache_path.empty()) {
        std::string error;
        facts.gpu_cache = read_gpu_cache(options.gpu_cache_path, error);
        if (!error.empty()) reader.note(error);
    }
    return facts;
}

}  // namespace sparkfabric
