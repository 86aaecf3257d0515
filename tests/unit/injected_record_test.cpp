// The record of what the plugin injected, and how a later step reads it: values equal to the
// record are planned afresh, values that differ are the user's, stale ones are removed.
#include <gtest/gtest.h>

#include <fstream>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "fabric/discovery/gpu_cache.hpp"
#include "fabric/discovery/task_limits.hpp"
#include "fabric/plan/injected_record.hpp"
#include "fabric/plan/step_plan.hpp"
#include "test_support.hpp"

namespace sparkfabric {
namespace {

StepRequest request_for(const std::string& fixture) { return testing::fixture_step_request(fixture, "off"); }

const PlannedVariable* set_by(const StepOutcome& outcome, const std::string& name) {
    for (const auto& variable : outcome.to_set) {
        if (variable.name == name) return &variable;
    }
    return nullptr;
}

bool unsets(const StepOutcome& outcome, const std::string& name) {
    return std::find(outcome.to_unset.begin(), outcome.to_unset.end(), name) != outcome.to_unset.end();
}

// The environment a later step inherits: what `outcome` injected on top of `before`.
std::map<std::string, std::string> inherit(std::map<std::string, std::string> before, const StepOutcome& outcome) {
    for (const auto& name : outcome.to_unset) before.erase(name);
    for (const auto& variable : outcome.to_set) before[variable.name] = variable.value;
    return before;
}

TEST(InjectedRecord, RoundTripsValuesWithSpacesPercentAndCommas) {
    const std::vector<PlannedVariable> injected{{"NCCL_IB_HCA", "=a:1,b:1", "", false},
                                                {"X_ODD", "50% of a b", "", false},
                                                {"EMPTY", "", "", false}};
    const auto record = decode_injected_record(encode_injected_record(injected));
    ASSERT_EQ(record.size(), 3u);
    EXPECT_EQ(record.at("NCCL_IB_HCA"), "=a:1,b:1");
    EXPECT_EQ(record.at("X_ODD"), "50% of a b");
    EXPECT_EQ(record.at("EMPTY"), "");
}

TEST(InjectedRecord, MalformedEntriesAreSkipped) {
    const auto record =
        decode_injected_record("GOOD=1 bad-name=2 NOEQUALS BROKEN=%4 HALF=%zz OK=a%20b SPARKFABRIC_INJECTED=x");
    EXPECT_EQ(record.size(), 2u);
    EXPECT_EQ(record.at("GOOD"), "1");
    EXPECT_EQ(record.at("OK"), "a b");
}

TEST(InjectedRecord, BatchValuesAreReplannedInALaterStep) {
    // A site rule that tells node counts apart, so the batch step and a smaller step differ.
    const std::string site = ::testing::TempDir() + "/algo-by-nodes.yaml";
    std::ofstream(site) << "nccl:\n  algo:\n    - {max_nodes: 2, algo: Ring}\n    - {algo: \"allreduce:tree,ring\"}\n";
    StepRequest batch = request_for("cage1");
    batch.config_path = site;
    batch.nodes = 10;
    const StepOutcome first = plan_step(batch);
    ASSERT_NE(set_by(first, "NCCL_ALGO"), nullptr) << first.failure;
    EXPECT_EQ(set_by(first, "NCCL_ALGO")->value, "allreduce:tree,ring");
    EXPECT_EQ(set_by(first, "SPARKFABRIC_TOPOLOGY")->value, "switch");
    ASSERT_NE(set_by(first, kInjectedRecordName), nullptr);

    StepRequest step = request_for("cage1");
    step.config_path = site;
    step.nodes = 2;
    step.user_env = inherit({}, first);
    const StepOutcome second = plan_step(step);
    ASSERT_NE(set_by(second, "NCCL_ALGO"), nullptr) << "the batch step's rule must not look like the user's";
    EXPECT_EQ(set_by(second, "NCCL_ALGO")->value, "Ring");
    EXPECT_EQ(set_by(second, "SPARKFABRIC_TOPOLOGY")->value, "pair");
}

TEST(InjectedRecord, AnExportBetweenStepsIsTheUsers) {
    StepRequest batch = request_for("cage1");
    const StepOutcome first = plan_step(batch);
    StepRequest step = request_for("cage1");
    step.user_env = inherit({}, first);
    step.user_env["NCCL_IB_TIMEOUT"] = "18";  // the script exported it after the batch step began
    const StepOutcome second = plan_step(step);
    EXPECT_EQ(set_by(second, "NCCL_IB_TIMEOUT"), nullptr);
    EXPECT_FALSE(unsets(second, "NCCL_IB_TIMEOUT"));
    EXPECT_TRUE(second.plan.find("NCCL_IB_TIMEOUT")->user_value_kept);
}

TEST(InjectedRecord, StaleValuesAreRemovedWhenTheNewPlanDoesNotSetThem) {
    const StepOutcome first = plan_step(request_for("cage1"));
    StepRequest off = request_for("cage1");
    off.fabric_option = "off";
    off.user_env = inherit({}, first);
    off.user_env["NCCL_DEBUG"] = "INFO";  // never ours: untouched
    const StepOutcome second = plan_step(off);
    EXPECT_TRUE(unsets(second, "NCCL_SOCKET_IFNAME"));
    EXPECT_TRUE(unsets(second, "NCCL_IB_HCA"));
    EXPECT_TRUE(unsets(second, "SPARKFABRIC_FABRIC_ADDR"));
    EXPECT_FALSE(unsets(second, "NCCL_DEBUG"));
    ASSERT_NE(set_by(second, "SPARKFABRIC_STATUS"), nullptr);
    EXPECT_EQ(set_by(second, "SPARKFABRIC_STATUS")->value, "off");
}

TEST(InjectedRecord, AUserValueEqualToThePlansStaysTheUsers) {
    // The user submitted with the value the plan would set anyway: it is still theirs, so the
    // record must not claim it and a later --fabric=off step must not remove it.
    StepRequest batch = request_for("cage1");
    batch.user_env["GLOO_SOCKET_IFNAME"] = "enp1s0f1np1";
    const StepOutcome first = plan_step(batch);
    ASSERT_NE(set_by(first, kInjectedRecordName), nullptr);
    EXPECT_EQ(decode_injected_record(set_by(first, kInjectedRecordName)->value).count("GLOO_SOCKET_IFNAME"), 0u);
    EXPECT_TRUE(first.plan.find("GLOO_SOCKET_IFNAME")->user_value_kept);
    StepRequest off = request_for("cage1");
    off.fabric_option = "off";
    off.user_env = inherit(batch.user_env, first);
    const StepOutcome second = plan_step(off);
    EXPECT_FALSE(unsets(second, "GLOO_SOCKET_IFNAME"));
    EXPECT_TRUE(unsets(second, "TP_SOCKET_IFNAME"));  // injected: ours, removed
}

TEST(InjectedRecord, AValueTheUserChangedIsNotRemoved) {
    const StepOutcome first = plan_step(request_for("cage1"));
    StepRequest off = request_for("cage1");
    off.fabric_option = "off";
    off.user_env = inherit({}, first);
    off.user_env["NCCL_SOCKET_IFNAME"] = "eth7";
    const StepOutcome second = plan_step(off);
    EXPECT_FALSE(unsets(second, "NCCL_SOCKET_IFNAME"));
}

TEST(InjectedRecord, ARecordCannotRemoveVariablesThePluginNeverSets) {
    StepRequest off = request_for("cage1");
    off.fabric_option = "off";
    off.user_env = {{"LD_PRELOAD", "x.so"}, {"SLURM_JOB_ID", "7"}, {"NCCL_DEBUG", "INFO"},
                    {kInjectedRecordName, "LD_PRELOAD=x.so SLURM_JOB_ID=7 NCCL_DEBUG=INFO"}};
    const StepOutcome outcome = plan_step(off);
    EXPECT_FALSE(unsets(outcome, "LD_PRELOAD"));
    EXPECT_FALSE(unsets(outcome, "SLURM_JOB_ID"));
    EXPECT_TRUE(unsets(outcome, "NCCL_DEBUG"));  // an extra_env-style variable an earlier step set
}

TEST(InjectedRecord, FabricOffReadsNeitherConfigNorSysfs) {
    StepRequest off;
    off.fabric_option = "off";
    off.config_path = "/nonexistent/site.yaml";
    off.config_explicit = true;  // would be an error if it were read
    off.sysfs_root = "/nonexistent/sys";
    const StepOutcome outcome = plan_step(off);
    EXPECT_TRUE(outcome.failure.empty()) << outcome.failure;
    EXPECT_EQ(outcome.plan.find("SPARKFABRIC_STATUS")->value, "off");
}

TEST(InjectedRecord, ExtraEnvRespectsTheUsersValue) {
    StepRequest request = request_for("cage1");
    const std::string path = "/tmp/sf-record-extra.yaml";
    FILE* file = std::fopen(path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fputs("nccl:\n  extra_env: {NCCL_BUFFSIZE: \"1048576\"}\n", file);
    std::fclose(file);
    request.config_path = path;
    request.config_explicit = true;
    request.user_env["NCCL_BUFFSIZE"] = "4194304";
    const StepOutcome outcome = plan_step(request);
    EXPECT_EQ(set_by(outcome, "NCCL_BUFFSIZE"), nullptr);
    request.user_env.clear();
    ASSERT_NE(set_by(plan_step(request), "NCCL_BUFFSIZE"), nullptr);
}

std::string write_site(const std::string& name, const std::string& text) {
    const std::string path = ::testing::TempDir() + "/sf-record-" + name + ".yaml";
    std::ofstream(path) << text;
    return path;
}

TEST(InjectedRecord, ExtraEnvOutsideThePluginsPrefixesIsReplannedPerNode) {
    // The batch node has a per-node extra_env that no NCCL_/UCX_ prefix covers; a later step on
    // another node must not take the batch node's value for the user's.
    const std::string override_here =
        "nodes:\n  " + local_hostname() + ":\n    nccl: {extra_env: {CUDA_DEVICE_MAX_CONNECTIONS: \"1\"}}\n";
    StepRequest batch = request_for("cage1");
    batch.config_path = write_site("override-here", "nccl: {extra_env: {CUDA_DEVICE_MAX_CONNECTIONS: \"32\"}}\n" + override_here);
    const StepOutcome first = plan_step(batch);
    ASSERT_NE(set_by(first, "CUDA_DEVICE_MAX_CONNECTIONS"), nullptr) << first.failure;
    EXPECT_EQ(set_by(first, "CUDA_DEVICE_MAX_CONNECTIONS")->value, "1");

    // Another node, whose config gives the site-wide value: it gets that, not the batch node's.
    StepRequest step = request_for("cage1");
    step.config_path = write_site("site-wide", "nccl: {extra_env: {CUDA_DEVICE_MAX_CONNECTIONS: \"32\"}}\n"
                                               "nodes:\n  spark-dgx-9:\n    nccl: {extra_env: {CUDA_DEVICE_MAX_CONNECTIONS: \"1\"}}\n");
    step.user_env = inherit({}, first);
    const StepOutcome second = plan_step(step);
    ASSERT_NE(set_by(second, "CUDA_DEVICE_MAX_CONNECTIONS"), nullptr) << "the batch node's value taken for the user's";
    EXPECT_EQ(set_by(second, "CUDA_DEVICE_MAX_CONNECTIONS")->value, "32");

    // A node with no such variable at all: the batch node's value is removed.
    step.config_path = write_site("other-only", "nodes:\n  spark-dgx-9:\n    nccl: {extra_env: {CUDA_DEVICE_MAX_CONNECTIONS: \"1\"}}\n");
    EXPECT_TRUE(unsets(plan_step(step), "CUDA_DEVICE_MAX_CONNECTIONS"));
}

TEST(TaskLimits, MemlockFromSlurmsPropagatedValue) {
    EXPECT_EQ(memlock_kib_from_slurm_env("65536"), 64);
    EXPECT_EQ(memlock_kib_from_slurm_env("U8388608"), 8192);
    EXPECT_EQ(memlock_kib_from_slurm_env("18446744073709551615"), -1);
    EXPECT_EQ(memlock_kib_from_slurm_env(""), std::nullopt);
    EXPECT_EQ(memlock_kib_from_slurm_env("12x"), std::nullopt);
    EXPECT_EQ(memlock_kib_from_slurm_env("99999999999999999999999"), std::nullopt);
}

TEST(TaskLimits, TheTasksLimitDecidesTheMemlockFinding) {
    StepRequest request = request_for("cage1");
    request.check_option = "strict";
    request.task_memlock_kib = -1;
    EXPECT_EQ(plan_step(request).failure.find("locked-memory"), std::string::npos);
    request.task_memlock_kib = 64;
    EXPECT_NE(plan_step(request).failure.find("locked-memory limit is 64 KiB"), std::string::npos);
}

}  // namespace
}  // namespace sparkfabric

namespace sparkfabric {
namespace {

TEST(GpuCacheTrust, AnUntrustedCacheIsAFindingAndNotUsed) {
    // In a directory of its own: a cache in one others can write (/tmp) is refused for that alone.
    const std::string cache_dir = "/tmp/sf-untrusted-gpu-" + std::to_string(getpid());
    mkdir(cache_dir.c_str(), 0755);
    const std::string cache_path = cache_dir + "/gpu.json";
    write_gpu_cache(cache_path, GpuCache{13000, "t", {{0, "NVIDIA GB10", "000F:01:00.0", true, true, false}}});
    chmod(cache_path.c_str(), 0666);
    const std::string config_path = "/tmp/sf-gpu-trust.yaml";
    FILE* file = std::fopen(config_path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fprintf(file, "gpu:\n  cache: %s\n", cache_path.c_str());
    std::fclose(file);
    chmod(config_path.c_str(), 0644);

    StepRequest request = request_for("cage1");
    request.config_path = config_path;
    request.config_explicit = true;
    request.require_trusted_config = geteuid() == 0;  // a root-owned config; the cache is what fails
    request.check_option = "warn";
    if (geteuid() != 0) GTEST_SKIP() << "needs root to own the files the trust rules accept";
    StepOutcome outcome = plan_step(request);
    EXPECT_EQ(outcome.plan.mode, NcclMode::safe);
    bool said = false;
    for (const auto& line : outcome.messages) said |= line.find("writable by group or others") != std::string::npos;
    EXPECT_TRUE(said) << "the refusal must reach the job's stderr";
    chmod(cache_path.c_str(), 0644);
    outcome = plan_step(request);
    EXPECT_EQ(outcome.plan.mode, NcclMode::dmabuf) << outcome.plan.mode_reason;
}

TEST(GpuCacheTrust, AGarbledCacheIsAFinding) {
    const std::string cache_path = "/tmp/sf-garbled-gpu.json";
    FILE* cache = std::fopen(cache_path.c_str(), "w");
    ASSERT_NE(cache, nullptr);
    std::fputs("{not json", cache);
    std::fclose(cache);
    const std::string config_path = "/tmp/sf-gpu-garbled.yaml";
    FILE* file = std::fopen(config_path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    std::fprintf(file, "gpu:\n  cache: %s\n", cache_path.c_str());
    std::fclose(file);
    StepRequest request = request_for("cage1");
    request.config_path = config_path;
    request.config_explicit = true;
    request.check_option = "warn";
    const StepOutcome outcome = plan_step(request);
    bool said = false;
    for (const auto& line : outcome.messages) said |= line.find("not a GPU cache") != std::string::npos;
    EXPECT_TRUE(said);
}

}  // namespace
}  // namespace sparkfabric
