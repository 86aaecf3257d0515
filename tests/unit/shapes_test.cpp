// Each cluster shape Spark owners build (tests/fixtures/README.md names the sources), and what
// a job on it gets. These are the rows of the "shape -> what the job gets" table in docs/shapes.md.
#include <gtest/gtest.h>

#include "fabric/checks/checks.hpp"
#include "fabric/plan/nccl_algo.hpp"
#include "fabric/plan/plan.hpp"
#include "test_support.hpp"

namespace sparkfabric {
namespace {

using testing::discover_fixture;
using testing::fixture_plan;
using testing::job_on;

std::string value(const Plan& plan, const std::string& name) { return testing::planned_value(plan, name); }
const Finding* finding(const std::vector<Finding>& findings, const std::string& code) {
    return testing::find_finding(findings, code);
}

// What every plan must satisfy, whatever the shape.
void expect_runnable(const Plan& plan) {
    const std::string algo = value(plan, "NCCL_ALGO");
    if (algo != "<unset>") {
        EXPECT_FALSE(nccl_algo_problem(algo).has_value()) << algo;
    }
    for (const auto& variable : plan.variables) EXPECT_FALSE(variable.reason.empty()) << variable.name;
}

void expect_no_ring_variables(const Plan& plan) {
    for (const char* name : {"NCCL_IB_SUBNET_AWARE_ROUTING", "NCCL_IB_MERGE_NICS", "NCCL_NET_PLUGIN",
                             "NCCL_IB_SUBNET_PREFIX_LEN"}) {
        EXPECT_EQ(value(plan, name), "<unset>") << name;
    }
}

TEST(Shapes, PairOnEitherCageGetsBothTwinsAndBootstrapsOnTheFabric) {
    for (const auto& [fixture, cage] : std::vector<std::pair<std::string, std::string>>{{"cage0", "0"}, {"cage1", "1"}}) {
        const Plan plan = fixture_plan(fixture, job_on(2));
        EXPECT_EQ(plan.topology, Topology::pair) << fixture;
        EXPECT_EQ(value(plan, "NCCL_IB_HCA"), "=rocep1s0f" + cage + ":1,roceP2p1s0f" + cage + ":1");
        EXPECT_EQ(value(plan, "NCCL_IB_GID_INDEX"), "3");
        EXPECT_EQ(value(plan, "NCCL_SOCKET_IFNAME"), "=enp1s0f" + cage + "np" + cage + ",enP2p1s0f" + cage + "np" + cage);
        EXPECT_EQ(value(plan, "NCCL_ALGO"), "<unset>");
        EXPECT_EQ(value(plan, "SPARKFABRIC_BOOTSTRAP_ADDR"), "192.168.200.1");
        EXPECT_EQ(value(plan, "SPARKFABRIC_TOPOLOGY"), "pair");
        expect_no_ring_variables(plan);
        expect_runnable(plan);
    }
}

TEST(Shapes, NvidiaLinkLocalPairListsTheUnaddressedTwinWithNoGidIndex) {
    const Plan plan = fixture_plan("nvidia-link-local", job_on(2));
    EXPECT_EQ(value(plan, "NCCL_IB_HCA"), "=rocep1s0f1:1,roceP2p1s0f1:1");  // as NVIDIA's playbook lists them
    EXPECT_EQ(value(plan, "NCCL_IB_GID_INDEX"), "<unset>");
    EXPECT_EQ(value(plan, "NCCL_IB_ADDR_RANGE"), "<unset>");
    EXPECT_EQ(value(plan, "NCCL_SOCKET_IFNAME"), "=enp1s0f1np1");
    EXPECT_EQ(value(plan, "SPARKFABRIC_FABRIC_ADDR"), "169.254.35.62");
    EXPECT_EQ(value(plan, "SPARKFABRIC_STATUS"), "ok");
    const Finding* twin = finding(plan.findings, "unaddressed-twin");
    ASSERT_NE(twin, nullptr);
    EXPECT_EQ(twin->severity, Severity::info);
    EXPECT_EQ(twin->subject, "roceP2p1s0f1");
    EXPECT_NE(twin->message.find("GID 0 (fe80:"), std::string::npos) << twin->message;
    EXPECT_NE(twin->fix.find("enP2p1s0f1np1"), std::string::npos);
    expect_runnable(plan);

    SiteConfig exclude;
    exclude.include_unaddressed_twins = false;
    const Plan old = fixture_plan("nvidia-link-local", job_on(2), exclude);
    EXPECT_EQ(value(old, "NCCL_IB_HCA"), "=rocep1s0f1:1");
    EXPECT_NE(finding(old.findings, "twin-without-ipv4"), nullptr);
}

TEST(Shapes, SwitchAtFourAndEightNodesWithTwinsOnOneOrTwoSubnets) {
    for (const std::string fixture : {"switch-one-subnet", "cage1"}) {
        for (int nodes : {4, 8}) {
            const NodeFacts facts = discover_fixture(fixture);
            JobShape job;
            job.nodes = nodes;
            const Plan plan = make_plan(facts, {}, job);
            EXPECT_EQ(plan.topology, Topology::switched) << fixture << " " << nodes;
            EXPECT_EQ(value(plan, "NCCL_IB_HCA"), "=rocep1s0f1:1,roceP2p1s0f1:1");
            EXPECT_EQ(value(plan, "NCCL_IB_GID_INDEX"), "3");
            EXPECT_EQ(value(plan, "NCCL_ALGO"), "<unset>");  // never Tree: broadcast would have no algorithm
            EXPECT_EQ(value(plan, "GLOO_SOCKET_IFNAME"), "enp1s0f1np1");
            EXPECT_EQ(value(plan, "SPARKFABRIC_BOOTSTRAP_ADDR"), value(plan, "SPARKFABRIC_FABRIC_ADDR"));
            expect_no_ring_variables(plan);
            expect_runnable(plan);
            // NVIDIA's switch layout is documented: strict mode must not fail because of it.
            const auto checks = run_checks(facts, {}, plan);
            for (const auto& item : checks) {
                if (item.code != "memlock-limited") {
                    EXPECT_EQ(item.severity, Severity::info) << format_finding(item);
                }
            }
            if (fixture == "switch-one-subnet") {
                EXPECT_NE(finding(checks, "twins-same-subnet"), nullptr);
            }
        }
    }
}

struct RingNode {
    std::string fixture;
    int nodes;
    std::string fabric_address;  // this node's port-0 address
};

TEST(Shapes, RingsRouteBySubnetAndBootstrapOnTheManagementNic) {
    const std::vector<RingNode> ring_nodes{{"ring3-node1", 3, "192.168.0.1"}, {"ring3-node2", 3, "192.168.2.1"},
                                           {"ring3-node3", 3, "192.168.1.3"}, {"ring4-node1", 4, "10.10.1.1"},
                                           {"ring4-node2", 4, "10.10.2.1"},   {"ring4-node3", 4, "10.10.3.1"},
                                           {"ring4-node4", 4, "10.10.4.1"}};
    for (const auto& node : ring_nodes) {
        SCOPED_TRACE(node.fixture);
        const Plan plan = fixture_plan(node.fixture, job_on(node.nodes));
        EXPECT_EQ(plan.topology, Topology::ring);
        EXPECT_EQ(value(plan, "NCCL_IB_HCA"), "=rocep1s0f0:1,roceP2p1s0f0:1,rocep1s0f1:1,roceP2p1s0f1:1");
        EXPECT_EQ(value(plan, "NCCL_IB_GID_INDEX"), "3");
        EXPECT_EQ(value(plan, "NCCL_IB_SUBNET_AWARE_ROUTING"), "1");
        EXPECT_EQ(value(plan, "NCCL_IB_MERGE_NICS"), "0");
        EXPECT_EQ(value(plan, "NCCL_NET_PLUGIN"), "none");
        EXPECT_EQ(value(plan, "NCCL_IB_SUBNET_PREFIX_LEN"), "24");
        EXPECT_EQ(value(plan, "NCCL_ALGO"), "Ring");
        for (const char* name : {"GLOO_SOCKET_IFNAME", "TP_SOCKET_IFNAME", "OMPI_MCA_btl_tcp_if_include"}) {
            EXPECT_EQ(value(plan, name), "enP7s7") << name;
        }
        EXPECT_EQ(value(plan, "NCCL_SOCKET_IFNAME"), "=enP7s7");
        EXPECT_EQ(value(plan, "SPARKFABRIC_BOOTSTRAP_ADDR"), "10.77.0.1");
        EXPECT_EQ(value(plan, "SPARKFABRIC_FABRIC_ADDR"), node.fabric_address);
        EXPECT_EQ(value(plan, "SPARKFABRIC_STATUS"), "ok");
        EXPECT_NE(finding(plan.findings, "ring-needs-nccl-2.30.7"), nullptr);
        EXPECT_NE(plan.topology_reason.find("own link subnet"), std::string::npos) << plan.topology_reason;
        expect_runnable(plan);
    }
}

TEST(Shapes, RingSiteRuleWinsOverRingDefaultAlgo) {
    SiteConfig config;
    config.algo_rules = {{0, "^tree,pat"}};
    const Plan plan = fixture_plan("ring4-node1", job_on(4), config);
    EXPECT_EQ(value(plan, "NCCL_ALGO"), "^tree,pat");
    EXPECT_EQ(finding(plan.findings, "nccl-algo-rule-refused-on-ring"), nullptr);
}

// A site rule written for node counts (Tree for all_reduce at 4+) must not reach a ring of 4,
// where Tree connects nodes that have no cable between them: refused, with a warning naming it.
TEST(Shapes, RingRefusesASiteRuleThatEnablesTree) {
    SiteConfig config;
    config.algo_rules = {{2, "Ring"}, {0, "allreduce:tree,ring"}};
    const Plan plan = fixture_plan("ring4-node1", job_on(4), config);
    EXPECT_EQ(value(plan, "NCCL_ALGO"), "Ring");
    ASSERT_NE(plan.find("NCCL_ALGO"), nullptr);
    EXPECT_NE(plan.find("NCCL_ALGO")->reason.find("refused"), std::string::npos);
    const Finding* refused = finding(plan.findings, "nccl-algo-rule-refused-on-ring");
    ASSERT_NE(refused, nullptr);
    EXPECT_EQ(refused->severity, Severity::warning);
    EXPECT_NE(refused->message.find("{algo: allreduce:tree,ring}"), std::string::npos) << refused->message;
    EXPECT_NE(refused->message.find("allreduce (Tree)"), std::string::npos) << refused->message;
    EXPECT_FALSE(refused->fix.empty());
    // The same rule on a switch is the site's choice, and on a 3-node ring every node is a neighbour.
    EXPECT_EQ(value(fixture_plan("cage1", job_on(4), config), "NCCL_ALGO"), "allreduce:tree,ring");
    const Plan triangle = fixture_plan("ring3-node1", job_on(3), config);
    EXPECT_EQ(value(triangle, "NCCL_ALGO"), "allreduce:tree,ring");
    EXPECT_EQ(finding(triangle.findings, "nccl-algo-rule-refused-on-ring"), nullptr);
    // PAT (all_gather, reduce_scatter) also talks to non-neighbours.
    config.algo_rules = {{0, "allreduce:ring;broadcast:ring"}};
    EXPECT_EQ(value(fixture_plan("ring4-node1", job_on(4), config), "NCCL_ALGO"), "Ring");
}

TEST(Shapes, RingWarnsWhenTheUsersAlgoEnablesTree) {
    JobShape job;
    job.nodes = 4;
    job.user_env["NCCL_ALGO"] = "Tree,Ring";
    const Plan plan = fixture_plan("ring4-node1", job);
    EXPECT_EQ(value(plan, "NCCL_ALGO"), "Tree,Ring");  // the user's value is kept
    const Finding* warning = finding(plan.findings, "nccl-algo-beyond-ring");
    ASSERT_NE(warning, nullptr);
    EXPECT_EQ(warning->severity, Severity::warning);
}

TEST(Shapes, RingNodeWithALinkDownIsFoundWhenTheSiteSaysRing) {
    const Plan guessed = fixture_plan("ring3-node1-link-down", job_on(3));
    EXPECT_EQ(guessed.topology, Topology::switched);  // one cage: auto cannot tell
    SiteConfig config;
    config.topology = Topology::ring;
    const Plan plan = fixture_plan("ring3-node1-link-down", job_on(3), config);
    EXPECT_EQ(plan.topology, Topology::ring);
    EXPECT_EQ(value(plan, "NCCL_SOCKET_IFNAME"), "=enP7s7");  // still reachable from every node
    const Finding* missing = finding(plan.findings, "ring-link-missing");
    ASSERT_NE(missing, nullptr);
    EXPECT_EQ(missing->severity, Severity::warning);
    EXPECT_EQ(value(plan, "SPARKFABRIC_STATUS"), "degraded");
}

TEST(Shapes, StorageLanOnTheOtherCageWarnsUntilTheSiteListsSubnets) {
    const Plan mixed = fixture_plan("direct-storage", job_on(2));
    EXPECT_NE(mixed.topology, Topology::ring);
    const Finding* warning = finding(mixed.findings, "cages-on-different-subnets");
    ASSERT_NE(warning, nullptr);
    EXPECT_NE(warning->subject.find("192.168.0.0/24"), std::string::npos) << warning->subject;
    EXPECT_NE(warning->subject.find("192.168.100.0/24"), std::string::npos) << warning->subject;
    EXPECT_NE(warning->fix.find("subnets"), std::string::npos);

    SiteConfig config;
    config.subnets = {"192.168.100.0/24", "192.168.101.0/24"};
    const Plan plan = fixture_plan("direct-storage", job_on(2), config);
    EXPECT_EQ(value(plan, "NCCL_IB_HCA"), "=mlx5_0:1,mlx5_2:1");  // cage 0 only, kernel names
    EXPECT_EQ(value(plan, "NCCL_SOCKET_IFNAME"), "=enp1s0f0np0,enP2p1s0f0np0");
    EXPECT_EQ(finding(plan.findings, "cages-on-different-subnets"), nullptr);
    EXPECT_EQ(value(plan, "SPARKFABRIC_STATUS"), "ok");
    EXPECT_NE(value(plan, "SPARKFABRIC_INTERFACES").find("enp1s0f0np0"), std::string::npos);
    expect_runnable(plan);

    config.subnets = {"10.99.0.0/16"};
    const Plan none = fixture_plan("direct-storage", job_on(2), config);
    EXPECT_FALSE(none.fabric_found);
    ASSERT_NE(finding(none.findings, "no-interface-in-subnets"), nullptr);
}

TEST(Shapes, GidIndexDifferingBetweenTwinsLetsNcclPickPerHca) {
    const Plan plan = fixture_plan("gid-hole", job_on(2));
    EXPECT_EQ(value(plan, "NCCL_IB_GID_INDEX"), "<unset>");
    EXPECT_EQ(value(plan, "NCCL_IB_ADDR_FAMILY"), "AF_INET");
    EXPECT_EQ(value(plan, "NCCL_IB_ADDR_RANGE"), "192.168.200.0/23");
}

TEST(Shapes, BootstrapFallsBackToTheOneManagementNicWithoutRoutes) {
    NodeFacts facts = discover_fixture("ring3-node1");
    facts.routes_known = false;  // a facts file written before routes were recorded
    facts.default_route_interfaces.clear();
    JobShape job;
    job.nodes = 3;
    EXPECT_EQ(make_plan(facts, {}, job).bootstrap_interface, "enP7s7");

    // Two candidates and no routes: refuse to guess, say which key settles it.
    NetDevice wifi;
    wifi.name = "wlP9s9";
    wifi.carrier = true;
    wifi.ipv4 = {{"10.88.0.5", 24}};
    facts.netdevs.push_back(wifi);
    const Plan ambiguous = make_plan(facts, {}, job);
    EXPECT_FALSE(ambiguous.fabric_found);
    const Finding* missing = finding(ambiguous.findings, "no-bootstrap-interface");
    ASSERT_NE(missing, nullptr);
    EXPECT_NE(missing->fix.find("bootstrap_interface"), std::string::npos);

    SiteConfig config;
    config.bootstrap_interface = "wlP9s9";
    EXPECT_EQ(value(make_plan(facts, config, job), "GLOO_SOCKET_IFNAME"), "wlP9s9");
}

TEST(Shapes, SiteBootstrapInterfaceAppliesOnAPairToo) {
    SiteConfig config;
    config.bootstrap_interface = "enP7s7";
    const Plan plan = fixture_plan("cage1", job_on(2), config);
    EXPECT_EQ(value(plan, "NCCL_SOCKET_IFNAME"), "=enP7s7");
    EXPECT_EQ(value(plan, "NCCL_IB_HCA"), "=rocep1s0f1:1,roceP2p1s0f1:1");  // data still on the fabric
    EXPECT_EQ(value(plan, "SPARKFABRIC_BOOTSTRAP_ADDR"), "10.77.0.1");
    config.bootstrap_interface = "eth9";
    const Plan missing = fixture_plan("cage1", job_on(2), config);
    EXPECT_NE(finding(missing.findings, "bootstrap-interface-unusable"), nullptr);
}

TEST(Shapes, DegradedLinksAreWarnedWithTheirFix) {
    const NodeFacts facts = discover_fixture("link-degraded");
    const Plan plan = make_plan(facts, {}, {});
    const auto checks = run_checks(facts, {}, plan);
    const Finding* speed = finding(checks, "link-speed-low");
    ASSERT_NE(speed, nullptr);
    EXPECT_NE(speed->message.find("100000 Mb/s"), std::string::npos);
    EXPECT_NE(speed->fix.find("speed 200000"), std::string::npos);
    const Finding* width = finding(checks, "pcie-link-narrow");
    ASSERT_NE(width, nullptr);
    EXPECT_EQ(width->subject, "enP2p1s0f1np1");
    EXPECT_NE(width->message.find("x2"), std::string::npos);
    const auto healthy = run_checks(discover_fixture("cage1"), {}, fixture_plan("cage1", job_on(2)));
    EXPECT_EQ(finding(healthy, "link-speed-low"), nullptr);
    EXPECT_EQ(finding(healthy, "pcie-link-narrow"), nullptr);
}

}  // namespace
}  // namespace sparkfabric
