// Facts files: the round trip that lets a plan be made from a file captured on a real Spark.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fabric/discovery/gpu_cache.hpp"
#include "fabric/facts/facts_json.hpp"
#include "fabric/plan/plan.hpp"
#include "test_support.hpp"

namespace sparkfabric {
namespace {

TEST(FactsJson, RoundTripIsExactForEveryFixture) {
    for (const char* fixture : {"cage0", "cage1", "two-cables", "kernel-names", "gid-hole", "twin-no-ipv4",
                                "links-down", "mtu1500", "no-connectx", "mgmt-only"}) {
        NodeFacts facts = testing::discover_fixture(fixture);
        facts.gpu_cache = GpuCache{13000, "2026-11-21T00:00:00Z", {{0, "NVIDIA GB10", "000F:01:00.0", true, false, false}}};
        const NodeFacts back = facts_from_json(facts_to_json(facts), fixture);
        EXPECT_EQ(back, facts) << fixture;
    }
}

TEST(FactsJson, PlanFromFileEqualsPlanFromTree) {
    const NodeFacts facts = testing::discover_fixture("gid-hole");
    const NodeFacts back = facts_from_json(facts_to_json(facts), "gid-hole.json");
    const Plan a = make_plan(facts, {}, {});
    const Plan b = make_plan(back, {}, {});
    EXPECT_EQ(a.variables, b.variables);
    EXPECT_EQ(a.findings, b.findings);
}

TEST(FactsJson, CheckedInSparkCaptureLoads) {
    const NodeFacts facts = load_facts_file(testing::fixture_file("facts/spark-two-node-a.json"));
    EXPECT_EQ(facts.hostname, "spark-a");
    ASSERT_EQ(facts.cages.size(), 2u);  // derived from PCI addresses, not read from the file
    const Plan plan = make_plan(facts, {}, {});
    EXPECT_EQ(plan.find("NCCL_IB_HCA")->value, "=rocep1s0f1:1,roceP2p1s0f1:1");
}

TEST(FactsJson, BadFilesGiveClearErrors) {
    auto error_of = [](const std::string& text) {
        try {
            facts_from_json(text, "x.json");
        } catch (const std::runtime_error& error) {
            return std::string(error.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(error_of("{").find("x.json: not a facts file"), std::string::npos);
    EXPECT_NE(error_of("[]").find("top level must be an object"), std::string::npos);
    EXPECT_NE(error_of(R"({"format": 2})").find("unknown format"), std::string::npos);
    EXPECT_NE(error_of(R"({"format": 1, "netdevs": [{"name": 5}]})").find("not a facts file"), std::string::npos);
    EXPECT_NE(error_of(R"({"format": 1, "netdevs": [{"name": "eth0;reboot"}]})").find("interface name"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"format": 1, "rdma_devices": [{"name": "../../etc"}]})").find("RDMA device name"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"format": 1, "netdevs": [{"name": "e0", "ipv4": [{"address": "1.2.3", "prefix_length": 8}]}]})")
                  .find("address of e0"),
              std::string::npos);
    EXPECT_THROW(load_facts_file("/nonexistent.json"), std::runtime_error);
}

TEST(GpuCache, WriteReadRoundTripAndErrors) {
    // In a directory of its own: the cache is never written where others can write (/tmp).
    const std::string dir = "/tmp/sf-gpu-cache-test-" + std::to_string(getpid());
    mkdir(dir.c_str(), 0755);
    const std::string path = dir + "/gpu.json";
    const GpuCache cache{13000, "2026-11-21T10:00:00Z", {{0, "NVIDIA H200", "0000:18:00.0", false, true, true}}};
    write_gpu_cache(path, cache);
    std::string error;
    const auto back = read_gpu_cache(path, error);
    ASSERT_TRUE(back) << error;
    EXPECT_EQ(*back, cache);
    EXPECT_FALSE(read_gpu_cache("/nonexistent/gpu.json", error));
    EXPECT_TRUE(error.empty());  // a missing cache is normal
    EXPECT_THROW(gpu_cache_from_json("{\"gpus\": 3}", "c.json"), std::runtime_error);
    std::remove(path.c_str());
}

}  // namespace
}  // namespace sparkfabric
