#include "fabric/checks/checks.hpp"

#include <algorithm>
#include <map>

#include "fabric/checks/host_nccl.hpp"
#include "fabric/common/validate.hpp"
#include "fabric/netplan/fix_text.hpp"
#include "fabric/topology/ipv4.hpp"

namespace sparkfabric {
namespace {

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
                               "` on every node; for good, " + netplan_mtu_change(name, config.expected_mtu)});
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
                    if (subnet_of(a) == subnet_of(b)) {
                        // NVIDIA's switch and ring layouts do this; RDMA is fine, only the kernel's
                        // TCP routing sends both twins' socket traffic out of one of them.
                        out.push_back({Severity::info, "twins-same-subnet", twins[i]->name,
                                       "shares subnet " + subnet_of(a) + " with its twin " + twins[0]->name +
                                           " (NVIDIA's switch and ring layouts do this): RDMA uses both, but the "
                                           "kernel sends TCP for that subnet out of one of them",
                                       ""});
                    }
                }
            }
        }
    }
}

// What a link negotiated, where the kernel says: each ConnectX-7 function of a Spark reports
// 200000 Mb/s and sits on a PCIe Gen5 x4 link; less is half bandwidth or worse.
void check_link_quality(const NodeFacts& facts, const Plan& plan, std::vector<Finding>& out) {
    constexpr int kSparkLinkMbps = 200000;
    constexpr int kSparkPcieLanes = 4;
    for (const auto& name : plan.interfaces) {
        const auto* device = facts.find_netdev(name);
        if (device == nullptr || device->vendor != "0x15b3") continue;  // veths and unknown NICs say nothing useful
        if (device->speed_mbps > 0 && device->speed_mbps < kSparkLinkMbps) {
            out.push_back({Severity::warning, "link-speed-low", name,
                           "link negotiated " + std::to_string(device->speed_mbps) + " Mb/s, below the ConnectX-7's " +
                               std::to_string(kSparkLinkMbps) + " (100G autonegotiation halves the bandwidth)",
                           "use a 200G QSFP112 cable and switch port, then `ethtool -s " + name +
                               " speed 200000 autoneg off` on both ends (and make it permanent)"});
        }
        if (device->pcie_link_width > 0 && device->pcie_link_width < kSparkPcieLanes) {
            out.push_back({Severity::warning, "pcie-link-narrow", name,
                           "PCIe link is x" + std::to_string(device->pcie_link_width) + ", not x" +
                               std::to_string(kSparkPcieLanes) + ": this function moves a fraction of its 100 Gb/s",
                           "update the DGX Spark firmware (early BIOS versions trained Gen5 x2), then check "
                           "`lspci -vv -s " + (device->pci_address.empty() ? std::string("<pci address>") : device->pci_address) +
                               " | grep LnkSta`"});
        }
    }
}

// CMA memory the kernel does not count. Kexec HandOver (KHO), on by default in Ubuntu's 7.0
// kernels for NVIDIA (7.0.0-1019-nvidia on DGX OS), releases its scratch area to the page
// allocator as CMA pageblocks that CmaTotal leaves out: /proc/meminfo shows "CmaTotal: 0 kB"
// with GiB in CmaFree. ibv_reg_mr pins pages long-term and cannot migrate them out of CMA, so
// NCCL's registrations fail with ENOMEM ("Call to ibv_reg_mr_iova2 failed with error Cannot
// allocate memory"); `kho=off` cures it (MiaAI-Lab/DeepSeek-v4-Flash-DSpark-2x-DGX-Spark#259,
// NVIDIA/NV-Kernels#591). CmaTotal 0 with CmaFree 0 is a kernel without CMA (kho=off, or
// NVIDIA's CONFIG_CMA_SIZE_MBYTES=0, NV-Kernels#403): healthy, and not reported.
void check_cma(const NodeFacts& facts, const Plan& plan, std::vector<Finding>& out) {
    if (plan.hcas.empty() || facts.cma_total_kib < 0 || facts.cma_free_kib <= facts.cma_total_kib) return;
    out.push_back({Severity::warning, "cma-unaccounted", "/proc/meminfo",
                   "CmaTotal " + std::to_string(facts.cma_total_kib) + " kB but CmaFree " +
                       std::to_string(facts.cma_free_kib) + " kB" +
                       (facts.kernel_release.empty() ? std::string() : " (kernel " + printable(facts.kernel_release) + ")") +
                       ": memory handed to the page allocator as CMA that the kernel does not count (Kexec HandOver's "
                       "scratch area); RDMA registration cannot pin it, and NCCL fails at init with ENOMEM from ibv_reg_mr",
                   "add kho=off to the kernel command line (GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, then "
                   "`update-grub` and reboot), or boot the previous 6.17 kernel"});
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
    check_cma(facts, plan, out);
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
    check_link_quality(facts, plan, findings);
    check_host(facts, plan, findings);
    const auto conf = check_host_nccl_conf(facts.nccl_conf, plan);
    findings.insert(findings.end(), conf.begin(), conf.end());
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
