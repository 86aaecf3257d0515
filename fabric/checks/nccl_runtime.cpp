#include "fabric/checks/nccl_runtime.hpp"

#include <algorithm>
#include <sstream>

#include "fabric/common/validate.hpp"

namespace sparkfabric {
namespace {

std::vector<long> numbers(const std::string& version) {
    std::vector<long> parts;
    std::stringstream stream(version);
    std::string part;
    while (std::getline(stream, part, '.')) {
        if (part.empty() || part.size() > 6 || !std::all_of(part.begin(), part.end(), ::isdigit)) return {};
        parts.push_back(std::stol(part));
    }
    return parts;
}

bool plannable(const std::string& name) {
    const auto& names = plannable_variable_names();
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::string at(const NcclConfLine& line) { return line.file + ":" + std::to_string(line.line); }

void check_net_plugin(const NcclRuntime& runtime, const Plan& plan, const EnvLookup& environment,
                      std::vector<Finding>& findings) {
    if (runtime.software.nccl_net_plugins.empty() || plan.hcas.empty()) return;
    const std::string plugin = runtime.software.nccl_net_plugins.front();
    if (environment("NCCL_NET_PLUGIN").value_or("") == "none") {
        findings.push_back({Severity::info, "nccl-net-plugin-bypassed", plugin,
                            runtime.where + " bundles an NCCL net plugin; NCCL_NET_PLUGIN=none keeps NCCL on its own transport", ""});
        return;
    }
    findings.push_back({Severity::warning, "nccl-net-plugin-bundled", plugin,
                        runtime.where + " bundles an NCCL net plugin (HPC-X's in NGC images): NCCL loads it, and its "
                                        "transport replaces the IB transport the plan's NCCL_IB_* settings are for",
                        "export NCCL_NET_PLUGIN=none in the job, or add it to the site's nccl.extra_env"});
}

void check_library(const NcclRuntime& runtime, const Plan& plan, const EnvLookup& environment,
                   std::vector<Finding>& findings) {
    if (runtime.software.nccl.empty()) {
        findings.push_back({Severity::info, "nccl-not-found", runtime.where,
                            "no libnccl.so.2 where the dynamic loader or python3 looks", ""});
        return;
    }
    const NcclLibrary& library = runtime.software.nccl.front();
    const auto judged = check_nccl_version(library, runtime.machine, plan, runtime.where);
    findings.insert(findings.end(), judged.begin(), judged.end());
    if (judged.empty()) {
        findings.push_back({Severity::info, "nccl-library", library.path,
                            "the task loads NCCL " + library.version + " from " + runtime.where, ""});
    }
    // NGC images export the NCCL_VERSION they were built with; a library swapped in later
    // leaves it behind, and tools that read it report the wrong NCCL.
    const auto label = environment("NCCL_VERSION");
    if (label && !label->empty() && library.version != "unknown" && compare_versions(*label, library.version) != 0) {
        findings.push_back({Severity::info, "nccl-version-label-stale", "NCCL_VERSION",
                            "NCCL_VERSION=" + *label + " but the library the task loads is " + library.version, ""});
    }
}

void check_interfaces(const NcclRuntime& runtime, std::vector<Finding>& findings) {
    for (const auto& name : runtime.missing_interfaces) {
        findings.push_back({Severity::warning, "container-fabric-not-visible", name,
                            "the plan's interface is not visible in " + runtime.where +
                                "'s network namespace: NCCL and gloo cannot reach the fabric",
                            "run the container in the node's network namespace (no --container-unshare=net; "
                            "docker/podman --network host)"});
    }
}

}  // namespace

bool forces_gpudirect(const NcclConfLine& line) {
    if (line.value.empty() || line.value == "0") return false;
    if (line.name == "NCCL_NET_GDR_LEVEL") return line.value != "LOC";
    return line.name == "NCCL_DMABUF_ENABLE" || line.name == "NCCL_GDRCOPY_ENABLE";
}

std::vector<Finding> check_nccl_conf(const std::vector<NcclConfLine>& conf, const std::string& where, const Plan& plan,
                                     const EnvLookup& environment) {
    std::vector<Finding> findings;
    const std::string in_where = where.empty() ? std::string() : " in " + where;
    for (const auto& line : conf) {
        if (environment(line.name)) continue;  // the environment wins: NCCL ignores the line
        const std::string setting = printable(line.name) + "=" + printable(line.value);
        if (line.name == "NCCL_IB_USE_INLINE" && line.value != "0") {
            findings.push_back({Severity::warning, "nccl-conf-known-hang", at(line),
                                "sets " + setting + ", which owners of Spark clusters report froze SGLang's first collective",
                                "remove the line from " + line.file + in_where +
                                    ", or export NCCL_IB_USE_INLINE=0 in the job (the environment wins over the file)"});
        } else if (plan.mode != NcclMode::dmabuf && forces_gpudirect(line)) {
            // GB10 has no GPUDirect RDMA (NVIDIA developer forum thread 348787); forcing it made
            // init_process_group hang with no error (domain notes, "GPUDirect on GB10").
            findings.push_back({Severity::warning, "nccl-conf-gpudirect", at(line),
                                "sets " + setting + ", which turns GPUDirect RDMA on where the plan stages through host "
                                "memory (mode " + std::string(to_string(plan.mode)) + "): GB10 has no GPUDirect RDMA, "
                                "and forcing it can hang NCCL's init with no message",
                                "remove the line from " + line.file + in_where});
        } else if (plannable(line.name)) {
            findings.push_back({Severity::warning, "nccl-conf-overrides-plan", at(line),
                                "sets " + setting + ", which NCCL applies because the plan leaves " + line.name +
                                    " unset on this cluster",
                                "remove the line from " + line.file + in_where});
        }
    }
    return findings;
}

std::vector<Finding> check_nccl_version(const NcclLibrary& library, const std::string& machine, const Plan& plan,
                                        const std::string& where) {
    std::vector<Finding> findings;
    for (const auto& rule : nccl_version_rules()) {
        if (rule.aarch64_only && machine != "aarch64") continue;
        if (rule.rings_only && plan.topology != Topology::ring) continue;
        if (compare_versions(library.version, rule.below).value_or(0) >= 0) continue;
        std::string fix = "use NCCL " + rule.below + " or newer (an image or a pip nvidia-nccl wheel with it)";
        if (library.source == "pip") {
            fix = "upgrade the wheel in that Python environment: `pip install --upgrade 'nvidia-nccl-cu13>=" + rule.below +
                  "'` (nvidia-nccl-cu12 for CUDA 12 builds of torch)";
        } else if (library.source == "LD_PRELOAD" || library.source == "LD_LIBRARY_PATH") {
            fix = "point " + library.source + " at NCCL " + rule.below + " or newer, or drop this library from it";
        } else if (library.source == "system") {
            fix = "install NCCL " + rule.below + " or newer (the libnccl2 package from NVIDIA's CUDA repository)";
        }
        findings.push_back({Severity::warning, rule.code, library.path,
                            "NCCL " + library.version + " in " + where +
                                (library.source.empty() ? std::string() : " (" + library.source + ")") + ": " + rule.what +
                                " (" + rule.source + ")",
                            fix});
    }
    return findings;
}

const std::vector<NcclVersionRule>& nccl_version_rules() {
    static const std::vector<NcclVersionRule> rules{
        {"nccl-version-hang", "2.29.3", true, false,
         "aarch64 builds before 2.29.3 can hang in the network proxy (a proxy-slot leak; the pip 2.28.9 wheel is affected)",
         "NCCL 2.29.3 release notes; vllm-project/vllm#42354"},
        {"nccl-version-ring", "2.30.7", false, true,
         "NCCL_IB_SUBNET_AWARE_ROUTING and NCCL_IB_SUBNET_PREFIX_LEN first ship in 2.30.7: older NCCL ignores them on a ring",
         "NVIDIA/nccl src/transport/net_ib/connect.cc; NVIDIA's NCCL playbook"},
    };
    return rules;
}

std::optional<int> compare_versions(const std::string& a, const std::string& b) {
    auto left = numbers(a);
    auto right = numbers(b);
    if (left.empty() || right.empty()) return std::nullopt;
    const size_t size = std::max(left.size(), right.size());
    left.resize(size, 0);
    right.resize(size, 0);
    if (left == right) return 0;
    return left < right ? -1 : 1;
}

std::vector<Finding> check_nccl_runtime(const NcclRuntime& runtime, const Plan& plan, const EnvLookup& environment) {
    std::vector<Finding> findings;
    if (!plan.fabric_found) return findings;
    const auto conf = check_nccl_conf(runtime.conf, runtime.where, plan, environment);
    findings.insert(findings.end(), conf.begin(), conf.end());
    check_net_plugin(runtime, plan, environment, findings);
    check_library(runtime, plan, environment, findings);
    check_interfaces(runtime, findings);
    return findings;
}

}  // namespace sparkfabric
