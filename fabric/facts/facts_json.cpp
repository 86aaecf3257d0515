#include "fabric/facts/facts_json.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "fabric/common/validate.hpp"
#include "fabric/discovery/discovery.hpp"
#include "fabric/facts/json_types.hpp"

namespace sparkfabric {
namespace {

constexpr int kFactsFormat = 1;

// A facts file is outside input: the names in it end up in environment variables.
void validate_names(const NodeFacts& facts, const std::string& source) {
    auto bad = [&](const std::string& what, const std::string& value) {
        throw std::runtime_error(source + ": " + what + " '" + printable(value) + "' is not valid");
    };
    for (const auto& device : facts.netdevs) {
        if (!is_valid_interface_name(device.name)) bad("interface name", device.name);
        for (const auto& address : device.ipv4) {
            if (!is_valid_ipv4_cidr(address.address + "/" + std::to_string(address.prefix_length))) {
                bad("address of " + device.name, address.address);
            }
        }
    }
    for (const auto& device : facts.rdma_devices) {
        if (!is_valid_rdma_device_name(device.name)) bad("RDMA device name", device.name);
        for (const auto& netdev : device.netdevs) {
            if (!is_valid_interface_name(netdev)) bad("interface name", netdev);
        }
        for (const auto& port : device.ports) {
            if (port.number < 1 || port.number > 255) bad("port number of " + device.name, std::to_string(port.number));
            for (const auto& gid : port.gids) {
                if (!gid.netdev.empty() && !is_valid_interface_name(gid.netdev)) bad("GID netdev", gid.netdev);
                if (gid.index < 0 || gid.index > 65535) bad("GID index", std::to_string(gid.index));
            }
        }
    }
    for (const auto& name : facts.default_route_interfaces) {
        if (!is_valid_interface_name(name)) bad("default route interface", name);
    }
    if (!facts.hostname.empty() && !is_valid_host_name(facts.hostname)) bad("hostname", facts.hostname);
}

}  // namespace

std::string facts_to_json(const NodeFacts& facts, int indent) {
    nlohmann::json document = {
        {"format", kFactsFormat},
        {"hostname", facts.hostname},
        {"kernel_release", facts.kernel_release},
        {"netdevs", facts.netdevs},
        {"rdma_devices", facts.rdma_devices},
        {"cages", facts.cages},
        {"nvidia", facts.nvidia},
        {"gpus", facts.gpus},
        {"memlock_limit_kib", facts.memlock_limit_kib},
        {"cma_total_kib", facts.cma_total_kib},
        {"cma_free_kib", facts.cma_free_kib},
        {"nccl_conf", facts.nccl_conf},
        {"routes_known", facts.routes_known},
        {"default_route_interfaces", facts.default_route_interfaces},
        {"notes", facts.notes},
    };
    document["gpu_cache"] = facts.gpu_cache ? nlohmann::json(*facts.gpu_cache) : nlohmann::json(nullptr);
    return document.dump(indent);
}

NodeFacts facts_from_json(const std::string& text, const std::string& source_name) {
    NodeFacts facts;
    try {
        const auto document = parse_facts_document(text);
        if (!document.is_object()) throw std::runtime_error("the top level must be an object");
        if (document.value("format", 0) != kFactsFormat) {
            throw std::runtime_error("unknown format (expected \"format\": 1, as `spark-fabric detect --json` writes)");
        }
        facts.hostname = document.value("hostname", std::string());
        facts.kernel_release = document.value("kernel_release", std::string());
        facts.netdevs = document.value("netdevs", std::vector<NetDevice>{});
        facts.rdma_devices = document.value("rdma_devices", std::vector<RdmaDevice>{});
        facts.nvidia = document.value("nvidia", NvidiaDriver{});
        facts.gpus = document.value("gpus", std::vector<GpuDevice>{});
        facts.memlock_limit_kib = document.value("memlock_limit_kib", -1LL);
        facts.cma_total_kib = document.value("cma_total_kib", -1LL);
        facts.cma_free_kib = document.value("cma_free_kib", -1LL);
        facts.nccl_conf = document.value("nccl_conf", std::vector<NcclConfLine>{});
        facts.routes_known = document.value("routes_known", false);
        facts.default_route_interfaces = document.value("default_route_interfaces", std::vector<std::string>{});
        facts.notes = document.value("notes", std::vector<std::string>{});
        if (document.contains("gpu_cache") && !document["gpu_cache"].is_null()) {
            facts.gpu_cache = document["gpu_cache"].get<GpuCache>();
        }
    } catch (const nlohmann::json::exception& error) {
        throw std::runtime_error(source_name + ": not a facts file: " + error.what());
    } catch (const std::runtime_error& error) {
        throw std::runtime_error(source_name + ": " + error.what());
    }
    validate_names(facts, source_name);
    // Cages are derived, never trusted from the file.
    facts.cages = pair_cages(facts);
    return facts;
}

NodeFacts load_facts_file(const std::string& path) {
    std::ifstream file(path);
    if (!file) throw std::runtime_error(path + ": cannot read the facts file");
    std::ostringstream text;
    text << file.rdbuf();
    return facts_from_json(text.str(), path);
}

}  // namespace sparkfabric
