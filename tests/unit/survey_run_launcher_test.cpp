// The survey's runner when a step is started late: with a short --timeout on a slow Slurm the
// probe step did not answer in time, and every cable was blamed (a FAIL "no TCP path" per
// probe). A step that timed out is one line saying what timed out and when it started.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "fabric/checks/checks.hpp"
#include "launcher/run/process.hpp"
#include "test_support.hpp"
#include "tools/spark-fabric/survey/survey_run.hpp"

namespace sparkfabric::survey {
namespace {

using launch::Captured;
using launch::run_capture;

namespace fs = std::filesystem;

TEST(StepTimeout, SaysWhenTheStepStarted) {
    EXPECT_EQ(step_timeout_reason("survey-probe", -1, 5),
              "the survey-probe step had not started when the 5 s allowed (--timeout) ran out: Slurm (or ssh) was "
              "still starting it");
    EXPECT_EQ(step_timeout_reason("survey-probe", 6240, 10),
              "the survey-probe step started only after 6.2 s of the 10 s allowed (--timeout) (Slurm or ssh took that "
              "long to start it) and did not finish in time");
}

TEST(StepTimeout, CaptureRecordsTheFirstOutput) {
    const Captured late = run_capture({"sh", "-c", "sleep 1; echo started; exec sleep 5"}, 2);
    EXPECT_EQ(late.status, 124);
    EXPECT_GE(late.first_output_ms, 900);
    EXPECT_LT(late.first_output_ms, 2000);
    EXPECT_EQ(run_capture({"sh", "-c", "exec sleep 5"}, 1).first_output_ms, -1);
}

// Two hosts over a stand-in ssh that runs the command here; a stand-in agent that reports a
// cabled pair (fixture cage1) and, as survey-probe, starts only after 1.5 s and then hangs.
TEST(StepTimeout, AProbeStepStartedLateIsOneLineNotAFailPerCable) {
    const fs::path dir = fs::path(::testing::TempDir()) / "sf-survey-late";
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (int k = 1; k <= 2; ++k) {
        NodeReport report;
        report.node = "spark-dgx-" + std::to_string(k);
        report.facts = sparkfabric::testing::discover_fixture("cage1");
        for (auto& device : report.facts.netdevs) {
            for (auto& address : device.ipv4) {
                if (address.address.rfind("192.168.20", 0) == 0) address.address.back() = static_cast<char>('0' + k);
            }
        }
        JobShape job;
        job.nodes = 2;
        report.plan = make_plan(report.facts, SiteConfig{}, job);
        report.findings = run_checks(report.facts, SiteConfig{}, report.plan);
        std::ofstream(dir / (report.node + ".json")) << node_report_to_json(report) << "\n";
    }
    std::ofstream(dir / "hosts") << "spark-dgx-1\nspark-dgx-2\n";
    // ssh [options] HOST -- 'COMMAND': the host is the word before "--", the command the last.
    testing::write_executable(dir / "ssh", "#!/bin/sh\nhost=\nprev=\nfor arg; do [ \"$arg\" = -- ] && host=$prev; prev=$arg; "
                                  "done\nSF_NODE=$host exec sh -c \"$prev\"\n");
    testing::write_executable(dir / "agent", "#!/bin/sh\ncase \" $* \" in\n"
                                    "*' survey-node '*) cat \"" + dir.string() + "/$SF_NODE.json\" ;;\n"
                                    "*' survey-probe '*) sleep 1.5; echo '# survey-probe started'; exec sleep 10 >/dev/null 2>&1 ;;\n"
                                    "esac\n");
    const std::string path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "/usr/bin:/bin";
    setenv("PATH", (dir.string() + ":" + path).c_str(), 1);
    SurveyRequest request;
    request.hostfile = (dir / "hosts").string();
    request.spark_fabric = (dir / "agent").string();
    request.config_path = sparkfabric::testing::fixture_file("configs/default.yaml");
    request.timeout_seconds = 3;
    const SurveyRun run = run_survey(request);
    setenv("PATH", path.c_str(), 1);
    const SurveyResult& result = run.result;
    const std::string text = survey_to_text(result, false);
    for (const char* node : {"spark-dgx-1", "spark-dgx-2"}) {
        EXPECT_EQ(result.cells.at(node).at("answer"), Cell::ok) << text;
        EXPECT_EQ(result.cells.at(node).at("reach"), Cell::warn) << text;
    }
    EXPECT_EQ(text.find("no TCP path"), std::string::npos) << text;
    int lines = 0;
    for (const auto& problem : result.problems) {
        if (problem.message.find("the survey-probe step started only after 1.") == std::string::npos) continue;
        ++lines;
        EXPECT_NE(problem.message.find("of the 3 s allowed (--timeout)"), std::string::npos) << problem.message;
        EXPECT_NE(problem.fix.find("--timeout"), std::string::npos);
    }
    EXPECT_EQ(lines, 2) << text;  // one per node
    EXPECT_EQ(result.exit_code, 1) << text;
    fs::remove_all(dir);
}

}  // namespace
}  // namespace sparkfabric::survey
