// `spark-fabric check`: preflight findings with severity and fix; exit 0 ok, 1 warnings, 2 errors.
#include <iostream>

#include <nlohmann/json.hpp>

#include "fabric/checks/checks.hpp"
#include "fabric/checks/host_nccl.hpp"
#include "fabric/discovery/software.hpp"
#include "fabric/common/validate.hpp"
#include "tools/spark-fabric/command_flags.hpp"
#include "tools/spark-fabric/job_view.hpp"

namespace sparkfabric::cli {

int run_check(const Globals& globals, const std::vector<std::string>& args) {
    const auto flags = parse_command_flags(
        args, {{"--peer"}, {"--peer-port"}, {"--timeout-ms"}, {"--format"}, {"--nodes"}}, "check");
    const std::string format = flags.count("--format") != 0 ? flags.at("--format") : "text";
    if (format != "text" && format != "json") throw UsageError{"check: --format must be text or json"};
    int port = 22;
    if (flags.count("--peer-port") != 0 && !parse_port(flags.at("--peer-port"), port)) {
        throw UsageError{"check: --peer-port must be a port from 1 to 65535"};
    }
    int timeout_ms = 3000;
    if (flags.count("--timeout-ms") != 0) {
        int value = 0;
        if (!parse_bounded_number(flags.at("--timeout-ms"), 1, 60000, value)) {
            throw UsageError{"check: --timeout-ms must be from 1 to 60000"};
        }
        timeout_ms = value;
    }
    JobShape job;
    if (flags.count("--nodes") != 0) {
        int nodes = 0;
        if (!parse_bounded_number(flags.at("--nodes"), 1, 65535, nodes)) throw UsageError{"check: --nodes must be from 1 to 65535"};
        job.nodes = nodes;
    }
    // The plan a job here gets, config and GPU cache read as the plugin reads them.
    const JobView view = plan_as_a_job_gets_it(globals, job, process_environment());
    const LoadedNode& node = view.node;
    const Plan& plan = view.plan;
    std::vector<Finding> findings = run_checks(node.facts, node.config, plan);
    if (globals.facts_path.empty() && !files_root(globals).empty()) {
        // The NCCL a job here loads, as this shell's environment would load it: names and
        // metadata only, no library read (a saved facts file has none of this machine's).
        SoftwareQuery query = software_query(process_environment(), files_root(globals));
        query.read_libraries = false;
        const auto libraries = check_host_nccl_libraries(discover_software(query), plan);
        findings.insert(findings.end(), libraries.begin(), libraries.end());
    }
    if (const auto peer = flags.find("--peer"); peer != flags.end()) {
        if (!is_valid_host_name(peer->second)) throw UsageError{"check: --peer must be a host name or IPv4 address"};
        if (plan.fabric_address.empty()) {
            findings.push_back({Severity::error, "peer-unchecked", peer->second,
                                "no fabric address on this node to probe from", "fix the findings above first"});
        } else {
            findings.push_back(probe_peer(plan.fabric_address, peer->second, port, timeout_ms));
        }
    }
    if (format == "json") {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& finding : findings) {
            list.push_back({{"severity", to_string(finding.severity)}, {"code", finding.code},
                            {"subject", finding.subject}, {"message", finding.message}, {"fix", finding.fix}});
        }
        std::cout << nlohmann::json{{"node", node.facts.hostname}, {"findings", list},
                                    {"status", check_exit_status(findings)}}
                         .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                  << "\n";
    } else {
        for (const auto& finding : findings) std::cout << format_finding(finding, node.facts.hostname) << "\n";
        const int status = check_exit_status(findings);
        std::cout << (status == 0 ? "ok" : status == 1 ? "warnings" : "errors") << ": " << findings.size()
                  << " finding(s)\n";
    }
    return check_exit_status(findings);
}

}  // namespace sparkfabric::cli
