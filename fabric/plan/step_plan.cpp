#include "fabric/plan/step_plan.hpp"

#include <unistd.h>

#include <algorithm>
#include <new>
#include <set>

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
    return lookup_in(request.user_env);
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

// What plan_step has learnt so far, for the answer it gives when something throws half way.
struct Progress {
    CheckLevel level = CheckLevel::warn;
    std::set<std::string> site_names;  // nccl.extra_env names of the site config, any node's
};

// The site config's extra_env names, for a step that reads no config otherwise (--fabric=off):
// the batch step may have injected them. A config that cannot be read names none.
std::set<std::string> site_names_if_readable(const StepRequest& request) {
    if (access(request.config_path.c_str(), F_OK) != 0) return {};
    try {
        return load_site_config_file(request.config_path, local_hostname(), request.require_trusted_config)
            .extra_env_names_any_node;
    } catch (const ConfigError&) {
        return {};
    }
}

StepOutcome plan_step_unguarded(const StepRequest& request, Progress& progress) {
    StepOutcome outcome;
    outcome.node = local_hostname();
    const std::string prefix = "sparkfabric: " + outcome.node + ": ";
    const EnvLookup environment = environment_of(request);
    auto record = read_injected_record(environment, {});

    JobShape job;
    job.nodes = request.nodes > 0 ? request.nodes : 1;
    CheckLevel& level = progress.level;
    bool level_given = false;
    std::string error;
    if (!parse_options(request, job, level, level_given, error)) {
        outcome.failure = prefix + error;
        settle_injection(outcome, environment, record);
        return outcome;
    }
    if (job.fabric.kind == FabricRequest::Kind::off) {  // no discovery, no plan: nothing to learn
        record = read_injected_record(environment, site_names_if_readable(request));
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
    progress.site_names = config.extra_env_names_any_node;
    // Read again now that the site's extra_env names are known: those outside the NCCL_/UCX_/...
    // prefixes count as injected only where the site config names them.
    record = read_injected_record(environment, progress.site_names);
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
    if (request.task_memlock_kib) facts.memlock_limit_kib = *request.task_memlock_kib;
    outcome.plan = plan_with_gpu_cache(facts, config, job, request.require_trusted_config);
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

// After an exception: nothing of this step injected, what an earlier step injected removed as
// in any other step, and one line that says so (the step's failure under strict).
StepOutcome nothing_injected(const StepRequest& request, const Progress& progress, const std::string& what) {
    StepOutcome outcome;
    outcome.check_level = progress.level;
    try {
        outcome.node = local_hostname();
    } catch (...) {
        outcome.node = "this node";
    }
    const std::string text =
        "sparkfabric: " + outcome.node + ": internal error: " + what + "; no fabric settings injected";
    if (progress.level == CheckLevel::strict) {
        outcome.failure = text;
    } else {
        outcome.messages.push_back(text);
    }
    try {
        const EnvLookup environment = environment_of(request);
        settle_injection(outcome, environment, read_injected_record(environment, progress.site_names));
    } catch (...) {
        outcome.to_unset.clear();  // the environment cannot be read: leave it as it is
    }
    return outcome;
}

}  // namespace

StepOutcome plan_step(const StepRequest& request) {
    // No exception may change what a step gets beyond "nothing injected, said so".
    Progress progress;
    try {
        return plan_step_unguarded(request, progress);
    } catch (const std::bad_alloc&) {
        return nothing_injected(request, progress, "out of memory");
    } catch (const std::exception& error) {
        return nothing_injected(request, progress, error.what());
    } catch (...) {
        return nothing_injected(request, progress, "unknown exception");
    }
}

std::vector<std::string> earlier_injection(const EnvLookup& environment) {
    StepOutcome outcome;
    settle_injection(outcome, environment, read_injected_record(environment, {}));
    return outcome.to_unset;
}

Plan plan_with_gpu_cache(NodeFacts& facts, const SiteConfig& config, const JobShape& job, bool require_trusted) {
    // The GPU cache steers the mode, so it is read under the same trust rules as the config.
    std::string cache_error;
    if (!config.gpu_cache_path.empty()) {
        facts.gpu_cache = read_gpu_cache(config.gpu_cache_path, cache_error, require_trusted);
    }
    std::vector<Finding> input_findings;
    if (!cache_error.empty()) {
        input_findings.push_back({Severity::warning, "gpu-cache-unusable", config.gpu_cache_path,
                                  cache_error + "; --nccl-mode=auto picks safe",
                                  "rerun `spark-fabric probe-gpu` as root to rewrite the cache"});
    }
    return make_plan(facts, config, job, input_findings);
}

}  // namespace sparkfabric
