// What `spark-fabric survey` runs on each node: `survey-node` (the node's report) and
// `survey-probe` (its TCP probes of the peers). The survey passes their options; no user types
// them, and --help does not list them.
#include <future>
#include <iostream>

#include "fabric/checks/checks.hpp"
#include "fabric/checks/survey.hpp"
#include "fabric/common/validate.hpp"
#include "fabric/discovery/software.hpp"
#include "tools/spark-fabric/command_flags.hpp"

namespace sparkfabric::cli {

// On one node: its facts, its plan, its own checks, its software and the limits its tasks get.
int run_survey_node(const Globals& globals, const std::vector<std::string>& args) {
    const auto flags = parse_command_flags(args, {{"--nodes"}}, "survey-node");
    const LoadedNode loaded = load_node(globals, false);
    JobShape job;
    job.nodes = bounded_flag(flags, "--nodes", 1, 1, 1000, "survey-node");
    NodeReport report;
    report.node = loaded.facts.hostname;
    report.facts = loaded.facts;
    report.plan = make_plan(loaded.facts, loaded.config, job);
    report.findings = run_checks(loaded.facts, loaded.config, report.plan);
    // What this task's own environment loads: the job's LD_LIBRARY_PATH, LD_PRELOAD, venv.
    report.software = discover_software(software_query(process_environment(), "/"));
    report.task_memlock_kib = loaded.facts.memlock_limit_kib;  // run as a task of the job: what tasks get
    std::cout << node_report_to_json(report) << "\n";
    return 0;
}

// On one node: the TCP connects the survey planned for it, all at once, each bounded.
int run_survey_probe(const Globals&, const std::vector<std::string>& args) {
    const auto flags = parse_command_flags(args, {{"--probes"}, {"--timeout-ms"}, {"--port"}}, "survey-probe");
    const int timeout_ms = bounded_flag(flags, "--timeout-ms", 2000, 1, 60000, "survey-probe");
    const int port = bounded_flag(flags, "--port", 22, 1, 65535, "survey-probe");
    if (flags.count("--probes") == 0) throw UsageError{"survey-probe: --probes JSON is required"};
    std::vector<Probe> probes = probes_from_json(flags.at("--probes"), "--probes");
    // At once, before any probe: the survey tells a step Slurm started late from slow probes.
    std::cout << "# survey-probe started" << std::endl;
    std::vector<std::future<Finding>> answers;
    for (const auto& probe : probes) {
        if (!is_valid_host_name(probe.to_address) || !is_valid_host_name(probe.from_address)) {
            throw UsageError{"survey-probe: a probe address is not an IPv4 address"};
        }
        answers.push_back(std::async(std::launch::async, probe_peer, probe.from_address, probe.to_address, port, timeout_ms));
    }
    for (size_t i = 0; i < probes.size(); ++i) {
        const Finding answer = answers[i].get();
        probes[i].answered = answer.severity == Severity::info;
        probes[i].detail = answer.message;
    }
    std::cout << probes_to_json(probes) << "\n";
    return 0;
}

}  // namespace sparkfabric::cli
