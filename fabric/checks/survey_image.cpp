#include "fabric/checks/survey_image.hpp"

#include <algorithm>

#include "fabric/checks/nccl_runtime.hpp"
#include "fabric/common/join.hpp"
#include "fabric/discovery/image_probe.hpp"
#include "fabric/discovery/image_root.hpp"
#include "fabric/plan/container_env.hpp"

namespace sparkfabric {
namespace {

bool plannable(const std::string& name) {
    const auto& names = plannable_variable_names();
    return std::find(names.begin(), names.end(), name) != names.end();
}

// What the plugin gives a task in a container (plan/container_env.hpp owned_values, for a job
// that sets none of these itself): the plan's values, and nothing for the other plannable names.
OwnedValues owned_by_plan(const Plan& plan) {
    OwnedValues owned;
    for (const auto& variable : plan.variables) owned[variable.name] = {variable.value, "sparkfabric's plan"};
    for (const auto& name : plannable_variable_names()) owned.emplace(name, OwnedValue{std::nullopt, "the plan leaves it unset"});
    return owned;
}

EnvLookup task_environment(const ImageView& view, const OwnedValues& owned) {
    return [&view, &owned](const std::string& name) -> std::optional<std::string> {
        if (const auto found = owned.find(name); found != owned.end()) return found->second.value;
        if (const auto found = view.environment.find(name); found != view.environment.end()) return found->second;
        return std::nullopt;
    };
}

std::string shown(const std::optional<std::string>& value) { return value ? "'" + *value + "'" : "unset"; }

}  // namespace

ImageView image_view_from_probe(const std::string& image, const std::string& output, const Plan& plan) {
    const ImageProbe probe = parse_image_probe(output);
    ImageView view;
    view.image = image;
    view.environment = probe.environment;
    const auto etc_environment = probe.files.find("/etc/environment");
    if (etc_environment != probe.files.end()) {
        for (const auto& [name, value] : parse_etc_environment(etc_environment->second)) {
            if (name.rfind("NCCL_", 0) == 0 || plannable(name) || plan.find(name) != nullptr) {
                view.image_environment[name] = value;
            }
        }
    }
    const OwnedValues owned = owned_by_plan(plan);
    std::vector<std::string> interfaces = plan.interfaces;
    if (!plan.bootstrap_interface.empty() &&
        std::find(interfaces.begin(), interfaces.end(), plan.bootstrap_interface) == interfaces.end()) {
        interfaces.push_back(plan.bootstrap_interface);
    }
    view.runtime = image_nccl_runtime(probe, "the image " + image, task_environment(view, owned), interfaces);
    return view;
}

std::vector<Finding> judge_image(const ImageView& view, const Plan& plan) {
    if (!view.error.empty() || !plan.fabric_found) return {};
    const OwnedValues owned = owned_by_plan(plan);
    std::vector<Finding> findings = check_nccl_runtime(view.runtime, plan, task_environment(view, owned));
    for (const auto& [name, value] : view.image_environment) {
        const auto want = owned.find(name);
        if (want == owned.end() || want->second.value == value) continue;
        findings.push_back({Severity::info, "container-env-replaced", name,
                            "the image sets " + name + "=" + value + "; in a job the sparkfabric plugin replaces it: " +
                                "the task gets " + shown(want->second.value) + " (" + want->second.whose + ")",
                            ""});
    }
    return findings;
}

std::string image_column(const std::string& code) {
    if (code.rfind("nccl-conf-", 0) == 0) return "image-conf";
    if (code.rfind("nccl-", 0) == 0) return "image-nccl";
    return "image";
}

std::vector<std::pair<std::string, std::string>> image_rows(const ImageView& view) {
    const auto& software = view.runtime.software;
    std::vector<std::string> libraries, conf, environment;
    for (const auto& library : software.nccl) libraries.push_back(library.version + " at " + library.path);
    for (const auto& line : view.runtime.conf) {
        conf.push_back(line.file + ":" + std::to_string(line.line) + " " + line.name + "=" + line.value);
    }
    for (const auto& [name, value] : view.image_environment) environment.push_back(name + "=" + value);
    auto or_none = [](const std::string& text, const char* none) { return text.empty() ? std::string(none) : text; };
    return {{"NCCL", or_none(join(libraries, "; then "), "none found")},
            {"torch", or_none(software.torch_version, "none found")},
            {"nccl.conf", or_none(join(conf, ", "), "no lines")},
            {"net plugins", or_none(join(software.nccl_net_plugins, ", "), "none")},
            {"environment", or_none(join(environment, " "), "sets no NCCL_ or planned name")},
            {"machine", or_none(view.runtime.machine, "unknown")}};
}

}  // namespace sparkfabric
