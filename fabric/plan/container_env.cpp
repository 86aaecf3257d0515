#include "fabric/plan/container_env.hpp"

namespace sparkfabric {
namespace {

bool fabric_off(const Plan& plan) {
    const PlannedVariable* status = plan.find("SPARKFABRIC_STATUS");
    return status != nullptr && status->value == "off";
}

std::string shown(const std::optional<std::string>& value) { return value ? "'" + *value + "'" : "unset"; }

}  // namespace

OwnedValues owned_values(const StepOutcome& outcome, const EnvironmentLookup& before) {
    OwnedValues owned;
    if (!outcome.failure.empty()) return owned;
    for (const auto& variable : outcome.to_set) owned[variable.name] = {variable.value, "sparkfabric's plan"};
    if (fabric_off(outcome.plan)) return owned;
    for (const auto& name : outcome.to_unset) owned.emplace(name, OwnedValue{std::nullopt, "the plan leaves it unset"});
    for (const auto& variable : outcome.plan.variables) {
        if (variable.user_value_kept) owned.emplace(variable.name, OwnedValue{variable.value, "your job's value"});
    }
    // Names the plan may set but left to NCCL this time, and names the user set that the plan
    // does not touch: the job's own state before the image, either way.
    for (const auto& name : plannable_variable_names()) {
        if (owned.count(name) != 0) continue;
        const auto value = before(name);
        owned[name] = value ? OwnedValue{value, "your job's value"} : OwnedValue{std::nullopt, "the plan leaves it unset"};
    }
    return owned;
}

EnvironmentRepair repair_container_environment(const OwnedValues& owned, const EnvironmentLookup& now) {
    EnvironmentRepair repair;
    for (const auto& [name, want] : owned) {
        const auto have = now(name);
        if (have == want.value) continue;
        if (want.value) {
            repair.to_set.emplace_back(name, *want.value);
        } else {
            repair.to_unset.push_back(name);
        }
        repair.findings.push_back(
            {Severity::info, "container-env-replaced", name,
             "the container image set " + name + "=" + shown(have) + "; the task gets " + shown(want.value) + " (" +
                 want.whose + ")",
             ""});
    }
    return repair;
}

}  // namespace sparkfabric
