#include "fabric/plan/container_task.hpp"

#include <map>

#include "fabric/checks/checks.hpp"
#include "fabric/checks/nccl_runtime.hpp"

namespace sparkfabric {

ContainerTaskOutcome container_task(const ContainerTaskRequest& request, const EnvLookup& environment) {
    ContainerTaskOutcome outcome;
    if (request.owned.empty()) return outcome;  // nothing injected: nothing to restore or judge
    EnvironmentRepair repair = repair_container_environment(request.owned, environment);
    outcome.to_set = repair.to_set;
    outcome.to_unset = repair.to_unset;
    std::vector<Finding> findings = repair.findings;
    if (request.check_level != CheckLevel::off) {
        // Judged with the environment the task will have, repaired values included.
        std::map<std::string, std::optional<std::string>> repaired;
        for (const auto& [name, value] : repair.to_set) repaired[name] = value;
        for (const auto& name : repair.to_unset) repaired[name] = std::nullopt;
        const EnvLookup task_env = [&](const std::string& name) -> std::optional<std::string> {
            const auto found = repaired.find(name);
            return found != repaired.end() ? found->second : environment(name);
        };
        std::vector<std::string> interfaces = request.plan.interfaces;
        if (!request.plan.bootstrap_interface.empty()) interfaces.push_back(request.plan.bootstrap_interface);
        const NcclRuntime runtime = discover_nccl_runtime("the container", task_env, interfaces, request.root);
        const auto checks = check_nccl_runtime(runtime, request.plan, task_env);
        findings.insert(findings.end(), checks.begin(), checks.end());
    }
    std::vector<std::string> problems;
    for (const auto& finding : findings) {
        // A replaced value is fixed here, yet the user must learn what the image tried.
        const bool shown = request.explain || finding.severity != Severity::info || finding.code == "container-env-replaced";
        if (shown) outcome.messages.push_back("sparkfabric: " + format_finding(finding, request.node));
        if (finding.severity != Severity::info) problems.push_back("sparkfabric: " + format_finding(finding, request.node));
    }
    if (request.check_level == CheckLevel::strict && strict_fails(findings)) {
        outcome.failure = "sparkfabric: " + request.node +
                          ": --fabric-check=strict: the container image is not fit for this fabric, the job does not start:";
        for (const auto& line : problems) outcome.failure += "\n" + line;
    }
    return outcome;
}

}  // namespace sparkfabric
