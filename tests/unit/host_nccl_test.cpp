// Which NCCL a job on the node loads (the system's, LD_LIBRARY_PATH, LD_PRELOAD, the pip wheel
// beside torch in the job's Python environment), judged by the known-bad releases, as `check`
// and the survey do.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "fabric/checks/host_nccl.hpp"
#include "fabric/checks/survey.hpp"
#include "fabric/common/env_lookup.hpp"
#include "test_support.hpp"

namespace sparkfabric {
namespace {

namespace fs = std::filesystem;
using testing::fixture_plan;
using testing::job_on;
using Env = std::map<std::string, std::string>;

// A node's file system: DGX OS's NCCL 2.28.9 as a system package (libnccl.so.2 linking to the
// versioned file), and a venv whose torch pulled the pip nvidia-nccl-cu13 2.28.9 wheel.
class HostTree : public ::testing::Test {
protected:
    void write(const std::string& relative, const std::string& text) { testing::write_file(root_ / relative, text); }
    void system_nccl(const std::string& dir, const std::string& version) { testing::install_nccl(root_ / dir, version); }
    void wheel(const std::string& site, const std::string& version) {
        write(site + "/nvidia/nccl/lib/libnccl.so.2", "NCCL wheel");
        write(site + "/nvidia_nccl_cu13-" + version + ".dist-info/METADATA", "Name: nvidia-nccl-cu13\nVersion: " + version + "\n");
        write(site + "/torch-2.9.0.dist-info/METADATA", "Name: torch\nVersion: 2.9.0\n");
    }
    SoftwareFacts software(const Env& env, const std::string& machine = "aarch64") {
        SoftwareQuery query = software_query(lookup_in(env), root_.string());
        query.read_libraries = false;
        SoftwareFacts found = discover_software(query);
        found.machine = machine;
        return found;
    }
    testing::ScratchDir scratch_{"sf-host-nccl"};
    fs::path root_ = scratch_.path;
};

std::vector<const Finding*> with_code(const std::vector<Finding>& findings, const std::string& code) {
    std::vector<const Finding*> found;
    for (const auto& finding : findings) {
        if (finding.code == code) found.push_back(&finding);
    }
    return found;
}

TEST_F(HostTree, TheVenvWheelBesideTorchIsFoundAndJudged) {
    system_nccl("usr/lib/aarch64-linux-gnu", "2.30.7");
    wheel("home/u/venv/lib/python3.12/site-packages", "2.28.9");
    testing::write_executable(root_ / "home/u/venv/bin/python3", "");
    const Env env{{"PATH", "/home/u/venv/bin:/usr/bin"}, {"HOME", "/home/u"}};
    const SoftwareFacts found = software(env);
    ASSERT_EQ(found.nccl.size(), 2u);
    EXPECT_EQ(found.nccl[0].source, "system");
    EXPECT_EQ(found.nccl[1].source, "pip");
    EXPECT_EQ(found.nccl[1].version, "2.28.9");
    EXPECT_EQ(found.torch_version, "2.9.0");  // the venv's torch
    const auto findings = check_host_nccl_libraries(found, fixture_plan("cage1", job_on(2)));
    const auto hangs = with_code(findings, "nccl-version-hang");
    ASSERT_EQ(hangs.size(), 1u);
    EXPECT_EQ(hangs[0]->severity, Severity::warning);
    EXPECT_EQ(hangs[0]->subject, "/home/u/venv/lib/python3.12/site-packages/nvidia/nccl/lib/libnccl.so.2");
    EXPECT_NE(hangs[0]->message.find("2.29.3"), std::string::npos) << hangs[0]->message;
    EXPECT_NE(hangs[0]->fix.find("pip install --upgrade"), std::string::npos) << hangs[0]->fix;
    // The system's 2.30.7, which programs load, is named as info.
    ASSERT_EQ(with_code(findings, "nccl-library").size(), 1u);
    // On x86_64 the proxy hang does not apply.
    EXPECT_TRUE(
        with_code(check_host_nccl_libraries(software(env, "x86_64"), fixture_plan("cage1", job_on(2))), "nccl-version-hang")
            .empty());
}

TEST_F(HostTree, LdPreloadBeatsEveryOtherLibrary) {
    system_nccl("usr/lib/aarch64-linux-gnu", "2.28.9");
    system_nccl("opt/nccl/lib", "2.31.2");
    const Env env{{"LD_PRELOAD", "/opt/nccl/lib/libnccl.so.2.31.2"}};
    const SoftwareFacts found = software(env);
    ASSERT_FALSE(found.nccl.empty());
    EXPECT_EQ(found.nccl[0].source, "LD_PRELOAD");
    const auto loaded = nccl_libraries_loaded(found);
    ASSERT_EQ(loaded.size(), 1u);
    EXPECT_EQ(loaded[0]->path, "/opt/nccl/lib/libnccl.so.2.31.2");
    EXPECT_TRUE(with_code(check_host_nccl_libraries(found, fixture_plan("cage1", job_on(2))), "nccl-version-hang").empty());
    // Without it, the system's 2.28.9 is what programs load: a warning naming the file.
    const auto bare = check_host_nccl_libraries(software({}), fixture_plan("cage1", job_on(2)));
    const auto hangs = with_code(bare, "nccl-version-hang");
    ASSERT_EQ(hangs.size(), 1u);
    EXPECT_EQ(hangs[0]->subject, "/usr/lib/aarch64-linux-gnu/libnccl.so.2.28.9");
}

TEST_F(HostTree, RingsNeedTwoThirtySevenFromLdLibraryPath) {
    system_nccl("usr/lib/aarch64-linux-gnu", "2.31.2");
    system_nccl("opt/old/lib", "2.29.3");
    const Env env{{"LD_LIBRARY_PATH", "/opt/old/lib"}};
    const auto findings = check_host_nccl_libraries(software(env), fixture_plan("ring3-node1", job_on(3)));
    const auto ring = with_code(findings, "nccl-version-ring");
    ASSERT_EQ(ring.size(), 1u);
    EXPECT_EQ(ring[0]->subject, "/opt/old/lib/libnccl.so.2.29.3");
    EXPECT_NE(ring[0]->fix.find("LD_LIBRARY_PATH"), std::string::npos) << ring[0]->fix;
    // The same library on a pair is fine.
    EXPECT_TRUE(
        with_code(check_host_nccl_libraries(software(env), fixture_plan("cage1", job_on(2))), "nccl-version-ring").empty());
}

// `spark-fabric check` on a ring node whose tree (beside its sysfs, as the CLI replays it) has
// NCCL 2.28.9 in a directory of LD_LIBRARY_PATH: a warning naming the file, exit 1.
TEST_F(HostTree, CheckNamesTheLibraryAJobLoads) {
    fs::create_directory_symlink(testing::fixture_tree("ring4-node1") + "/sys", root_ / "sys");
    fs::create_directory_symlink(testing::fixture_tree("ring4-node1") + "/proc", root_ / "proc");
    system_nccl("opt/nccl-2.28/lib", "2.28.9");
    const auto run = testing::run_program(
        {SPARK_FABRIC_BIN, "--sysfs-root", (root_ / "sys").string(), "--procfs-root", (root_ / "proc").string(),
         "--config", testing::fixture_file("configs/default.yaml"), "--addresses",
         testing::fixture_tree("ring4-node1") + "/addresses.yaml", "check", "--nodes", "4"},
        {{"LD_LIBRARY_PATH", "/opt/nccl-2.28/lib"}});
    EXPECT_NE(run.out.find("/opt/nccl-2.28/lib/libnccl.so.2.28.9: NCCL 2.28.9 in this node (LD_LIBRARY_PATH): "
                           "NCCL_IB_SUBNET_AWARE_ROUTING"),
              std::string::npos)
        << run.out;
    EXPECT_EQ(run.status, 1) << run.out;
}

// The survey judges each node's libraries in its nccl column, even when every node has the same.
TEST(HostNcclSurvey, AnAffectedNcclOnEveryNodeIsAWarning) {
    std::vector<NodeReport> reports;
    for (const char* node : {"spark-dgx-1", "spark-dgx-2"}) {
        NodeReport report;
        report.node = node;
        report.facts = testing::discover_fixture("cage1");
        report.plan = fixture_plan("cage1", job_on(2));
        report.software.machine = "aarch64";
        report.software.nccl = {{"/usr/lib/python3/dist-packages/nvidia/nccl/lib/libnccl.so.2", "2.28.9", "abc", "pip"}};
        reports.push_back(report);
    }
    const SurveyResult result = analyze_survey({"spark-dgx-1", "spark-dgx-2"}, reports, {}, SiteConfig{});
    EXPECT_EQ(result.cells.at("spark-dgx-1").at("nccl"), Cell::warn);
    EXPECT_EQ(result.cells.at("spark-dgx-2").at("nccl"), Cell::warn);
    bool named = false;
    for (const auto& problem : result.problems) {
        named |= problem.subject == "/usr/lib/python3/dist-packages/nvidia/nccl/lib/libnccl.so.2" &&
                 problem.message.find("2.29.3") != std::string::npos;
    }
    EXPECT_TRUE(named);
    // The report carries where each library comes from and the machine through its JSON.
    const NodeReport back = node_report_from_json(node_report_to_json(reports[0]), "test");
    EXPECT_EQ(back.software, reports[0].software);
}

}  // namespace
}  // namespace sparkfabric
