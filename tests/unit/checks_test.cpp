// Preflight checks on fixtures: each problem gives its finding, severity and fix.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>

#include "fabric/checks/checks.hpp"
#include "test_support.hpp"

namespace sparkfabric {
namespace {

std::vector<Finding> checks_for(NodeFacts facts, SiteConfig config = {}) {
    const Plan plan = make_plan(facts, config, {});
    return run_checks(facts, config, plan);
}

const Finding* find(const std::vector<Finding>& findings, const std::string& code) {
    return testing::find_finding(findings, code);
}

NodeFacts healthy(const std::string& fixture) {
    NodeFacts facts = testing::discover_fixture(fixture);
    facts.memlock_limit_kib = -1;
    return facts;
}

TEST(Checks, HealthyNodeHasOnlyInfo) {
    const auto findings = checks_for(healthy("cage1"));
    EXPECT_EQ(check_exit_status(findings), 0);
    EXPECT_FALSE(strict_fails(findings));
    EXPECT_NE(find(findings, "kernel"), nullptr);
    EXPECT_NE(find(findings, "driver"), nullptr);
    EXPECT_NE(find(findings, "no-gpu-cache"), nullptr);
}

TEST(Checks, LinkDownIsAnError) {
    const auto findings = checks_for(healthy("links-down"));
    const Finding* finding = find(findings, "link-down");
    ASSERT_NE(finding, nullptr);
    EXPECT_EQ(finding->severity, Severity::error);
    EXPECT_NE(finding->fix.find("ip link set dev"), std::string::npos);
    EXPECT_EQ(check_exit_status(findings), 2);
    EXPECT_TRUE(strict_fails(findings));
}

TEST(Checks, MtuAgainstTheSite) {
    const auto findings = checks_for(healthy("mtu1500"));
    const Finding* finding = find(findings, "mtu-mismatch");
    ASSERT_NE(finding, nullptr);
    EXPECT_EQ(finding->subject, "enp1s0f1np1");
    EXPECT_NE(finding->fix.find("mtu 9000"), std::string::npos);
    EXPECT_EQ(check_exit_status(findings), 1);
    SiteConfig config;
    config.expected_mtu = 1500;
    const auto site_1500 = checks_for(healthy("mtu1500"), config);
    EXPECT_EQ(find(site_1500, "mtu-mismatch"), nullptr);
}

TEST(Checks, MtuBetweenTwins) {
    const auto findings = checks_for(healthy("twin-mtu-differs"));
    const Finding* finding = find(findings, "twin-mtu-differs");
    ASSERT_NE(finding, nullptr);
    EXPECT_EQ(finding->subject, "enP2p1s0f1np1");
}

// NVIDIA's two-node layout gives its ports link-local IPv4 only: an unaddressed twin there is
// information. Where the other twin has a routable address (twin-no-ipv4: 192.168.200.1/24),
// the missing one is a netplan left half done, and peers addressed alike pin the twin's IPv4
// GID while this node takes a link-local one: a warning, so strict fails.
TEST(Checks, UnaddressedTwinIsAWarningWhereTheOtherTwinIsAddressed) {
    const auto findings = checks_for(healthy("twin-no-ipv4"));
    const Finding* twin = find(findings, "unaddressed-twin");
    ASSERT_NE(twin, nullptr);
    EXPECT_EQ(twin->severity, Severity::warning);
    EXPECT_EQ(twin->subject, "roceP2p1s0f1");
    EXPECT_NE(twin->message.find("enp1s0f1np1 192.168.200.1/24"), std::string::npos) << twin->message;
    EXPECT_NE(twin->fix.find("enP2p1s0f1np1"), std::string::npos) << twin->fix;
    EXPECT_EQ(find(findings, "twin-without-ipv4"), nullptr);
    EXPECT_EQ(check_exit_status(findings), 1);
    EXPECT_TRUE(strict_fails(findings));

    const auto nvidia = checks_for(healthy("nvidia-link-local"));
    const Finding* info = find(nvidia, "unaddressed-twin");
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->severity, Severity::info);
    EXPECT_FALSE(strict_fails(nvidia));

    SiteConfig exclude;
    exclude.include_unaddressed_twins = false;
    const NodeFacts facts = healthy("twin-no-ipv4");
    const auto excluded = run_checks(facts, exclude, make_plan(facts, exclude, {}));
    EXPECT_NE(find(excluded, "twin-without-ipv4"), nullptr);
    EXPECT_EQ(check_exit_status(excluded), 1);
}

TEST(Checks, TwinsOnTheSameSubnetAreInformationOnly) {
    // NVIDIA's switch layout: a documented setup, so strict mode must not fail on it.
    const auto findings = checks_for(healthy("same-subnet"));
    const Finding* finding = find(findings, "twins-same-subnet");
    ASSERT_NE(finding, nullptr);
    EXPECT_EQ(finding->severity, Severity::info);
    EXPECT_FALSE(strict_fails(findings));
    const auto distinct = checks_for(healthy("cage1"));
    EXPECT_EQ(find(distinct, "twins-same-subnet"), nullptr);
}

TEST(Checks, MissingGidOnAnHca) {
    NodeFacts facts = healthy("cage1");
    for (auto& device : facts.rdma_devices) {
        if (device.name == "rocep1s0f1") device.ports[0].gids.resize(2);  // link-local only
    }
    const auto findings = checks_for(facts);
    const Finding* finding = find(findings, "twin-without-ipv4");
    ASSERT_NE(finding, nullptr);
    EXPECT_EQ(finding->subject, "rocep1s0f1");
}

TEST(Checks, LimitedMemlockWarnsOnlyWithRdma) {
    NodeFacts facts = healthy("cage1");
    facts.memlock_limit_kib = 8192;
    const auto findings = checks_for(facts);
    const Finding* finding = find(findings, "memlock-limited");
    ASSERT_NE(finding, nullptr);
    EXPECT_EQ(finding->severity, Severity::warning);
    EXPECT_NE(finding->fix.find("unlimited"), std::string::npos);
    NodeFacts no_rdma = healthy("no-connectx");
    no_rdma.memlock_limit_kib = 8192;
    const auto no_rdma_findings = checks_for(no_rdma);
    EXPECT_EQ(find(no_rdma_findings, "memlock-limited"), nullptr);
}

TEST(Checks, PeermemAndProprietaryDriver) {
    const auto findings = checks_for(healthy("proprietary-peermem"));
    const Finding* driver = find(findings, "proprietary-driver");
    ASSERT_NE(driver, nullptr);
    EXPECT_EQ(driver->severity, Severity::warning);
    const Finding* peermem = find(findings, "peermem-loaded");
    ASSERT_NE(peermem, nullptr);
    EXPECT_EQ(peermem->severity, Severity::info);
}

TEST(Checks, CachedGpuCapabilityIsReported) {
    NodeFacts facts = healthy("cage1");
    facts.gpu_cache = GpuCache{13000, "t", {{0, "NVIDIA GB10", "000F:01:00.0", true, false, false}}};
    const auto findings = checks_for(facts);
    const Finding* finding = find(findings, "gpu-capability");
    ASSERT_NE(finding, nullptr);
    EXPECT_NE(finding->message.find("DMA_BUF_SUPPORTED=0"), std::string::npos);
}

TEST(Checks, PeerProbeAnswersOnLoopbackAndFailsFast) {
    // A closed port on loopback refuses: the host answers.
    Finding finding = probe_peer("127.0.0.1", "127.0.0.1", 1, 1000);
    EXPECT_EQ(finding.severity, Severity::info) << finding.message;
    finding = probe_peer("127.0.0.1", "no-such-host.invalid", 22, 500);
    EXPECT_EQ(finding.severity, Severity::error);
    finding = probe_peer("192.0.2.1", "127.0.0.1", 22, 500);  // not our address: cannot bind
    EXPECT_EQ(finding.severity, Severity::error);
}

// The node's own /etc/nccl.conf (stale-nccl-conf: left from a setup on cage 0), read as a job's
// NCCL reads it. Lines the plan sets are stale (jobs get the plan's value, anything else the
// file's); the inline setting applies and is a known hang; NCCL_DEBUG is the owner's business.
TEST(Checks, HostNcclConfThatFightsThePlan) {
    DiscoveryOptions options;
    options.sysfs_root = testing::fixture_tree("stale-nccl-conf") + "/sys";
    options.procfs_root = testing::fixture_tree("stale-nccl-conf") + "/proc";
    options.addresses = testing::fixture_addresses("stale-nccl-conf");
    options.nccl_conf_root = testing::fixture_tree("stale-nccl-conf");
    NodeFacts facts = discover_node(options);
    facts.memlock_limit_kib = -1;
    ASSERT_EQ(facts.nccl_conf.size(), 5u);
    const auto findings = checks_for(facts);
    const Finding* stale = find(findings, "nccl-conf-stale");
    ASSERT_NE(stale, nullptr);
    EXPECT_EQ(stale->severity, Severity::warning);
    EXPECT_EQ(stale->subject, "/etc/nccl.conf:2");
    EXPECT_NE(stale->message.find("NCCL_SOCKET_IFNAME=enp1s0f0np0"), std::string::npos) << stale->message;
    EXPECT_NE(stale->message.find("=enp1s0f1np1,enP2p1s0f1np1"), std::string::npos) << stale->message;
    EXPECT_NE(stale->fix.find("remove the line from /etc/nccl.conf"), std::string::npos);
    const Finding* gpudirect = find(findings, "nccl-conf-gpudirect");
    ASSERT_NE(gpudirect, nullptr);
    EXPECT_EQ(gpudirect->subject, "/etc/nccl.conf:3");
    const Finding* inline_hang = find(findings, "nccl-conf-known-hang");
    ASSERT_NE(inline_hang, nullptr);
    EXPECT_EQ(inline_hang->subject, "/etc/nccl.conf:4");
    for (const auto& finding : findings) {
        EXPECT_NE(finding.subject, "/etc/nccl.conf:5") << finding.message;  // NCCL_DEBUG
        EXPECT_NE(finding.subject, "/etc/nccl.conf:6") << finding.message;  // the plan's own value
    }
    EXPECT_TRUE(strict_fails(findings));
    // Without the file, the same node is healthy.
    EXPECT_FALSE(strict_fails(checks_for(healthy("stale-nccl-conf"))));
}

// kho-cma: DGX OS's 7.0.0-1019-nvidia kernel, CmaTotal 0 kB with 9.3 GiB in CmaFree.
TEST(Checks, CmaTheKernelDoesNotCountIsAWarning) {
    const NodeFacts facts = healthy("kho-cma");
    EXPECT_EQ(facts.cma_total_kib, 0);
    EXPECT_EQ(facts.cma_free_kib, 9748480);
    const auto findings = checks_for(facts);
    const Finding* cma = find(findings, "cma-unaccounted");
    ASSERT_NE(cma, nullptr);
    EXPECT_EQ(cma->severity, Severity::warning);
    EXPECT_NE(cma->message.find("7.0.0-1019-nvidia"), std::string::npos) << cma->message;
    EXPECT_NE(cma->fix.find("kho=off"), std::string::npos);
    EXPECT_TRUE(strict_fails(findings));
    // No CMA at all (CmaTotal 0, CmaFree 0: kho=off, NVIDIA's default) is healthy.
    EXPECT_EQ(find(checks_for(healthy("cage1")), "cma-unaccounted"), nullptr);
    // Without RDMA nothing registers memory.
    NodeFacts no_rdma = healthy("no-connectx");
    no_rdma.cma_total_kib = 0;
    no_rdma.cma_free_kib = 9748480;
    EXPECT_EQ(find(checks_for(no_rdma), "cma-unaccounted"), nullptr);
}

TEST(Checks, OddMeminfoIsNotACrash) {
    const std::string root = ::testing::TempDir() + "/sf-meminfo";
    mkdir(root.c_str(), 0755);
    for (const char* text : {"", "CmaTotal: lots kB\nCmaFree:\n", "CmaTotal:\t99999999999999999999 kB\n",
                             "garbage\0with nul", "CmaFree: 12 kB\n"}) {
        FILE* file = fopen((root + "/meminfo").c_str(), "w");
        ASSERT_NE(file, nullptr);
        fputs(text, file);
        fclose(file);
        const CmaFacts cma = read_cma(root);
        EXPECT_EQ(cma.total_kib, -1) << text;
    }
    EXPECT_EQ(read_cma(root).free_kib, 12);
    EXPECT_EQ(read_cma("/nonexistent").total_kib, -1);
}

TEST(Findings, FormatNamesNodeSubjectAndFix) {
    const Finding finding{Severity::error, "link-down", "enp1s0f1np1", "fabric link is down", "plug it in"};
    EXPECT_EQ(format_finding(finding, "spark-dgx-2"),
              "error: spark-dgx-2: enp1s0f1np1: fabric link is down (fix: plug it in)");
}

}  // namespace
}  // namespace sparkfabric

namespace sparkfabric {
namespace {

TEST(Checks, OneTwinDownWhileTheOtherCarriesIsAWarning) {
    NodeFacts facts = healthy("cage1");
    for (auto& device : facts.netdevs) {
        if (device.name == "enp1s0f1np1") {
            device.carrier = false;
            device.operstate = "down";
        }
    }
    const auto findings = checks_for(facts);
    const Finding* finding = find(findings, "link-down");
    ASSERT_NE(finding, nullptr);
    EXPECT_EQ(finding->subject, "enp1s0f1np1");
    EXPECT_EQ(finding->severity, Severity::warning);
    EXPECT_TRUE(strict_fails(findings));
}

}  // namespace
}  // namespace sparkfabric
