#include "fabric/step_plan.hpp"

#include <unistd.h>

#include "fabric/checks.hpp"
#include "fabric/plan_report.hpp"

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

}  // namespace

StepOutcome plan_step(const StepRequest& request) {
    StepOutcome outcome;
    outcome.node = local_hostname();
    const std::string prefix = "sparkfabric: " + outcome.node + ": ";

    JobShape job;
    job.nodes = request.nodes > 0 ? request.nodes : 1;
    job.user_env = request.user_env;
    CheckLevel level = CheckLevel::warn;
    bool level_given = false;
    std::string error;
    if (!parse_options(request, job, level, level_given, error)) {
        outcome.failure = prefix + error;
        return outcome;
    }

    SiteConfig config;
    if (request.config_explicit || access(request.config_path.c_str(), F_OK) == 0) {
        try {
            config = load_site_config_file(request.config_path, outcome.node, request.require_trusted_config);
        } catch (const ConfigError& config_error) {
            outcome.failure = prefix + config_error.what() + "; no fabric settings injected";
            return outcome;
        }
    }
    if (!level_given) level = config.check_default;

    DiscoveryOptions discovery;
    discovery.sysfs_root = request.sysfs_root;
    discovery.procfs_root = request.procfs_root;
    discovery.addresses = request.addresses;
    discovery.gpu_cache_path = config.gpu_cache_path;
    const NodeFacts facts = discover_node(discovery);

    outcome.plan = make_plan(facts, config, job);
    for (const auto& variable : outcome.plan.variables) {
        if (!variable.user_value_kept) outcome.to_set.push_back(variable);
    }
    if (request.explain) outcome.messages = explain_lines(outcome.plan, outcome.node);

    if (level == CheckLevel::off || job.fabric.kind == FabricRequest::Kind::off) return outcome;
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
