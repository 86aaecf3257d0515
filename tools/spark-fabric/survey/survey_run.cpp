#include "tools/spark-fabric/survey/survey_run.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "fabric/common/config.hpp"
#include "launcher/run/hosts.hpp"
#include "launcher/run/process.hpp"
#include "launcher/run/program_paths.hpp"
#include "launcher/run/remote.hpp"
#include "tools/spark-fabric/survey/survey_image.hpp"

namespace sparkfabric::survey {

using launch::Argv;
using launch::Captured;
using launch::executable_near;
using launch::expand_nodelist;
using launch::load_hostfile;
using launch::run_capture;
using launch::ssh_command;
namespace {

constexpr size_t kMaxSurveyNodes = 100;  // ten times the largest DGX Spark stack

struct Answer {
    std::string node;
    Captured captured;
};

// The argv that runs `agent` on `node`: a one-task step of this allocation, or ssh.
Argv on_node(const SurveyRequest& request, const std::string& node, const Argv& agent) {
    if (!request.hostfile.empty()) {
        Argv ssh{"ssh", "-n", "-o", "BatchMode=yes", "-o", "ConnectTimeout=" + std::to_string(request.timeout_seconds), node,
                 "--"};
        const Argv quoted = ssh_command(node, agent);  // quotes each word for the remote shell
        ssh.push_back(quoted.back());
        return ssh;
    }
    Argv srun{"srun", "--overlap", "--quiet", "--nodes=1", "--ntasks=1", "--nodelist=" + node};
    srun.insert(srun.end(), agent.begin(), agent.end());
    return srun;
}

// Runs one command per node at once; each is bounded by the request's timeout.
std::vector<Answer> on_every_node(const SurveyRequest& request, const std::vector<std::pair<std::string, Argv>>& work) {
    std::vector<Answer> answers(work.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < work.size(); ++i) {
        threads.emplace_back([&, i] {
            answers[i].node = work[i].first;
            answers[i].captured = run_capture(on_node(request, work[i].first, work[i].second), request.timeout_seconds);
        });
    }
    for (auto& thread : threads) thread.join();
    return answers;
}

// The agent prints one JSON document on its last line; anything before it is noise (motd, srun).
std::string last_line(const std::string& text) {
    std::istringstream lines(text);
    std::string line, last;
    while (std::getline(lines, line)) {
        if (!line.empty()) last = line;
    }
    return last;
}

std::string why(const Captured& captured) {
    if (captured.status == 124) return "no answer in time";
    if (captured.status == 127) return "could not start srun or ssh";
    return "exited " + std::to_string(captured.status);
}

// spark-nccl-check over every node (srun --mpi=pmix, one rank per node), judged by the site's
// pass mark for the shape; only after the checks found no error, since a broken fabric hangs it.
BandwidthRun measure_bandwidth(const SurveyRequest& request, const SurveyResult& checks,
                               const std::vector<NodeReport>& reports, const SiteConfig& config) {
    BandwidthRun run;
    run.requested = true;
    const bool ring = std::any_of(reports.begin(), reports.end(),
                                  [](const NodeReport& r) { return r.plan.topology == Topology::ring; });
    run.pass_mark = ring ? config.min_busbw_ring_gbps : config.min_busbw_gbps;
    if (checks.exit_code == 2) {
        run.note = "the checks found errors; fix them first (NCCL would hang or fail on this fabric)";
        return run;
    }
    if (!request.hostfile.empty()) {
        run.note = "with --hostfile, run `spark-launch --hostfile F mpirun -- spark-nccl-check` instead";
        return run;
    }
    const std::string check = executable_near(request.spark_fabric, {"/spark-nccl-check", "/../nccl_check/spark-nccl-check"},
                                              "spark-nccl-check");
    char threshold[32];
    std::snprintf(threshold, sizeof threshold, "%.3f", run.pass_mark);
    const Captured captured = run_capture({"srun", "--overlap", "--quiet", "--mpi=pmix", "--ntasks-per-node=1",
                                           "--nodes=" + std::to_string(reports.size()), check, "--threshold", threshold},
                                          300);
    if (const auto peak = nccl_check_peak(captured.out)) {
        run.measured = true;
        run.peak_all_reduce_busbw = *peak;
        return run;
    }
    run.note = captured.status == 127 || captured.out.find("cannot run") != std::string::npos
                   ? "spark-nccl-check not found (built only where CUDA, NCCL and MPI are)"
                   : "spark-nccl-check gave no result (" + why(captured) + ")";
    return run;
}

}  // namespace

std::string step_timeout_reason(const std::string& step, long first_output_ms, int timeout_seconds) {
    const std::string allowed = std::to_string(timeout_seconds) + " s allowed (--timeout)";
    if (first_output_ms < 0) {
        return "the " + step + " step had not started when the " + allowed + " ran out: Slurm (or ssh) was still "
               "starting it";
    }
    char started[32];
    std::snprintf(started, sizeof started, "%.1f", static_cast<double>(first_output_ms) / 1000.0);
    return "the " + step + " step started only after " + started + " s of the " + allowed +
           " (Slurm or ssh took that long to start it) and did not finish in time";
}

SurveyRun run_survey(const SurveyRequest& request) {
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::string> nodes;
    if (!request.hostfile.empty()) {
        for (const auto& host : load_hostfile(request.hostfile)) nodes.push_back(host.host);
    } else {
        const char* nodelist = std::getenv("SLURM_JOB_NODELIST");
        if (nodelist == nullptr) {
            throw std::runtime_error("survey: not inside a Slurm allocation (no SLURM_JOB_NODELIST) and no --hostfile: run it "
                              "from sbatch or salloc, or list the hosts with --hostfile FILE");
        }
        nodes = expand_nodelist(nodelist);
    }
    if (nodes.size() > kMaxSurveyNodes) throw std::runtime_error("survey: too many nodes");
    if (!request.container_image.empty() && !request.hostfile.empty()) {
        throw std::runtime_error("survey: --container-image starts the image through pyxis in a Slurm allocation; with "
                          "--hostfile there is no Slurm");
    }

    Argv agent{request.spark_fabric};
    if (!request.config_path.empty()) agent.insert(agent.end(), {"--config", request.config_path});
    std::vector<std::pair<std::string, Argv>> work;
    for (const auto& node : nodes) {
        Argv command = agent;
        command.insert(command.end(), {"survey-node", "--nodes", std::to_string(nodes.size())});
        work.emplace_back(node, command);
    }
    std::vector<NodeReport> reports;
    std::map<std::string, std::string> silent;
    for (const auto& answer : on_every_node(request, work)) {
        if (answer.captured.status != 0) {
            silent[answer.node] = why(answer.captured);
            continue;
        }
        try {
            NodeReport report = node_report_from_json(last_line(answer.captured.out), answer.node);
            report.node = answer.node;  // the allocation's name for it, whatever its hostname says
            reports.push_back(std::move(report));
        } catch (const std::exception& error) {
            silent[answer.node] = std::string("unreadable report: ") + error.what();
        }
    }

    // The image's view, beside the peer probes: its step (enroot unpacking the image) is the
    // slowest, and the two do not touch each other.
    std::future<std::map<std::string, ImageView>> images;
    if (!request.container_image.empty()) {
        const ImageSurvey survey{request.container_image, request.container_mounts, request.image_timeout_seconds};
        images = std::async(std::launch::async, probe_images, survey, std::cref(reports));
    }

    work.clear();
    for (const auto& report : reports) {
        Argv command = agent;
        command.insert(command.end(), {"survey-probe", "--timeout-ms", std::to_string(request.probe_timeout_ms),
                                       "--probes", probes_to_json(planned_probes(report, reports))});
        work.emplace_back(report.node, command);
    }
    std::vector<Probe> probes;
    std::map<std::string, std::string> unprobed;
    for (const auto& answer : on_every_node(request, work)) {
        std::vector<Probe> mine;
        try {
            if (answer.captured.status == 0) mine = probes_from_json(last_line(answer.captured.out), answer.node);
        } catch (const std::exception&) {
        }
        if (mine.empty() && answer.captured.status == 124) {
            // Out of time, most often before it could probe: one line, not a FAIL per cable.
            unprobed[answer.node] =
                step_timeout_reason("survey-probe", answer.captured.first_output_ms, request.timeout_seconds);
            continue;
        }
        if (mine.empty() && answer.captured.status != 0) {
            // The node answered the first phase but not this one: every probe it owed fails.
            for (const auto& report : reports) {
                if (report.node != answer.node) continue;
                for (auto probe : planned_probes(report, reports)) {
                    probe.detail = "the probe step " + why(answer.captured);
                    mine.push_back(probe);
                }
            }
        }
        probes.insert(probes.end(), mine.begin(), mine.end());
    }

    if (images.valid()) {
        const auto views = images.get();
        for (auto& report : reports) {
            if (const auto view = views.find(report.node); view != views.end()) report.image = view->second;
        }
    }

    // The site's expectations (MTU) as this machine reads them; the nodes apply their own.
    SiteConfig config;
    const std::string config_path = request.config_path.empty() ? kDefaultConfigPath : request.config_path;
    if (!request.config_path.empty() || access(config_path.c_str(), R_OK) == 0) {
        config = load_site_config_file(config_path, "");
    }
    SurveyRun run;
    run.result = analyze_survey(nodes, reports, probes, config, silent, {}, unprobed);
    if (request.bandwidth) {
        const BandwidthRun bandwidth = measure_bandwidth(request, run.result, reports, config);
        run.result = analyze_survey(nodes, reports, probes, config, silent, bandwidth, unprobed);
    }
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return run;
}

}  // namespace sparkfabric::survey
