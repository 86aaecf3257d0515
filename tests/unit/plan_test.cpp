// The plan's rules, on fixtures of real Spark layouts.
#include <gtest/gtest.h>

#include <algorithm>

#include "fabric/plan/plan.hpp"
#include "fabric/plan/make_plan_parts.hpp"
#include "fabric/topology/ipv4.hpp"
#include "test_support.hpp"

namespace sparkfabric {
namespace {

using testing::discover_fixture;
using testing::fixture_plan;

using testing::planned_value;
std::string value(const Plan& plan, const std::string& name) { return planned_value(plan, name); }
bool has_finding(const Plan& plan, const std::string& code) { return testing::find_finding(plan.findings, code) != nullptr; }

TEST(Plan, Cage1GetsBothTwinsExactNamesAndGidIndex) {
    const Plan plan = fixture_plan("cage1");
    ASSERT_TRUE(plan.fabric_found);
    EXPECT_EQ(value(plan, "NCCL_SOCKET_IFNAME"), "=enp1s0f1np1,enP2p1s0f1np1");
    EXPECT_EQ(value(plan, "NCCL_IB_HCA"), "=rocep1s0f1:1,roceP2p1s0f1:1");
    EXPECT_EQ(value(plan, "NCCL_IB_GID_INDEX"), "3");
    EXPECT_EQ(value(plan, "NCCL_IB_ROCE_VERSION_NUM"), "2");
    EXPECT_EQ(value(plan, "UCX_NET_DEVICES"), "rocep1s0f1:1,roceP2p1s0f1:1");
    EXPECT_EQ(value(plan, "OMPI_MCA_btl_tcp_if_include"), "enp1s0f1np1,enP2p1s0f1np1");
    EXPECT_EQ(value(plan, "GLOO_SOCKET_IFNAME"), "enp1s0f1np1");
    EXPECT_EQ(value(plan, "TP_SOCKET_IFNAME"), "enp1s0f1np1");
    EXPECT_EQ(value(plan, "SPARKFABRIC_FABRIC_ADDR"), "192.168.200.1");
    EXPECT_EQ(value(plan, "SPARKFABRIC_STATUS"), "ok");
    EXPECT_EQ(value(plan, "NCCL_IB_ADDR_RANGE"), "<unset>");
    for (const auto& variable : plan.variables) EXPECT_FALSE(variable.reason.empty()) << variable.name;
}

TEST(Plan, Cage0UsesCage0Devices) {
    const Plan plan = fixture_plan("cage0");
    EXPECT_EQ(value(plan, "NCCL_IB_HCA"), "=rocep1s0f0:1,roceP2p1s0f0:1");
    EXPECT_EQ(value(plan, "GLOO_SOCKET_IFNAME"), "enp1s0f0np0");
}

TEST(Plan, TwoCablesGetFourHcasInCageOrder) {
    // Four subnets on two cages laid out alike look like a ring, so bootstrap goes to the
    // management NIC (right for a ring, harmless for two cables between two nodes).
    const Plan plan = fixture_plan("two-cables");
    EXPECT_EQ(value(plan, "NCCL_IB_HCA"), "=rocep1s0f0:1,roceP2p1s0f0:1,rocep1s0f1:1,roceP2p1s0f1:1");
    EXPECT_EQ(plan.interfaces.size(), 4u);
    EXPECT_EQ(plan.topology, Topology::ring);
    EXPECT_EQ(value(plan, "GLOO_SOCKET_IFNAME"), "enP7s7");
    // The site can say it is a pair: bootstrap then stays on the fabric.
    SiteConfig config;
    config.topology = Topology::pair;
    const Plan pair = fixture_plan("two-cables", {}, config);
    EXPECT_EQ(value(pair, "NCCL_IB_HCA"), "=rocep1s0f0:1,roceP2p1s0f0:1,rocep1s0f1:1,roceP2p1s0f1:1");
    EXPECT_EQ(value(pair, "GLOO_SOCKET_IFNAME"), "enp1s0f0np0");
    EXPECT_EQ(value(pair, "NCCL_IB_SUBNET_AWARE_ROUTING"), "<unset>");
}

TEST(Plan, KernelNamesFlowIntoTheVariables) {
    const Plan plan = fixture_plan("kernel-names");
    EXPECT_EQ(value(plan, "NCCL_IB_HCA"), "=mlx5_1:1,mlx5_3:1");
    EXPECT_EQ(value(plan, "UCX_NET_DEVICES"), "mlx5_1:1,mlx5_3:1");
}

TEST(Plan, GidIndexesThatDisagreeUseAddressFamilyAndRange) {
    const Plan plan = fixture_plan("gid-hole");
    EXPECT_EQ(value(plan, "NCCL_IB_GID_INDEX"), "<unset>");
    EXPECT_EQ(value(plan, "NCCL_IB_ROCE_VERSION_NUM"), "2");
    EXPECT_EQ(value(plan, "NCCL_IB_ADDR_FAMILY"), "AF_INET");
    EXPECT_EQ(value(plan, "NCCL_IB_ADDR_RANGE"), "192.168.200.0/23");
    EXPECT_TRUE(has_finding(plan, "gid-index-differs"));
    EXPECT_EQ(value(plan, "SPARKFABRIC_STATUS"), "ok");  // info, not a problem
}

TEST(Plan, TwinWithoutIpv4IsLeftOutWhenTheSiteExcludesUnaddressedTwins) {
    SiteConfig config;
    config.include_unaddressed_twins = false;
    const Plan plan = fixture_plan("twin-no-ipv4", {}, config);
    EXPECT_EQ(value(plan, "NCCL_IB_HCA"), "=rocep1s0f1:1");
    EXPECT_EQ(value(plan, "NCCL_IB_GID_INDEX"), "3");
    ASSERT_TRUE(has_finding(plan, "twin-without-ipv4"));
    for (const auto& finding : plan.findings) {
        if (finding.code != "twin-without-ipv4") continue;
        EXPECT_EQ(finding.subject, "roceP2p1s0f1");
        EXPECT_NE(finding.message.find("half"), std::string::npos);
        EXPECT_NE(finding.fix.find("enP2p1s0f1np1"), std::string::npos);
    }
    EXPECT_EQ(value(plan, "SPARKFABRIC_STATUS"), "degraded");
}

TEST(Plan, BothLinksDownMeansNoNetworkVariablesAndLinkDownErrors) {
    const Plan plan = fixture_plan("links-down");
    EXPECT_FALSE(plan.fabric_found);
    EXPECT_EQ(value(plan, "NCCL_SOCKET_IFNAME"), "<unset>");
    EXPECT_EQ(value(plan, "NCCL_IB_HCA"), "<unset>");
    EXPECT_EQ(value(plan, "SPARKFABRIC_STATUS"), "none");
    int link_down = 0;
    for (const auto& finding : plan.findings) {
        if (finding.code == "link-down") {
            ++link_down;
            EXPECT_EQ(finding.severity, Severity::error);
        }
    }
    EXPECT_EQ(link_down, 4);
    EXPECT_NE(value(plan, "SPARKFABRIC_REASON").find("link is down"), std::string::npos);
}

TEST(Plan, NoConnectxAndManagementOnlyNodesGetNoFabric) {
    for (const char* fixture : {"no-connectx", "mgmt-only"}) {
        const Plan plan = fixture_plan(fixture);
        EXPECT_FALSE(plan.fabric_found) << fixture;
        EXPECT_EQ(value(plan, "NCCL_SOCKET_IFNAME"), "<unset>") << fixture;
        EXPECT_TRUE(has_finding(plan, "no-fabric")) << fixture;
    }
}

TEST(Plan, Mtu1500StillPlansTheFabric) {
    const Plan plan = fixture_plan("mtu1500");
    EXPECT_TRUE(plan.fabric_found);
    EXPECT_EQ(value(plan, "NCCL_IB_HCA"), "=rocep1s0f1:1,roceP2p1s0f1:1");
}

TEST(Plan, AlgoIsLeftToNcclUnlessTheSiteHasARule) {
    JobShape job;
    for (int nodes : {2, 4, 5, 8, 10}) {
        job.nodes = nodes;
        EXPECT_EQ(value(fixture_plan("cage1", job), "NCCL_ALGO"), "<unset>") << nodes << " nodes";
    }
    SiteConfig config;
    config.algo_rules = {{2, "Ring"}, {8, "allreduce:tree,ring"}, {0, "CollnetDirect"}};
    job.nodes = 10;
    EXPECT_EQ(value(fixture_plan("cage1", job, config), "NCCL_ALGO"), "CollnetDirect");
    job.nodes = 2;
    EXPECT_EQ(value(fixture_plan("cage1", job, config), "NCCL_ALGO"), "Ring");
    job.nodes = 5;
    EXPECT_EQ(value(fixture_plan("cage1", job, config), "NCCL_ALGO"), "allreduce:tree,ring");
}

TEST(Plan, AUserAlgoThatStrandsCollectivesIsKeptButWarned) {
    JobShape job;
    job.nodes = 5;
    job.user_env["NCCL_ALGO"] = "Tree";
    const Plan plan = fixture_plan("cage1", job);
    ASSERT_TRUE(has_finding(plan, "nccl-algo-strands-collectives"));
    job.user_env["NCCL_ALGO"] = "allreduce:tree;broadcast:ring";
    EXPECT_FALSE(has_finding(fixture_plan("cage1", job), "nccl-algo-strands-collectives"));
}

TEST(Plan, UserValuesAreKeptUnlessTheSiteEnforces) {
    JobShape job;
    job.user_env["NCCL_SOCKET_IFNAME"] = "eth9";
    Plan plan = fixture_plan("cage1", job);
    const auto* variable = plan.find("NCCL_SOCKET_IFNAME");
    ASSERT_NE(variable, nullptr);
    EXPECT_EQ(variable->value, "eth9");
    EXPECT_TRUE(variable->user_value_kept);
    EXPECT_NE(variable->reason.find("=enp1s0f1np1"), std::string::npos);
    SiteConfig config;
    config.enforced_variables = {"NCCL_SOCKET_IFNAME"};
    plan = fixture_plan("cage1", job, config);
    EXPECT_EQ(value(plan, "NCCL_SOCKET_IFNAME"), "=enp1s0f1np1,enP2p1s0f1np1");
    EXPECT_NE(plan.find("NCCL_SOCKET_IFNAME")->reason.find("enforces"), std::string::npos);
}

TEST(Plan, FabricOffInjectsNothingButStatus) {
    JobShape job;
    job.fabric.kind = FabricRequest::Kind::off;
    const Plan plan = fixture_plan("cage1", job);
    ASSERT_EQ(plan.variables.size(), 1u);
    EXPECT_EQ(value(plan, "SPARKFABRIC_STATUS"), "off");
}

TEST(Plan, RequestedInterfaceIsUsedAndAMissingOneIsAnError) {
    JobShape job;
    job.fabric.kind = FabricRequest::Kind::interfaces;
    job.fabric.interfaces = {"enp1s0f0np0"};
    Plan plan = fixture_plan("two-cables", job);
    EXPECT_EQ(value(plan, "NCCL_SOCKET_IFNAME"), "=enp1s0f0np0");
    EXPECT_EQ(value(plan, "NCCL_IB_HCA"), "=rocep1s0f0:1,roceP2p1s0f0:1");
    job.fabric.interfaces = {"eth7"};
    plan = fixture_plan("cage1", job);
    EXPECT_FALSE(plan.fabric_found);
    ASSERT_TRUE(has_finding(plan, "interface-missing"));
    EXPECT_NE(plan.findings[0].fix.find("enp1s0f1np1"), std::string::npos);
}

TEST(Plan, SiteInterfacesApplyWhenTheUserAsksForAuto) {
    SiteConfig config;
    config.interfaces = {"enp1s0f0np0"};
    const Plan plan = fixture_plan("two-cables", {}, config);
    EXPECT_EQ(value(plan, "GLOO_SOCKET_IFNAME"), "enp1s0f0np0");
    EXPECT_NE(plan.find("NCCL_SOCKET_IFNAME")->reason.find("site config"), std::string::npos);
}

TEST(Plan, RequestedDownInterfaceSaysLinkDown) {
    JobShape job;
    job.fabric.kind = FabricRequest::Kind::interfaces;
    job.fabric.interfaces = {"enp1s0f0np0"};
    const Plan plan = fixture_plan("cage1", job);
    EXPECT_FALSE(plan.fabric_found);
    EXPECT_TRUE(has_finding(plan, "link-down"));
}

TEST(Plan, ModeIsSafeWithoutCacheAndDmabufOnlyWhenEveryGpuSaysSo) {
    NodeFacts facts = discover_fixture("cage1");
    Plan plan = make_plan(facts, {}, {});
    EXPECT_EQ(plan.mode, NcclMode::safe);
    EXPECT_EQ(value(plan, "NCCL_NET_GDR_LEVEL"), "LOC");
    EXPECT_EQ(value(plan, "NCCL_DMABUF_ENABLE"), "0");
    EXPECT_NE(plan.mode_reason.find("probe-gpu"), std::string::npos);

    facts.gpu_cache = GpuCache{13000, "2026-11-21T00:00:00Z", {{0, "NVIDIA GB10", "000F:01:00.0", true, true, false}}};
    plan = make_plan(facts, {}, {});
    EXPECT_EQ(plan.mode, NcclMode::dmabuf);
    EXPECT_EQ(value(plan, "NCCL_NET_GDR_LEVEL"), "SYS");
    EXPECT_EQ(value(plan, "NCCL_DMABUF_ENABLE"), "1");

    facts.gpu_cache->gpus[0].dma_buf_supported = false;
    plan = make_plan(facts, {}, {});
    EXPECT_EQ(plan.mode, NcclMode::safe);
    EXPECT_NE(plan.mode_reason.find("DMA_BUF_SUPPORTED=0"), std::string::npos);
}

TEST(Plan, RequestedDmabufAgainstTheGpuWarns) {
    NodeFacts facts = discover_fixture("cage1");
    facts.gpu_cache = GpuCache{13000, "2026-11-21T00:00:00Z", {{0, "NVIDIA GB10", "000F:01:00.0", true, false, false}}};
    JobShape job;
    job.nccl_mode = NcclMode::dmabuf;
    const Plan plan = make_plan(facts, {}, job);
    EXPECT_EQ(plan.mode, NcclMode::dmabuf);
    EXPECT_TRUE(has_finding(plan, "dmabuf-unsupported"));
}

TEST(Plan, SiteModeAndEnforcedModeOrder) {
    const NodeFacts facts = discover_fixture("cage1");
    SiteConfig config;
    config.nccl_mode = NcclMode::dmabuf;
    EXPECT_EQ(make_plan(facts, config, {}).mode, NcclMode::dmabuf);
    JobShape job;
    job.nccl_mode = NcclMode::safe;
    EXPECT_EQ(make_plan(facts, config, job).mode, NcclMode::safe);  // user beats a plain site default
    config.nccl_mode_enforced = true;
    const Plan plan = make_plan(facts, config, job);
    EXPECT_EQ(plan.mode, NcclMode::dmabuf);
    EXPECT_NE(plan.mode_reason.find("enforces"), std::string::npos);
}

TEST(Plan, ExtraEnvAndTimeoutFromTheSite) {
    SiteConfig config;
    config.ib_timeout = 20;
    config.extra_env["NCCL_DEBUG"] = "WARN";
    const Plan plan = fixture_plan("cage1", {}, config);
    EXPECT_EQ(value(plan, "NCCL_IB_TIMEOUT"), "20");
    EXPECT_EQ(value(plan, "NCCL_DEBUG"), "WARN");
}

TEST(Plan, EmulatedNodeWithoutPciIsFoundByNameAndUsesTcp) {
    NodeFacts facts;
    facts.hostname = "spark-dgx-1";
    facts.netdevs = {{"enP7s7", 1500, true, "up", {{"10.77.0.1", 24}}, "", "", -1},
                     {"enp1s0f1np1", 9000, true, "up", {{"192.168.200.1", 24}}, "", "", -1}};
    const Plan plan = make_plan(facts, {}, {});
    ASSERT_TRUE(plan.fabric_found);
    EXPECT_EQ(value(plan, "NCCL_SOCKET_IFNAME"), "=enp1s0f1np1");
    EXPECT_EQ(value(plan, "NCCL_IB_HCA"), "<unset>");
    EXPECT_EQ(value(plan, "UCX_NET_DEVICES"), "enp1s0f1np1");
    EXPECT_TRUE(has_finding(plan, "no-rdma"));
    EXPECT_EQ(value(plan, "SPARKFABRIC_STATUS"), "ok");
}

TEST(Plan, HcaWithDownPortIsLeftOut) {
    NodeFacts facts = discover_fixture("cage1");
    for (auto& device : facts.rdma_devices) {
        if (device.name == "roceP2p1s0f1") device.ports[0].state = "DOWN";
    }
    const Plan plan = make_plan(facts, {}, {});
    EXPECT_EQ(value(plan, "NCCL_IB_HCA"), "=rocep1s0f1:1");
    EXPECT_TRUE(has_finding(plan, "hca-port-down"));
}

TEST(PlanSteps, CoveringCidr) {
    EXPECT_EQ(covering_cidr({"192.168.200.1", "192.168.201.1"}, 24), "192.168.200.0/23");
    EXPECT_EQ(covering_cidr({"192.168.200.1", "192.168.200.7"}, 24), "192.168.200.0/24");
    EXPECT_EQ(covering_cidr({"10.0.0.1", "192.168.0.1"}, 24), "0.0.0.0/0");
    EXPECT_EQ(covering_cidr({}, 24), "0.0.0.0/0");
}

TEST(Plan, PlannableNamesCoverEveryNetworkVariable) {
    const Plan plan = fixture_plan("gid-hole");
    const auto& names = plannable_variable_names();
    for (const auto& variable : plan.variables) {
        if (variable.name.rfind("SPARKFABRIC_", 0) == 0) continue;
        EXPECT_NE(std::find(names.begin(), names.end(), variable.name), names.end()) << variable.name;
    }
}

}  // namespace
}  // namespace sparkfabric
