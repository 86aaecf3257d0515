// The survey's rules across nodes, on node reports built from the fixtures of real layouts: the
// faults that only show between nodes (MTU, subnets, an open ring, a dead node, builds that differ).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "fabric/checks/checks.hpp"
#include "fabric/checks/survey.hpp"
#include "fabric/discovery/nccl_conf.hpp"
#include "test_support.hpp"

namespace sparkfabric {
namespace {

NodeReport report_for(const std::string& node, NodeFacts facts, int nodes, const SiteConfig& config = {}) {
    NodeReport report;
    report.node = node;
    facts.hostname = node;
    report.facts = facts;
    JobShape job;
    job.nodes = nodes;
    report.plan = make_plan(report.facts, config, job);
    report.findings = run_checks(report.facts, config, report.plan);
    report.task_memlock_kib = -1;
    report.software.torch_version = "2.6.0";
    // 2.30.7: a healthy ring needs NCCL_IB_SUBNET_AWARE_ROUTING (host_nccl_test judges older ones).
    report.software.nccl = {{"/usr/lib/aarch64-linux-gnu/libnccl.so.2.30.7", "2.30.7", "00aa11bb22cc33dd", "system"}};
    report.software.machine = "aarch64";
    return report;
}

std::vector<NodeReport> ring4(const SiteConfig& config = {}) {
    std::vector<NodeReport> reports;
    for (int k = 1; k <= 4; ++k) {
        reports.push_back(report_for("spark-dgx-" + std::to_string(k),
                                     testing::discover_fixture("ring4-node" + std::to_string(k)), 4, config));
    }
    return reports;
}

std::vector<NodeReport> switch_of(int nodes) {
    std::vector<NodeReport> reports;
    for (int k = 1; k <= nodes; ++k) {
        NodeFacts facts = testing::discover_fixture("switch-one-subnet");
        for (auto& device : facts.netdevs) {  // every node its own pair of addresses on the /24
            for (auto& address : device.ipv4) {
                if (address.address.rfind("192.168.100.", 0) == 0) {
                    address.address = "192.168.100." + std::to_string(device.name[0] == 'e' && device.name[2] == 'P' ? 100 + k : k);
                }
            }
        }
        reports.push_back(report_for("spark-dgx-" + std::to_string(k), facts, nodes));
    }
    return reports;
}

std::vector<std::string> names(const std::vector<NodeReport>& reports) {
    std::vector<std::string> out;
    for (const auto& report : reports) out.push_back(report.node);
    return out;
}

const SurveyProblem* problem_on(const SurveyResult& result, const std::string& node, const std::string& text) {
    for (const auto& problem : result.problems) {
        if (problem.node == node && (problem.message.find(text) != std::string::npos ||
                                     problem.subject.find(text) != std::string::npos)) {
            return &problem;
        }
    }
    return nullptr;
}

TEST(Survey, HealthyRingAndSwitchPass) {
    for (const auto& reports : {ring4(), switch_of(4), switch_of(8)}) {
        const SurveyResult result = analyze_survey(names(reports), reports, {}, {});
        EXPECT_EQ(result.exit_code, 0) << survey_to_text(result, false);
        for (const auto& node : result.nodes) {
            EXPECT_EQ(result.cells.at(node).at("subnet"), Cell::ok) << node;
            EXPECT_EQ(result.cells.at(node).at("mtu"), Cell::ok) << node;
            EXPECT_EQ(result.cells.at(node).at("nccl"), Cell::ok) << node;
        }
    }
}

TEST(Survey, MtuMismatchFailsTheOddNodeWithItsFix) {
    auto reports = switch_of(4);
    for (auto& device : reports[2].facts.netdevs) {
        if (device.name == "enp1s0f1np1") device.mtu = 1500;
    }
    const SurveyResult result = analyze_survey(names(reports), reports, {}, {});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_EQ(result.cells.at("spark-dgx-3").at("mtu"), Cell::fail);
    EXPECT_EQ(result.cells.at("spark-dgx-1").at("mtu"), Cell::ok);
    const auto* problem = problem_on(result, "spark-dgx-3", "MTU 1500 while its peers use 9000");
    ASSERT_NE(problem, nullptr) << survey_to_text(result, false);
    EXPECT_EQ(problem->subject, "enp1s0f1np1");
    EXPECT_NE(problem->fix.find("mtu 9000"), std::string::npos);
    EXPECT_NE(problem->fix.find("in netplan: `mtu: 9000` under enp1s0f1np1"), std::string::npos) << problem->fix;
}

TEST(Survey, NodeOnAnotherSubnetFails) {
    auto reports = switch_of(4);
    NodeFacts moved = reports[1].facts;
    for (auto& device : moved.netdevs) {
        for (auto& address : device.ipv4) {
            if (address.address.rfind("192.168.100.", 0) == 0) address.address.replace(0, 12, "192.168.77.");
        }
    }
    reports[1] = report_for("spark-dgx-2", moved, 4);
    const SurveyResult result = analyze_survey(names(reports), reports, {}, {});
    EXPECT_EQ(result.cells.at("spark-dgx-2").at("subnet"), Cell::fail) << survey_to_text(result, false);
    EXPECT_EQ(result.cells.at("spark-dgx-1").at("subnet"), Cell::ok);
    const auto* problem = problem_on(result, "spark-dgx-2", "shares no fabric subnet with");
    ASSERT_NE(problem, nullptr);
    // The netplan change: the line that names the node's file and address to change.
    EXPECT_NE(problem->fix.find("`spark-fabric netplan --topology switch --nodes "
                                "spark-dgx-1,spark-dgx-2,spark-dgx-3,spark-dgx-4 --node spark-dgx-2 --check`"),
              std::string::npos) << problem->fix;
}

TEST(Survey, TwoIslandsOnOneSwitchFailEveryNode) {
    auto reports = switch_of(4);
    for (size_t i = 2; i < 4; ++i) {  // nodes 3 and 4 on a subnet of their own
        NodeFacts moved = reports[i].facts;
        for (auto& device : moved.netdevs) {
            for (auto& address : device.ipv4) {
                if (address.address.rfind("192.168.100.", 0) == 0) address.address.replace(0, 12, "192.168.77.");
            }
        }
        reports[i] = report_for(reports[i].node, moved, 4);
    }
    const SurveyResult result = analyze_survey(names(reports), reports, {}, {});
    for (const auto& node : result.nodes) EXPECT_EQ(result.cells.at(node).at("subnet"), Cell::fail) << node;
}

TEST(Survey, RingWithALinkDownIsAnOpenChain) {
    SiteConfig config;
    config.topology = Topology::ring;
    auto reports = ring4(config);
    // Cable 2 (node 2 port 0 to node 3 port 1) unplugged on both ends.
    auto unplug = [&](NodeReport& report, const std::string& prefix) {
        for (auto& device : report.facts.netdevs) {
            if (device.name.find(prefix) != std::string::npos) device.carrier = false;
        }
        report = report_for(report.node, report.facts, 4, config);
    };
    unplug(reports[1], "s0f0np0");
    unplug(reports[2], "s0f1np1");
    const SurveyResult result = analyze_survey(names(reports), reports, {}, config);
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_EQ(result.cells.at("spark-dgx-2").at("subnet"), Cell::fail) << survey_to_text(result, false);
    EXPECT_EQ(result.cells.at("spark-dgx-3").at("subnet"), Cell::fail);
    EXPECT_EQ(result.cells.at("spark-dgx-1").at("subnet"), Cell::ok);
    ASSERT_NE(problem_on(result, "spark-dgx-2", "open chain"), nullptr);
}

TEST(Survey, ANodeThatDoesNotAnswerFailsWithTheReason) {
    const auto reports = switch_of(3);
    auto expected = names(reports);
    expected.push_back("spark-dgx-4");
    const SurveyResult result = analyze_survey(expected, reports, {}, {}, {{"spark-dgx-4", "no answer in time"}});
    EXPECT_EQ(result.cells.at("spark-dgx-4").at("answer"), Cell::fail);
    EXPECT_EQ(result.cells.at("spark-dgx-4").at("mtu"), Cell::none);
    const auto* problem = problem_on(result, "spark-dgx-4", "no answer in time");
    ASSERT_NE(problem, nullptr);
    EXPECT_NE(problem->fix.find("scontrol show node spark-dgx-4"), std::string::npos);
    EXPECT_EQ(result.exit_code, 2);
}

TEST(Survey, UnreachablePeerFailsTheProbingNode) {
    const auto reports = switch_of(2);
    auto probes = planned_probes(reports[0], reports);
    ASSERT_FALSE(probes.empty());
    for (auto& probe : probes) probe.answered = true;
    probes[0].answered = false;
    probes[0].detail = "no answer within 2000 ms";
    const SurveyResult result = analyze_survey(names(reports), reports, probes, {});
    EXPECT_EQ(result.cells.at("spark-dgx-1").at("reach"), Cell::fail);
    ASSERT_NE(problem_on(result, "spark-dgx-1", "no answer within 2000 ms"), nullptr);
}

TEST(Survey, RingProbesEveryBootstrapAndEachNeighbourOnItsCable) {
    const auto reports = ring4();
    const auto probes = planned_probes(reports[0], reports);
    int bootstrap = 0, fabric = 0;
    for (const auto& probe : probes) {
        if (probe.network == "bootstrap") {
            ++bootstrap;
            EXPECT_EQ(probe.from_address, "10.77.0.1");
        } else {
            ++fabric;
            // node 1 is cabled to node 2 (10.10.1.0/24) and node 4 (10.10.4.0/24), never node 3
            EXPECT_NE(probe.to_node, "spark-dgx-3") << probe.to_address;
        }
    }
    EXPECT_EQ(bootstrap, 3);
    EXPECT_GT(fabric, 0);
}

// One node leaves its domain-0002 twin unaddressed (twin-no-ipv4) while its peer addresses both
// (cage1): alone it is only the node's own warning; across the nodes the survey names the peer's
// address and the subnet to use, in the subnet column.
TEST(Survey, AnUnaddressedTwinWhereThePeersAddressItIsNamed) {
    const std::vector<NodeReport> reports{report_for("spark-dgx-1", testing::discover_fixture("cage1"), 2),
                                          report_for("spark-dgx-2", testing::discover_fixture("twin-no-ipv4"), 2)};
    const SurveyResult result = analyze_survey(names(reports), reports, {}, {});
    EXPECT_EQ(result.cells.at("spark-dgx-2").at("subnet"), Cell::warn) << survey_to_text(result, false);
    EXPECT_EQ(result.cells.at("spark-dgx-1").at("subnet"), Cell::ok);
    const auto* problem = problem_on(result, "spark-dgx-2", "enP2p1s0f1np1 has no IPv4 address here while its peers");
    ASSERT_NE(problem, nullptr) << survey_to_text(result, false);
    EXPECT_NE(problem->message.find("spark-dgx-1 192.168.201.1/24"), std::string::npos) << problem->message;
    EXPECT_NE(problem->fix.find("192.168.201.0/24"), std::string::npos) << problem->fix;
    int told = 0;  // once, not again from the node's own finding in the fabric column
    for (const auto& each : result.problems) told += each.node == "spark-dgx-2" && each.message.find("no IPv4") != std::string::npos;
    EXPECT_EQ(told, 1) << survey_to_text(result, false);
    EXPECT_EQ(result.exit_code, 1);

    // NVIDIA's two-node layout leaves that twin unaddressed on both nodes: nothing to say.
    const std::vector<NodeReport> nvidia{report_for("spark-dgx-1", testing::discover_fixture("nvidia-link-local"), 2),
                                         report_for("spark-dgx-2", testing::discover_fixture("nvidia-link-local"), 2)};
    const SurveyResult alike = analyze_survey(names(nvidia), nvidia, {}, {});
    for (const auto& node : alike.nodes) EXPECT_EQ(alike.cells.at(node).at("subnet"), Cell::ok) << node;
}

// The node's own checks reach the survey: an /etc/nccl.conf that fights the plan and CMA the
// kernel does not count are warnings in the node's fabric column, with their fixes.
TEST(Survey, TheNodesNcclConfAndCmaAreInItsFabricColumn) {
    NodeFacts stale = testing::discover_fixture("stale-nccl-conf");
    stale.nccl_conf = read_nccl_conf(testing::fixture_tree("stale-nccl-conf"), "", "");
    const std::vector<NodeReport> reports{report_for("spark-dgx-1", testing::discover_fixture("cage1"), 2),
                                          report_for("spark-dgx-2", stale, 2),
                                          report_for("spark-dgx-3", testing::discover_fixture("kho-cma"), 2)};
    const SurveyResult result = analyze_survey(names(reports), reports, {}, {});
    EXPECT_EQ(result.cells.at("spark-dgx-1").at("fabric"), Cell::ok);
    EXPECT_EQ(result.cells.at("spark-dgx-2").at("fabric"), Cell::warn);
    EXPECT_EQ(result.cells.at("spark-dgx-3").at("fabric"), Cell::warn);
    const auto* conf = problem_on(result, "spark-dgx-2", "/etc/nccl.conf:4");
    ASSERT_NE(conf, nullptr) << survey_to_text(result, false);
    EXPECT_NE(conf->message.find("NCCL_IB_USE_INLINE=1"), std::string::npos);
    const auto* cma = problem_on(result, "spark-dgx-3", "CmaTotal 0 kB but CmaFree 9748480 kB");
    ASSERT_NE(cma, nullptr) << survey_to_text(result, false);
    EXPECT_NE(cma->fix.find("kho=off"), std::string::npos);
}

TEST(Survey, DifferentBuildsAndPlansAreWarnedAndShownSideBySide) {
    auto reports = switch_of(3);
    reports[2].software.nccl[0].hash = "ffffffffffffffff";
    reports[1].software.torch_version = "2.5.1";
    for (auto& variable : reports[0].plan.variables) {
        if (variable.name == "NCCL_DMABUF_ENABLE") variable.value = "1";
    }
    const SurveyResult result = analyze_survey(names(reports), reports, {}, {});
    EXPECT_EQ(result.cells.at("spark-dgx-3").at("nccl"), Cell::warn);
    EXPECT_EQ(result.cells.at("spark-dgx-2").at("torch"), Cell::warn);
    EXPECT_EQ(result.cells.at("spark-dgx-1").at("plan"), Cell::warn);
    EXPECT_EQ(result.exit_code, 1);
    const std::string text = survey_to_text(result, false);
    EXPECT_NE(text.find("* NCCL_DMABUF_ENABLE:"), std::string::npos) << text;
    EXPECT_NE(text.find("* SPARKFABRIC_FABRIC_ADDR:"), std::string::npos);
    EXPECT_NE(text.find("    NCCL_IB_GID_INDEX=3"), std::string::npos);
    const std::string painted = survey_to_text(result, true);
    EXPECT_NE(painted.find("\033[33mwarn"), std::string::npos);
}

TEST(Survey, MemlockTasksGetIsWarnedWhereRdmaIsPlanned) {
    auto reports = switch_of(2);
    reports[1].task_memlock_kib = 8192;
    const SurveyResult result = analyze_survey(names(reports), reports, {}, {});
    EXPECT_EQ(result.cells.at("spark-dgx-2").at("memlock"), Cell::warn);
    EXPECT_EQ(result.cells.at("spark-dgx-1").at("memlock"), Cell::ok);
}

TEST(Survey, ReportsAndProbesSurviveJson) {
    const auto reports = ring4();
    const NodeReport back = node_report_from_json(node_report_to_json(reports[0]), "test");
    EXPECT_EQ(back.node, reports[0].node);
    EXPECT_EQ(back.facts, reports[0].facts);
    EXPECT_EQ(back.plan.variables, reports[0].plan.variables);
    EXPECT_EQ(back.plan.topology, Topology::ring);
    EXPECT_EQ(back.software, reports[0].software);
    const auto probes = planned_probes(reports[0], reports);
    const auto probes_back = probes_from_json(probes_to_json(probes), "test");
    ASSERT_EQ(probes_back.size(), probes.size());
    EXPECT_EQ(probes_back[0].to_address, probes[0].to_address);
    EXPECT_THROW(node_report_from_json("{\"node\": 1}", "bad"), std::runtime_error);
    EXPECT_THROW(probes_from_json("[{\"answered\": \"x\"}]", "bad"), std::runtime_error);
    const auto json = nlohmann::json::parse(survey_to_json(analyze_survey(names(reports), reports, {}, {})));
    EXPECT_EQ(json["cells"]["spark-dgx-2"]["subnet"], "ok");
    EXPECT_EQ(json["exit_code"], 0);
}

// The topology word in a report is read as the site config reads it: "mesh" is a ring, and a word
// the config refuses makes the report unreadable (it used to become "pair" silently).
TEST(Survey, ReportTopologyIsReadAsTheConfigReadsIt) {
    auto report = nlohmann::json::parse(node_report_to_json(switch_of(2)[0]));
    report["plan"]["topology"] = "mesh";
    EXPECT_EQ(node_report_from_json(report.dump(), "test").plan.topology, Topology::ring);
    report["plan"]["topology"] = "torus";
    try {
        node_report_from_json(report.dump(), "test");
        FAIL() << "an unknown topology was accepted";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("unknown topology 'torus'"), std::string::npos) << error.what();
    }
    EXPECT_EQ(topology_named("mesh"), Topology::ring);
    EXPECT_EQ(topology_named("auto"), Topology::automatic);
    EXPECT_FALSE(topology_named("Ring"));
}

TEST(Survey, SoftwareIsReadFromTheFileSystem) {
    const std::string root = ::testing::TempDir() + "/software-root";
    std::filesystem::remove_all(root);
    std::filesystem::create_directories(root + "/usr/lib/aarch64-linux-gnu");
    std::filesystem::create_directories(root + "/usr/lib/python3/dist-packages/torch-2.6.0.dist-info");
    { std::ofstream(root + "/usr/lib/aarch64-linux-gnu/libnccl.so.2.28.9") << "ELF... NCCL version 2.28.9+cuda13.0 ..."; }
    std::filesystem::create_symlink("libnccl.so.2.28.9", root + "/usr/lib/aarch64-linux-gnu/libnccl.so.2");
    { std::ofstream(root + "/usr/lib/python3/dist-packages/torch-2.6.0.dist-info/METADATA") << "Name: torch\nVersion: 2.6.0\n"; }
    const SoftwareFacts software = discover_software(root);
    ASSERT_EQ(software.nccl.size(), 1u);
    EXPECT_EQ(software.nccl[0].version, "2.28.9");
    EXPECT_EQ(software.nccl[0].path, "/usr/lib/aarch64-linux-gnu/libnccl.so.2.28.9");
    EXPECT_EQ(software.nccl[0].hash.size(), 16u);
    EXPECT_EQ(software.torch_version, "2.6.0");
    // A library whose name carries no version: the banner inside says it.
    std::filesystem::remove(root + "/usr/lib/aarch64-linux-gnu/libnccl.so.2");
    std::filesystem::rename(root + "/usr/lib/aarch64-linux-gnu/libnccl.so.2.28.9", root + "/usr/lib/aarch64-linux-gnu/libnccl.so.2");
    EXPECT_EQ(discover_software(root).nccl.at(0).version, "2.28.9");
    EXPECT_TRUE(discover_software(root + "/nowhere").nccl.empty());
}

}  // namespace
}  // namespace sparkfabric

namespace sparkfabric {
namespace {

std::string read_text(const std::string& path) {
    std::ifstream file(path);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

TEST(SurveyBandwidth, PeakIsReadFromRealSparkNcclCheckOutput) {
    // Recorded on the GPU machines (bench/gpu; tests/fixtures/README.md says which runs): 2 x H200
    // over NVLink; one H100 with both ranks on it over sockets (the shapes run: its log's
    // "# peak busbw: all_reduce 1.86 GB/s" line).
    const auto nvlink = nccl_check_peak(read_text(testing::fixture_file("nccl_check/smoke-mpi.log")));
    ASSERT_TRUE(nvlink.has_value());
    EXPECT_DOUBLE_EQ(*nvlink, 299.99);
    const auto sockets =
        nccl_check_peak(read_text(testing::fixture_file("nccl_check/shapes-pair-cage0.log")));
    ASSERT_TRUE(sockets.has_value());
    EXPECT_DOUBLE_EQ(*sockets, 1.86);
    EXPECT_FALSE(nccl_check_peak("spark-nccl-check: rank 0: error: ncclCommInitRank failed").has_value());
}

TEST(SurveyBandwidth, BelowThePassMarkWarnsEveryNodeAndNotMeasuredSaysWhy) {
    const auto reports = switch_of(2);
    BandwidthRun slow{true, true, 11.5, 21.875, ""};
    SurveyResult result = analyze_survey(names(reports), reports, {}, {}, {}, slow);
    EXPECT_EQ(result.checks.back(), "busbw");
    EXPECT_EQ(result.cells.at("spark-dgx-1").at("busbw"), Cell::warn);
    EXPECT_EQ(result.cells.at("spark-dgx-2").at("busbw"), Cell::warn);
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(survey_to_text(result, false).find("peak all_reduce bus bandwidth 11.50 GB/s, pass mark 21.875 GB/s"),
              std::string::npos);
    BandwidthRun fast{true, true, 23.7, 21.875, ""};
    EXPECT_EQ(analyze_survey(names(reports), reports, {}, {}, {}, fast).cells.at("spark-dgx-2").at("busbw"), Cell::ok);
    BandwidthRun missing{true, false, 0, 21.875, "spark-nccl-check not found"};
    result = analyze_survey(names(reports), reports, {}, {}, {}, missing);
    EXPECT_NE(survey_to_text(result, false).find("bandwidth not measured: spark-nccl-check not found"), std::string::npos);
    EXPECT_EQ(analyze_survey(names(reports), reports, {}, {}).checks.back(), "plan");  // no column unless asked
}

}  // namespace
}  // namespace sparkfabric
