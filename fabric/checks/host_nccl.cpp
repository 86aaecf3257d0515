#include "fabric/checks/host_nccl.hpp"

#include "fabric/checks/nccl_runtime.hpp"
#include "fabric/common/validate.hpp"

namespace sparkfabric {
namespace {

// "=enp1s0f1np1" and "enp1s0f1np1" name the same interface for NCCL (the "=" asks for exact
// matching): a file line without it is not stale for that alone.
std::string without_exact_prefix(const std::string& value) {
    return !value.empty() && value[0] == '=' ? value.substr(1) : value;
}

}  // namespace

std::vector<Finding> check_host_nccl_conf(const std::vector<NcclConfLine>& conf, const Plan& plan) {
    if (!plan.fabric_found || conf.empty()) return {};
    // The job's environment as far as NCCL's files are concerned: what the plan sets.
    const EnvLookup planned = [&plan](const std::string& name) -> std::optional<std::string> {
        if (const auto* variable = plan.find(name)) return variable->value;
        return std::nullopt;
    };
    std::vector<Finding> findings = check_nccl_conf(conf, "", plan, planned);
    for (const auto& line : conf) {
        const auto* variable = plan.find(line.name);
        if (variable == nullptr || without_exact_prefix(line.value) == without_exact_prefix(variable->value)) continue;
        const bool gpudirect = plan.mode != NcclMode::dmabuf && forces_gpudirect(line);
        findings.push_back(
            {Severity::warning, gpudirect ? "nccl-conf-gpudirect" : "nccl-conf-stale",
             line.file + ":" + std::to_string(line.line),
             "sets " + printable(line.name) + "=" + printable(line.value) + " where jobs here get " + line.name + "=" +
                 variable->value + " (the environment beats the file): every NCCL started without these values (over "
                 "ssh, with --fabric=off, in a container run by hand) takes the file's" +
                 (gpudirect ? std::string(", which turns GPUDirect RDMA on: GB10 has none, and forcing it can hang "
                                          "NCCL's init with no message")
                            : std::string()),
             "remove the line from " + line.file + " (sparkfabric sets " + line.name + " for every job)"});
    }
    return findings;
}

std::vector<const NcclLibrary*> nccl_libraries_loaded(const SoftwareFacts& software) {
    std::vector<const NcclLibrary*> loaded;
    for (const auto& library : software.nccl) {
        if (library.source == "LD_PRELOAD") return {&library};
    }
    bool loader_taken = false;
    for (const auto& library : software.nccl) {
        if (library.source == "pip") {
            loaded.push_back(&library);
        } else if (!loader_taken) {  // LD_LIBRARY_PATH before the system's directories, as ld.so
            loaded.push_back(&library);
            loader_taken = true;
        }
    }
    return loaded;
}

std::vector<Finding> check_host_nccl_libraries(const SoftwareFacts& software, const Plan& plan) {
    std::vector<Finding> findings;
    if (!plan.fabric_found) return findings;
    for (const auto* library : nccl_libraries_loaded(software)) {
        const auto judged = check_nccl_version(*library, software.machine, plan, "this node");
        findings.insert(findings.end(), judged.begin(), judged.end());
        if (judged.empty()) {
            findings.push_back({Severity::info, "nccl-library", library->path,
                                "jobs here load NCCL " + library->version +
                                    (library->source.empty() ? std::string() : " (" + library->source + ")"),
                                ""});
        }
    }
    return findings;
}

}  // namespace sparkfabric
