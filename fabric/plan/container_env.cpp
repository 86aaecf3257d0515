#include "fabric/plan/container_env.hpp"

#include <algorithm>
#include <sstream>

#include "fabric/plan/injected_record.hpp"

namespace sparkfabric {
namespace {

bool fabric_off(const Plan& plan) {
    const PlannedVariable* status = plan.find("SPARKFABRIC_STATUS");
    return status != nullptr && status->value == "off";
}

std::string shown(const std::optional<std::string>& value) { return value ? "'" + *value + "'" : "unset"; }

Finding replaced(const std::string& name, const std::optional<std::string>& image, const OwnedValue& want) {
    return {Severity::info, "container-env-replaced", name,
            "the container image set " + name + "=" + shown(image) + "; the task gets " + shown(want.value) + " (" +
                want.whose + ")",
            ""};
}

std::vector<PlannedVariable> as_record(const std::vector<std::pair<std::string, std::string>>& values) {
    std::vector<PlannedVariable> record;
    for (const auto& [name, value] : values) record.push_back({name, value, "", false});
    return record;
}

}  // namespace

OwnedValues owned_values(const StepOutcome& outcome, const EnvLookup& before) {
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

EnvironmentRepair repair_container_environment(const OwnedValues& owned, const EnvLookup& now) {
    EnvironmentRepair repair;
    const auto hooked = decode_injected_record(now(kImageEnvName).value_or(""));
    for (const auto& [name, want] : owned) {
        const auto have = now(name);
        if (have == want.value) {
            const auto taken = hooked.find(name);
            if (taken != hooked.end()) repair.findings.push_back(replaced(name, taken->second, want));
            continue;
        }
        if (want.value) {
            repair.to_set.emplace_back(name, *want.value);
        } else {
            repair.to_unset.push_back(name);
        }
        repair.findings.push_back(replaced(name, have, want));
    }
    return repair;
}

EnrootEnvironRewrite rewrite_enroot_environ(const std::string& text, const EnvLookup& job) {
    EnrootEnvironRewrite rewrite;
    const auto status = job("SPARKFABRIC_STATUS");
    if (!status || *status == "off") {
        rewrite.text = text;
        return rewrite;
    }
    const auto record = read_injected_record(job);
    const auto& plannable = plannable_variable_names();
    auto owned = [&](const std::string& name) {
        return record.count(name) != 0 || std::find(plannable.begin(), plannable.end(), name) != plannable.end();
    };
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        const auto equals = line.find('=');
        const std::string name = line.substr(0, equals);
        if (equals != std::string::npos && name == kImageEnvName) continue;  // only this hook says what it dropped
        if (equals != std::string::npos && owned(name)) {
            const std::string value = line.substr(equals + 1);
            if (job(name) != value) {
                rewrite.dropped.emplace_back(name, value);
                continue;
            }
        }
        rewrite.text += line + "\n";
    }
    if (!rewrite.dropped.empty()) {
        rewrite.text += std::string(kImageEnvName) + "=" + encode_injected_record(as_record(rewrite.dropped)) + "\n";
    }
    return rewrite;
}

}  // namespace sparkfabric
