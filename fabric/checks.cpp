#include "fabric/checks.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <map>

#include "fabric/validate.hpp"

namespace sparkfabric {
namespace {

uint32_t network_of(const Ipv4Address& address) {
    in_addr parsed{};
    if (inet_pton(AF_INET, address.address.c_str(), &parsed) != 1) return 0;
    const int prefix = std::clamp(address.prefix_length, 0, 32);
    const uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
    return ntohl(parsed.s_addr) & mask;
}

bool chosen(const Plan& plan, const std::string& netdev) {
    return std::find(plan.interfaces.begin(), plan.interfaces.end(), netdev) != plan.interfaces.end();
}

void check_mtu(const NodeFacts& facts, const SiteConfig& config, const Plan& plan, std::vector<Finding>& out) {
    for (const auto& name : plan.interfaces) {
        const auto* device = facts.find_netdev(name);
        if (device != nullptr && config.expected_mtu > 0 && device->mtu != config.expected_mtu) {
            out.push_back({Severity::warning, "mtu-mismatch", name,
                           "MTU " + std::to_string(device->mtu) + " differs from the site's " +
                               std::to_string(config.expected_mtu) + " (a smaller MTU costs bandwidth; a mismatch "
                               "with the peer can stall large messages)",
                           "`ip link set dev " + name + " mtu " + std::to_string(config.expected_mtu) +
                               "` on every node, and make it permanent in netplan"});
        }
    }
}

void check_twins(const NodeFacts& facts, const Plan& plan, std::vector<Finding>& out) {
    for (const auto& cage : facts.cages) {
        if (std::none_of(cage.netdevs.begin(), cage.netdevs.end(), [&](const auto& n) { return chosen(plan, n); })) {
            continue;  // an idle cage is nobody's business
        }
        std::vector<const NetDevice*> twins;
        for (const auto& name : cage.netdevs) {
            if (const auto* device = facts.find_netdev(name)) twins.push_back(device);
        }
        for (const auto* twin : twins) {
            if (!chosen(plan, twin->name) && !twin->carrier) {
                out.push_back({Severity::warning, "link-down", twin->name,
                               "fabric link is down while its twin carries the job alone (half bandwidth, no "
                               "redundancy)",
                               "check the cable on this port and the peer, then `ip link set dev " + twin->name +
                                   " up`"});
            }
        }
        for (size_t i = 1; i < twins.size(); ++i) {
            if (twins[i]->mtu != twins[0]->mtu) {
                out.push_back({Severity::warning, "twin-mtu-differs", twins[i]->name,
                               "MTU " + std::to_string(twins[i]->mtu) + " but its twin " + twins[0]->name + " has " +
                                   std::to_string(twins[0]->mtu),
                               "set the same MTU on both twins: `ip link set dev " + twins[i]->name + " mtu " +
                                   std::to_string(twins[0]->mtu) + "`"});
            }
            for (const auto& a : twins[0]->ipv4) {
                for (const auto& b : twins[i]->ipv4) {
                    if (a.prefix_length == b.prefix_length && network_of(a) == network_of(b)) {
                        out.push_back({Severity::warning, "twins-same-subnet", twins[i]->name,
                                       "shares subnet " + a.address + "/" + std::to_string(a.prefix_length) +
                                           " with its twin " + twins[0]->name +
                                           ": the kernel routes both through one twin and RDMA traffic gets confused",
                                       "put each twin on its own subnet (e.g. 192.168.200.N/24 and 192.168.201.N/24)"});
                    }
                }
            }
        }
    }
}

void check_host(const NodeFacts& facts, const Plan& plan, std::vector<Finding>& out) {
    if (!plan.hcas.empty() && facts.memlock_limit_kib >= 0) {
        out.push_back({Severity::warning, "memlock-limited", "memlock",
                       "locked-memory limit is " + std::to_string(facts.memlock_limit_kib) +
                           " KiB; RDMA registration wants unlimited",
                       "set `* - memlock unlimited` in /etc/security/limits.d and LimitMEMLOCK=infinity for slurmd"});
    }
    if (facts.nvidia.present) {
        if (!facts.nvidia.open_module) {
            out.push_back({Severity::warning, "proprietary-driver", "nvidia " + printable(facts.nvidia.version),
                           "the proprietary NVIDIA kernel module is loaded; DGX Spark (GB10) ships and needs the "
                           "open kernel module",
                           "install the nvidia-driver open kernel module package from the DGX OS repositories"});
        } else {
            out.push_back({Severity::info, "driver", "nvidia " + printable(facts.nvidia.version), "open kernel module", ""});
        }
        if (facts.nvidia.peermem_loaded) {
            out.push_back({Severity::info, "peermem-loaded", "nvidia_peermem",
                           "nvidia_peermem is loaded (GPUDirect RDMA through peer memory); GB10 reports no GPUDirect "
                           "RDMA, so the plan still follows the GPU's DMA-BUF answer",
                           ""});
        }
    }
    if (!facts.kernel_release.empty()) {
        out.push_back({Severity::info, "kernel", printable(facts.kernel_release), "kernel release", ""});
    }
    if (!facts.gpu_cache) {
        if (!facts.gpus.empty() || facts.nvidia.present) {
            out.push_back({Severity::info, "no-gpu-cache", "gpu", "no cached GPU capability; --nccl-mode=auto picks safe",
                           "run `spark-fabric probe-gpu` once on this node (as root, to write the site's cache)"});
        }
    } else {
        out.push_back({Severity::info, "gpu-capability", "gpu", "mode " + std::string(to_string(plan.mode)) + ": " +
                                                                    plan.mode_reason, ""});
    }
}

}  // namespace

std::vector<Finding> run_checks(const NodeFacts& facts, const SiteConfig& config, const Plan& plan) {
    std::vector<Finding> findings = plan.findings;
    check_mtu(facts, config, plan, findings);
    check_twins(facts, plan, findings);
    check_host(facts, plan, findings);
    return findings;
}

int check_exit_status(const std::vector<Finding>& findings) {
    switch (worst_severity(findings)) {
        case Severity::error: return 2;
        case Severity::warning: return 1;
        case Severity::info: return 0;
    }
    return 2;
}

bool strict_fails(const std::vector<Finding>& findings) { return worst_severity(findings) != Severity::info; }

}  // namespace sparkfabric
