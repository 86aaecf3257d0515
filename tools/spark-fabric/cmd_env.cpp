// `spark-fabric env`: exactly what the plugin would inject into a job on this node.
#include <iostream>

#include "fabric/plan/plan.hpp"
#include "fabric/plan/plan_report.hpp"
#include "tools/spark-fabric/command_flags.hpp"
#include "tools/spark-fabric/job_view.hpp"

namespace sparkfabric::cli {

int run_env(const Globals& globals, const std::vector<std::string>& args) {
    const auto flags = parse_command_flags(
        args, {{"--nodes"}, {"--nccl-mode"}, {"--fabric"}, {"--format"}}, "env");
    JobShape job;
    std::string error;
    auto count = [&](const char* name, int high) {
        const auto found = flags.find(name);
        if (found == flags.end()) return 1;
        try {
            size_t used = 0;
            const int value = std::stoi(found->second, &used);
            if (used == found->second.size() && value >= 1 && value <= high) return value;
        } catch (const std::exception&) {
        }
        throw UsageError{std::string("env: ") + name + " must be a whole number from 1 to " + std::to_string(high)};
    };
    job.nodes = count("--nodes", 100000);
    if (const auto mode = flags.find("--nccl-mode"); mode != flags.end()) {
        const auto parsed = parse_nccl_mode(mode->second, error);
        if (!parsed) throw UsageError{"env: " + error};
        job.nccl_mode = *parsed;
    }
    if (const auto fabric = flags.find("--fabric"); fabric != flags.end()) {
        const auto parsed = parse_fabric_option(fabric->second, error);
        if (!parsed) throw UsageError{"env: " + error};
        job.fabric = *parsed;
    }
    const std::string format = flags.count("--format") != 0 ? flags.at("--format") : "sh";
    if (format != "sh" && format != "json") throw UsageError{"env: --format must be sh or json"};

    // The user's own values are kept by the plugin, so they are kept here too, read by the
    // plugin's rules (job_view.hpp), as are the site config and the GPU cache.
    const JobView view = plan_as_a_job_gets_it(globals, job, process_environment());
    const auto& facts = view.node.facts;
    const Plan& plan = view.plan;
    if (format == "json") {
        std::cout << plan_to_json(plan, facts.hostname);
    } else {
        std::cout << plan_to_shell(plan);
        for (const auto& finding : plan.findings) std::cerr << "# " << format_finding(finding, facts.hostname) << "\n";
    }
    return 0;
}

}  // namespace sparkfabric::cli
