// `spark-fabric survey`: every node of the allocation (or a hostfile) checked against its peers;
// `survey-node` and `survey-probe` are what it runs on each node.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <future>
#include <iostream>

#include "fabric/checks/checks.hpp"
#include "fabric/checks/survey.hpp"
#include "fabric/common/validate.hpp"
#include "fabric/discovery/software.hpp"
#include "tools/spark-fabric/command_flags.hpp"
#ifdef SPARKFABRIC_HAVE_SURVEY
#include "launcher/run/program_paths.hpp"
#include "tools/spark-fabric/survey/survey_run.hpp"
#endif

namespace sparkfabric::cli {
namespace {

int bounded_number(const std::map<std::string, std::string>& flags, const std::string& name, int fallback, int low,
                   int high, const std::string& command) {
    const auto found = flags.find(name);
    if (found == flags.end()) return fallback;
    int value = 0;
    if (!parse_port(found->second, value) || value < low || value > high) {
        throw UsageError{command + ": " + name + " must be a whole number from " + std::to_string(low) + " to " +
                         std::to_string(high)};
    }
    return value;
}

#ifdef SPARKFABRIC_HAVE_SURVEY
// --container-image, else pyxis's PYXIS_CONTAINER_IMAGE (as spark-launch takes it). pyxis
// applies PYXIS_CONTAINER_* to every srun step of the allocation, and the survey's own agents
// must run on the hosts (spark-fabric is not in the image): so they are unset here, for the
// steps this survey starts.
void resolve_container_image(const std::map<std::string, std::string>& flags, survey::SurveyRequest& request) {
    const auto flag = [&](const char* name) { return flags.count(name) != 0 ? flags.at(name) : std::string(); };
    request.container_image = flag("--container-image");
    request.container_mounts = flag("--container-mounts");
    if (request.container_image.empty() && request.hostfile.empty()) {
        if (const char* image = std::getenv("PYXIS_CONTAINER_IMAGE")) request.container_image = image;
        if (const char* mounts = std::getenv("PYXIS_CONTAINER_MOUNTS"); mounts != nullptr && request.container_mounts.empty()) {
            request.container_mounts = mounts;
        }
    }
    std::vector<std::string> names;
    for (char** entry = ::environ; *entry != nullptr; ++entry) {
        if (std::strncmp(*entry, "PYXIS_CONTAINER_", 16) != 0) continue;
        if (const char* equals = std::strchr(*entry, '=')) names.emplace_back(*entry, static_cast<size_t>(equals - *entry));
    }
    for (const auto& name : names) unsetenv(name.c_str());
    if (request.container_image.empty() && !request.container_mounts.empty()) {
        throw UsageError{"survey: --container-mounts needs --container-image"};
    }
}
#endif

}  // namespace

// On one node: its facts, its plan, its own checks, its software and the limits its tasks get.
int run_survey_node(const Globals& globals, const std::vector<std::string>& args) {
    const auto flags = parse_command_flags(args, {{"--nodes"}}, "survey-node");
    const LoadedNode loaded = load_node(globals, false);
    JobShape job;
    job.nodes = bounded_number(flags, "--nodes", 1, 1, 1000, "survey-node");
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
    const auto flags = parse_command_flags(args, {{"--probes"}, {"--timeout-ms"}, {"--port"}}, "survey-probe");  // internal
    const int timeout_ms = bounded_number(flags, "--timeout-ms", 2000, 1, 60000, "survey-probe");
    const int port = bounded_number(flags, "--port", 22, 1, 65535, "survey-probe");  // internal
    if (flags.count("--probes") == 0) throw UsageError{"survey-probe: --probes JSON is required"};  // internal
    std::vector<Probe> probes = probes_from_json(flags.at("--probes"), "--probes");  // internal
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

int run_survey(const Globals& globals, const std::vector<std::string>& args) {
    const auto flags = parse_command_flags(
        args,
        {{"--hostfile"}, {"--format"}, {"--timeout"}, {"--probe-timeout-ms"}, {"--color"}, {"--bandwidth", false},
         {"--container-image"}, {"--container-mounts"}},
        "survey");
    const std::string format = flags.count("--format") != 0 ? flags.at("--format") : "text";
    if (format != "text" && format != "json") throw UsageError{"survey: --format must be text or json"};
    const std::string colour = flags.count("--color") != 0 ? flags.at("--color") : "auto";
    if (colour != "auto" && colour != "always" && colour != "never") {
        throw UsageError{"survey: --color must be auto, always or never"};
    }
#ifdef SPARKFABRIC_HAVE_SURVEY
    survey::SurveyRequest request;
    request.hostfile = flags.count("--hostfile") != 0 ? flags.at("--hostfile") : "";
    request.config_path = globals.config_explicit ? globals.config_path : "";
    request.spark_fabric = launch::sibling_spark_fabric();
    request.timeout_seconds = bounded_number(flags, "--timeout", 10, 1, 600, "survey");
    request.probe_timeout_ms = bounded_number(flags, "--probe-timeout-ms", 2000, 1, 60000, "survey");
    request.bandwidth = flags.count("--bandwidth") != 0;
    resolve_container_image(flags, request);
    if (flags.count("--timeout") != 0) request.image_timeout_seconds = request.timeout_seconds;
    const survey::SurveyRun run = survey::run_survey(request);
    if (format == "json") {
        std::cout << survey_to_json(run.result);
    } else {
        const bool paint = colour == "always" || (colour == "auto" && isatty(STDOUT_FILENO) != 0);
        std::cout << survey_to_text(run.result, paint);
        std::cout << "\nsurvey took " << static_cast<int>(run.seconds * 1000) << " ms\n";
    }
    return run.result.exit_code;
#else
    (void)globals;
    throw UsageError{"survey: this spark-fabric was built without Slurm (-DSPARKFABRIC_BUILD_PLUGIN=OFF)"};
#endif
}

}  // namespace sparkfabric::cli
