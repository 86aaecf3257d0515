#include "fabric/plan/step_plan.hpp"

#include <unistd.h>

#include <algorithm>

#include "fabric/checks/checks.hpp"
#include "fabric/discovery/gpu_cache.hpp"
#include "fabric/plan/injected_record.hpp"
#include "fabric/plan/plan_report.hpp"

namespace sparkfabric {
namespace {

// Options were validated by srun/sbatch already; the step checks again, since the remote side
// must never trust what arrives over the wire.
bool parse_options(const StepRequest& request, JobShape& job, CheckLevel& level, bool& level_given, std::string& error) {
    if (!request.fabric_option.empty()) {
        const auto fabric = parse_fabric_option(request.fabric_option, error);
        if (!fabric) return false;
        job.fabric = *fabric;
    }
    if (!request.nccl_mode_option.empty()) {
        const auto mode = parse_nccl_mode(request.nccl_mode_option, error);
        if (!mode) return false;
        job.nccl_mode = *mode;
    }
    if (!request.check_option.empty()) {
        const auto parsed = parse_check_level(request.check_option, error);
        if (!parsed) return false;
        level = *parsed;
        level_given = true;
    }
    return true;
}


EnvLookup environment_of(const StepRequest& request) {
    if (request.environment) return request.environment;
    return [&request](const std::string& name) -> std::optional<std::string> {
        const auto found = request.user_env.find(name);
        if (found == request.user_env.end()) return std::nullopt;
        return found->second;
    };
}

// The user's own values: what the step has, less what an earlier step injected unchanged.
std::map<std::string, std::string> users_values(const EnvLookup& environment, const SiteConfig& config,
                                                const std::map<std::string, std::string>& record) {
    std::vector<std::string> names = plannable_variable_names();
    for (const auto& [name, value] : config.extra_env) names.push_back(name);
    std::map<std::string, std::string> values;
    for (const auto& name : names) {
        const auto value = environment(name);
        if (!value || value->empty()) continue;
        const auto recorded = record.find(name);
        if (recorded != record.end() && recorded->second == *value) continue;  // ours, from an earlier step
        values[name] = *value;
    }
    return values;
}

// What an earlier step injected and this plan does not set goes, unless the user changed it
// since (then it is theirs); the record is replaced by one of what this step injects.
void settle_injection(StepOutcome& outcome, const EnvLookup& environment, const std::map<std::string, std::string>& record) {
    for (const auto& entry : record) {  // not a structured binding: lambdas capture it (clang)
        const std::string& name = entry.first;
        const bool planned = std::any_of(outcome.to_set.begin(), outcome.to_set.end(),
                                         [&](const PlannedVariable& variable) { return variable.name == name; });
        if (!planned && environment(name) == entry.second) outcome.to_unset.push_back(name);
    }
    const std::string text = encode_injected_record(outcome.to_set);
    if (!text.empty()) {
        outcome.to_set.push_back({kInjectedRecordName, text, "what sparkfabric injected in this step", false});
    } else if (environment(kInjectedRecordName)) {
        outcome.to_unset.push_back(kInjectedRecordName);
    }
}

}  // namespace

StepOutcome plan_step(const StepRequest& request) {
    StepOutcome outcome;
    outcome.node = local_hostname();
    const std::string prefix = "sparkfabric: " + outcome.node + ": ";
    const EnvLookup environment = environment_of(request);
    const auto record = read_injected_record(environment);

    JobShape job;
    job.nodes = request.nodes > 0 ? request.nodes : 1;
    CheckLevel level = CheckLevel::warn;
    bool level_given = false;
    std::string error;
    if (!parse_options(request, job, level, level_given, error)) {
        outcome.failure = prefix + error;
        settle_injection(outcome, environment, record);
        return outcome;
    }
    if (job.fabric.kind == FabricRequest::Kind::off) {  // no config, no discovery: nothing to learn
        outcome.plan = make_plan(NodeFacts{}, SiteConfig{}, job);
        outcome.to_set = outcome.plan.variables;
        if (request.explain) outcome.messages = explain_lines(outcome.plan, outcome.node);
        settle_injection(outcome, environment, record);
        return outcome;
    }

    SiteConfig config;
    if (request.config_explicit || access(request.config_path.c_str(), F_OK) == 0) {
        try {
            config = load_site_config_file(request.config_path, outcome.node, request.require_trusted_config);
        } catch (const ConfigError& config_error) {
            outcome.failure = prefix + config_error.what() + "; no fabric settings injected";
            settle_injection(outcome, environment, record);
            return outcome;
        }
    }
    if (!level_given) level = config.check_default;
    outcome.check_level = level;
    job.user_env = users_values(environment, config, record);

    DiscoveryOptions discovery;
    discovery.sysfs_root = request.sysfs_root;
    discovery.procfs_root = request.procfs_root;
    discovery.addresses = request.addresses;
    // As the job's NCCL will: user_init runs as the job's user, with the job's environment.
    discovery.nccl_conf_root = request.nccl_conf_root;
    discovery.nccl_conf_file = environment("NCCL_CONF_FILE").value_or("");
    discovery.home = environment("HOME").value_or("");
    NodeFacts facts = discover_node(discovery);
    // The GPU cache steers the mode, so it is read under the same trust rules as the config.
    std::string cache_error;
    if (!config.gpu_cache_path.empty()) {
        facts.gpu_cache = read_gpu_cache(config.gpu_cache_path, cache_error, request.require_trusted_config);
    }
    if (request.task_memlock_kib) facts.memlock_limit_kib = *request.task_memlock_kib;

    outcome.plan = make_plan(facts, config, job);
    if (!cache_error.empty()) {
        outcome.plan.findings.push_back({Severity::warning, "gpu-cache-unusable", config.gpu_cache_path,
                                         cache_error + "; --nccl-mode=auto picks safe",
                                         "rerun `spark-fabric probe-gpu` as root to rewrite the cache"});
    }
    for (const auto& variable : outcome.plan.variables) {
        if (!variable.user_value_kept) outcome.to_set.push_back(variable);
    }
    settle_injection(outcome, environment, record);
    if (request.explain) outcome.messages = explain_lines(outcome.plan, outcome.node);

    if (level == CheckLevel::off) return outcome;
    const auto findings = run_checks(facts, config, outcome.plan);
    std::vector<std::string> problems;
    for (const auto& finding : findings) {
        if (finding.severity != Severity::info) problems.push_back("sparkfabric: " + format_finding(finding, outcome.node));
    }
    if (level == CheckLevel::strict && strict_fails(findings)) {
        outcome.failure = prefix + "--fabric-check=strict: the fabric is not healthy, the job does not start:";
        for (const auto& line : problems) outcome.failure += "\n" + line;
        return outcome;
    }
    if (!request.explain) {  // explain already listed every finding
        outcome.messages.insert(outcome.messages.end(), problems.begin(), problems.end());
    }
    return outcome;
}

}  // namespace sparkfabric
