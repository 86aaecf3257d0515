// What the plugin does per step, without Slurm: options, config handling, strict/warn/off.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "fabric/common/env_lookup.hpp"
#include "fabric/discovery/discovery.hpp"
#include "fabric/plan/step_plan.hpp"
#include "test_support.hpp"

namespace sparkfabric {
namespace {

StepRequest request_for(const std::string& fixture) { return testing::fixture_step_request(fixture, "warn"); }

bool sets(const StepOutcome& outcome, const std::string& name, const std::string& value) {
    for (const auto& variable : outcome.to_set) {
        if (variable.name == name) return variable.value == value;
    }
    return false;
}

// A file per test (its name in the path): ctest runs each test as its own process, in parallel
// under -j, and UntrustedConfigIsRefused makes its file writable by others.
std::string write_config(const std::string& text) {
    const std::string path =
        std::string("/tmp/sf-step-config-") + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".yaml";
    std::ofstream(path) << text;
    chmod(path.c_str(), 0644);
    return path;
}

TEST(StepPlan, HealthyNodeIsInjectedSilently) {
    // RDMA wants unlimited locked memory, as slurmd has on a real site (LimitMEMLOCK=infinity).
    // Where this test may not raise it (a sandbox), the memlock warning must be the only problem.
    rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
    const bool memlock_unlimited = setrlimit(RLIMIT_MEMLOCK, &unlimited) == 0;
    StepRequest request = request_for("cage1");
    request.nodes = 2;
    request.check_option = "strict";
    const StepOutcome outcome = plan_step(request);
    if (memlock_unlimited) {
        EXPECT_TRUE(outcome.failure.empty()) << outcome.failure;
    } else {
        EXPECT_NE(outcome.failure.find("locked-memory limit"), std::string::npos) << outcome.failure;
        EXPECT_EQ(std::count(outcome.failure.begin(), outcome.failure.end(), '\n'), 1) << outcome.failure;
        request.check_option = "warn";
    }
    const StepOutcome warned = plan_step(request);
    EXPECT_TRUE(warned.failure.empty());
    EXPECT_TRUE(sets(warned, "NCCL_IB_HCA", "=rocep1s0f1:1,roceP2p1s0f1:1"));
    EXPECT_TRUE(sets(warned, "SPARKFABRIC_TOPOLOGY", "pair"));
    if (memlock_unlimited) {
        EXPECT_TRUE(warned.messages.empty());
    }
}

TEST(StepPlan, UserValueIsNotOverwritten) {
    StepRequest request = request_for("cage1");
    request.user_env["NCCL_SOCKET_IFNAME"] = "eth0";
    const StepOutcome outcome = plan_step(request);
    for (const auto& variable : outcome.to_set) EXPECT_NE(variable.name, "NCCL_SOCKET_IFNAME");
}

TEST(StepPlan, StrictFailsOnLinkDownNamingNodeInterfaceAndFix) {
    StepRequest request = request_for("links-down");
    request.check_option = "strict";
    const StepOutcome outcome = plan_step(request);
    ASSERT_FALSE(outcome.failure.empty());
    EXPECT_NE(outcome.failure.find(outcome.node), std::string::npos);
    EXPECT_NE(outcome.failure.find("enp1s0f1np1: fabric link is down"), std::string::npos) << outcome.failure;
    EXPECT_NE(outcome.failure.find("fix: "), std::string::npos);
}

// The plugin judges the node's own NCCL configuration and kernel as `check` does: under strict,
// an /etc/nccl.conf that fights the plan, or CMA the kernel does not count, fails the job.
TEST(StepPlan, StrictFailsOnTheHostsNcclConfAndOnUncountedCma) {
    StepRequest request = request_for("stale-nccl-conf");
    request.check_option = "strict";
    request.task_memlock_kib = -1;
    const StepOutcome stale = plan_step(request);
    EXPECT_NE(stale.failure.find("/etc/nccl.conf:2: sets NCCL_SOCKET_IFNAME=enp1s0f0np0"), std::string::npos)
        << stale.failure;
    EXPECT_NE(stale.failure.find("/etc/nccl.conf:4: sets NCCL_IB_USE_INLINE=1"), std::string::npos) << stale.failure;
    request = request_for("kho-cma");
    request.check_option = "strict";
    request.task_memlock_kib = -1;
    const StepOutcome cma = plan_step(request);
    EXPECT_NE(cma.failure.find("/proc/meminfo: CmaTotal 0 kB but CmaFree 9748480 kB"), std::string::npos) << cma.failure;
    EXPECT_NE(cma.failure.find("kho=off"), std::string::npos);
}

TEST(StepPlan, WarnReportsAndRuns) {
    const StepOutcome outcome = plan_step(request_for("mtu1500"));
    EXPECT_TRUE(outcome.failure.empty());
    bool mtu = false;
    for (const auto& line : outcome.messages) {
        EXPECT_EQ(line.find("info: "), std::string::npos) << "info is not worth a line at launch: " << line;
        mtu |= line.find("warning: " + outcome.node + ": enp1s0f1np1: MTU 1500") != std::string::npos;
    }
    EXPECT_TRUE(mtu);
    EXPECT_TRUE(sets(outcome, "NCCL_IB_HCA", "=rocep1s0f1:1,roceP2p1s0f1:1"));
}

TEST(StepPlan, OffIsSilentEvenWhenBroken) {
    StepRequest request = request_for("links-down");
    request.check_option = "off";
    const StepOutcome outcome = plan_step(request);
    EXPECT_TRUE(outcome.failure.empty());
    EXPECT_TRUE(outcome.messages.empty());
}

TEST(StepPlan, SiteDefaultCheckLevelAppliesWhenTheUserSaysNothing) {
    StepRequest request = request_for("links-down");
    request.check_option.clear();
    request.config_path = write_config("check: {level: strict}\n");
    request.config_explicit = true;
    EXPECT_FALSE(plan_step(request).failure.empty());
    request.check_option = "warn";  // the user's choice wins
    EXPECT_TRUE(plan_step(request).failure.empty());
}

TEST(StepPlan, ExplainListsEveryValueWithItsReason) {
    StepRequest request = request_for("cage1");
    request.explain = true;
    const StepOutcome outcome = plan_step(request);
    bool hca = false;
    for (const auto& line : outcome.messages) {
        if (line.find("NCCL_IB_HCA==rocep1s0f1:1,roceP2p1s0f1:1  <- both twins") != std::string::npos) hca = true;
    }
    EXPECT_TRUE(hca);
}

TEST(StepPlan, BrokenOrMissingConfigFailsTheStepWithOneClearError) {
    StepRequest request = request_for("cage1");
    request.config_path = write_config("nccl:\n  mode: turbo\n");
    request.config_explicit = true;
    StepOutcome outcome = plan_step(request);
    EXPECT_NE(outcome.failure.find(request.config_path + ":2: key 'nccl.mode'"), std::string::npos) << outcome.failure;
    EXPECT_NE(outcome.failure.find("no fabric settings injected"), std::string::npos);
    EXPECT_TRUE(outcome.to_set.empty());
    request.config_path = "/nonexistent/site.yaml";
    outcome = plan_step(request);
    EXPECT_NE(outcome.failure.find("cannot read the site config"), std::string::npos);
}

TEST(StepPlan, UntrustedConfigIsRefused) {
    StepRequest request = request_for("cage1");
    request.config_path = write_config("nccl: {mode: safe}\n");
    chmod(request.config_path.c_str(), 0666);
    request.config_explicit = true;
    request.require_trusted_config = true;
    const StepOutcome outcome = plan_step(request);
    EXPECT_NE(outcome.failure.find("writable by group or others"), std::string::npos) << outcome.failure;
}

TEST(StepPlan, BadOptionValuesFailTheStep) {
    StepRequest request = request_for("cage1");
    request.fabric_option = "eth0;reboot";
    EXPECT_NE(plan_step(request).failure.find("--fabric"), std::string::npos);
}

// An environment that throws once, on `name`: an exception in the middle of planning.
EnvLookup throwing_once_on(const std::string& name, const std::map<std::string, std::string>& values,
                           const std::shared_ptr<bool>& thrown) {
    const EnvLookup lookup = lookup_in(values);
    return [=](const std::string& asked) -> std::optional<std::string> {
        if (asked == name && !*thrown) {
            *thrown = true;
            throw std::runtime_error("simulated failure");
        }
        return lookup(asked);
    };
}

TEST(StepPlan, AnInternalErrorInjectsNothingAndStillRemovesTheEarlierStepsValues) {
    // The batch node's values arrive in a later step; planning there fails half way.
    std::map<std::string, std::string> inherited;
    for (const auto& variable : plan_step(request_for("cage1")).to_set) inherited[variable.name] = variable.value;
    ASSERT_EQ(inherited.count("NCCL_IB_HCA"), 1u);
    StepRequest step = request_for("cage1");
    const auto thrown = std::make_shared<bool>(false);
    step.environment = throwing_once_on("NCCL_IB_HCA", inherited, thrown);
    StepOutcome outcome;
    ASSERT_NO_THROW(outcome = plan_step(step));
    EXPECT_TRUE(*thrown);
    EXPECT_TRUE(outcome.to_set.empty()) << outcome.to_set.front().name;
    for (const char* name : {"NCCL_IB_HCA", "NCCL_SOCKET_IFNAME", "SPARKFABRIC_STATUS", "SPARKFABRIC_INJECTED"}) {
        EXPECT_NE(std::find(outcome.to_unset.begin(), outcome.to_unset.end(), name), outcome.to_unset.end()) << name;
    }
    EXPECT_TRUE(outcome.failure.empty()) << "warn: the job runs uninjected";
    ASSERT_EQ(outcome.messages.size(), 1u);
    EXPECT_NE(outcome.messages[0].find("internal error: simulated failure; no fabric settings injected"),
              std::string::npos)
        << outcome.messages[0];

    *thrown = false;
    step.check_option = "strict";
    outcome = plan_step(step);
    EXPECT_NE(outcome.failure.find("internal error: simulated failure"), std::string::npos) << outcome.failure;
    EXPECT_TRUE(outcome.to_set.empty());
}

TEST(StepPlan, AnRdmaDeviceNameWithHugeNumbersAndNoPciLinkIsSkipped) {
    NodeFacts facts;
    facts.rdma_devices.push_back({"roceP99999999999p1s0f1", "", {}, {}, -1});
    facts.rdma_devices.push_back({"rocep1s0f99999999999999", "", {}, {}, -1});
    facts.netdevs.push_back({"enP2p99999999999s0f1np1", 9000, true, "up", {}, "", "", -1, 0, 0});
    std::vector<Cage> cages;
    ASSERT_NO_THROW(cages = pair_cages(facts));
    EXPECT_TRUE(cages.empty());
}

}  // namespace
}  // namespace sparkfabric
