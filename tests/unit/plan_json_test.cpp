// The one JSON form of a plan and its findings (fabric/plan/plan_json): what `spark-fabric env
// --format json` prints is what the survey's node reports carry and read back, every field.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fabric/plan/plan_json.hpp"
#include "fabric/plan/plan_report.hpp"

namespace sparkfabric {
namespace {

Plan full_plan() {
    Plan plan;
    plan.fabric_found = true;
    plan.interfaces = {"enp1s0f1np1", "enP2p1s0f1np1"};
    plan.hcas = {"rocep1s0f1:1", "roceP2p1s0f1:1"};
    plan.fabric_address = "192.168.100.1";
    plan.topology = Topology::ring;
    plan.topology_reason = "site config: ring";
    plan.bootstrap_interface = "enp1s0f1np1";
    plan.bootstrap_address = "192.168.100.1";
    plan.mode = NcclMode::dmabuf;
    plan.mode_reason = "nvidia-peermem not needed: dma-buf";
    plan.variables = {{"NCCL_SOCKET_IFNAME", "=enp1s0f1np1", "the fabric", false},
                      {"NCCL_IB_GID_INDEX", "3", "the user's", true}};
    plan.findings = {{Severity::warning, "mtu-mismatch", "enp1s0f1np1", "MTU 1500", "ip link set ... mtu 9000"}};
    return plan;
}

TEST(PlanJson, EveryFieldSurvivesTheRoundTrip) {
    const Plan plan = full_plan();
    const Plan back = nlohmann::json(plan).get<Plan>();
    EXPECT_EQ(back.interfaces, plan.interfaces);
    EXPECT_EQ(back.hcas, plan.hcas);
    EXPECT_EQ(back.topology, Topology::ring);
    EXPECT_EQ(back.topology_reason, plan.topology_reason);
    EXPECT_EQ(back.mode, NcclMode::dmabuf);  // the survey's own form used to drop the mode and the reasons
    EXPECT_EQ(back.mode_reason, plan.mode_reason);
    EXPECT_EQ(back.bootstrap_address, plan.bootstrap_address);
    EXPECT_EQ(back.variables, plan.variables);
    EXPECT_EQ(back.findings, plan.findings);
}

TEST(PlanJson, TheCliDocumentIsTheSameFormWithTheNode) {
    const auto document = nlohmann::json::parse(plan_to_json(full_plan(), "spark-1"));
    EXPECT_EQ(document.at("node"), "spark-1");
    EXPECT_EQ(document.at("findings")[0].at("severity"), "warning");  // by name, never the enum's number
    EXPECT_EQ(document.at("mode"), "dmabuf");
    EXPECT_EQ(document.get<Plan>().variables, full_plan().variables);
}

TEST(PlanJson, BadNamesAreRefusedNotGuessed) {
    nlohmann::json document = full_plan();
    document["topology"] = "mesh";
    EXPECT_EQ(document.get<Plan>().topology, Topology::ring);
    document["topology"] = "torus";
    EXPECT_THROW(document.get<Plan>(), std::runtime_error);
    document = full_plan();
    document["mode"] = "fast";
    EXPECT_THROW(document.get<Plan>(), std::runtime_error);
    document = full_plan();
    document["findings"][0]["severity"] = 1;
    EXPECT_THROW(document.get<Plan>(), nlohmann::json::exception);
    document["findings"][0]["severity"] = "fatal";
    EXPECT_THROW(document.get<Plan>(), std::runtime_error);
    document = full_plan();
    document.erase("mode_reason");
    EXPECT_THROW(document.get<Plan>(), nlohmann::json::exception);
}

}  // namespace
}  // namespace sparkfabric
