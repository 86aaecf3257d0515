// Jobs inside containers, without Slurm: what task_init restores after pyxis has copied the
// image's environment over the job's, and how the image's NCCL is judged from inside.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "fabric/checks/nccl_runtime.hpp"
#include "fabric/common/env_lookup.hpp"
#include "fabric/plan/container_task.hpp"
#include "test_support.hpp"

namespace sparkfabric {
namespace {

namespace fs = std::filesystem;
using Env = std::map<std::string, std::string>;

// The job's environment after user_init applied the plan: `before` plus what was set.
Env after_user_init(const StepOutcome& outcome, Env env) {
    for (const auto& name : outcome.to_unset) env.erase(name);
    for (const auto& variable : outcome.to_set) env[variable.name] = variable.value;
    return env;
}

// What pyxis leaves: every variable the image defines replaces the job's (overwrite).
Env with_image(Env job, const Env& image) {
    for (const auto& [name, value] : image) job[name] = value;
    return job;
}

const Env kBakedImage{{"NCCL_SOCKET_IFNAME", "eth0"}, {"NCCL_IB_HCA", "mlx5_9"},  {"GLOO_SOCKET_IFNAME", "eth0"},
                      {"NCCL_DEBUG", "WARN"},         {"NCCL_ALGO", "Tree"},      {"SPARKFABRIC_INJECTED", "NCCL_ALGO=Tree"}};

struct Step {
    StepOutcome outcome;
    Env job;  // after user_init
    OwnedValues owned;
};

Step plan_for(const std::string& fixture, const Env& user, const std::string& fabric = "") {
    StepRequest request = testing::fixture_step_request(fixture, "warn");
    request.nodes = 2;
    request.fabric_option = fabric;
    request.user_env = user;
    Step step;
    step.outcome = plan_step(request);
    step.job = after_user_init(step.outcome, user);
    step.owned = owned_values(step.outcome, lookup_in(user));
    return step;
}

std::optional<std::string> value_after(const EnvironmentRepair& repair, const Env& env, const std::string& name) {
    for (const auto& [set, value] : repair.to_set) {
        if (set == name) return value;
    }
    for (const auto& unset : repair.to_unset) {
        if (unset == name) return std::nullopt;
    }
    const auto found = env.find(name);
    if (found == env.end()) return std::nullopt;
    return found->second;
}

TEST(ContainerEnv, ImageValuesForPlannedNamesAreReplacedByThePlan) {
    const Step step = plan_for("cage1", {});
    const Env task = with_image(step.job, kBakedImage);
    const EnvironmentRepair repair = repair_container_environment(step.owned, lookup_in(task));
    EXPECT_EQ(value_after(repair, task, "NCCL_SOCKET_IFNAME"), step.job.at("NCCL_SOCKET_IFNAME"));
    EXPECT_EQ(value_after(repair, task, "NCCL_IB_HCA"), step.job.at("NCCL_IB_HCA"));
    EXPECT_EQ(value_after(repair, task, "GLOO_SOCKET_IFNAME"), "enp1s0f1np1");
    // The plan leaves NCCL_ALGO to NCCL on a pair: the image's Tree would strand all_gather.
    EXPECT_EQ(value_after(repair, task, "NCCL_ALGO"), std::nullopt);
    // The image cannot forge the plugin's record of what it injected.
    EXPECT_EQ(value_after(repair, task, "SPARKFABRIC_INJECTED"), step.job.at("SPARKFABRIC_INJECTED"));
    // Names sparkfabric never plans are the image author's.
    EXPECT_EQ(value_after(repair, task, "NCCL_DEBUG"), "WARN");
    const Finding* replaced = testing::find_finding(repair.findings, "container-env-replaced");
    ASSERT_NE(replaced, nullptr);
    EXPECT_EQ(repair.findings.size(), 5u);
    bool named = false;
    for (const auto& finding : repair.findings) {
        if (finding.subject == "NCCL_SOCKET_IFNAME") {
            named = true;
            EXPECT_NE(finding.message.find("NCCL_SOCKET_IFNAME='eth0'"), std::string::npos) << finding.message;
            EXPECT_NE(finding.message.find("sparkfabric's plan"), std::string::npos) << finding.message;
        }
    }
    EXPECT_TRUE(named);
}

TEST(ContainerEnv, TheUsersOwnValueWinsOverTheImage) {
    const Step step = plan_for("cage1", {{"GLOO_SOCKET_IFNAME", "enp1s0f1np1x"}, {"NCCL_ALGO", "Ring"}});
    const Env task = with_image(step.job, kBakedImage);
    const EnvironmentRepair repair = repair_container_environment(step.owned, lookup_in(task));
    EXPECT_EQ(value_after(repair, task, "GLOO_SOCKET_IFNAME"), "enp1s0f1np1x");
    EXPECT_EQ(value_after(repair, task, "NCCL_ALGO"), "Ring");
    for (const auto& finding : repair.findings) {
        if (finding.subject == "GLOO_SOCKET_IFNAME") {
            EXPECT_NE(finding.message.find("your job's value"), std::string::npos);
        }
    }
}

TEST(ContainerEnv, NothingToRepairWhenTheImageSetsNothing) {
    const Step step = plan_for("cage1", {});
    const EnvironmentRepair repair = repair_container_environment(step.owned, lookup_in(step.job));
    EXPECT_TRUE(repair.to_set.empty());
    EXPECT_TRUE(repair.to_unset.empty());
    EXPECT_TRUE(repair.findings.empty());
}

TEST(ContainerEnv, FabricOffLeavesTheImagesValues) {
    const Step step = plan_for("cage1", {}, "off");
    const Env task = with_image(step.job, kBakedImage);
    const EnvironmentRepair repair = repair_container_environment(step.owned, lookup_in(task));
    EXPECT_EQ(value_after(repair, task, "NCCL_SOCKET_IFNAME"), "eth0");
    EXPECT_EQ(value_after(repair, task, "NCCL_ALGO"), "Tree");
}

TEST(ContainerEnv, AFailedStepOwnsNothing) {
    StepOutcome failed;
    failed.failure = "sparkfabric: node: config error";
    EXPECT_TRUE(owned_values(failed, lookup_in({})).empty());
}

// enroot's environment file as runtime::_do_environ leaves it: the image's /etc/environment first.
const char* kEnvironFile =
    "PATH=/usr/local/bin:/usr/bin:/bin\n"
    "NCCL_SOCKET_IFNAME=eth0\n"
    "NCCL_IB_HCA=mlx5_9\n"
    "GLOO_SOCKET_IFNAME=enp1s0f1np1\n"
    "NCCL_DEBUG=WARN\n"
    "SPARKFABRIC_IMAGE_ENV=NCCL_ALGO=forged\n";

TEST(EnrootHook, TheImagesOwnedValuesLeaveTheContainersEnvironment) {
    const Step step = plan_for("cage1", {});
    const EnrootEnvironRewrite rewrite = rewrite_enroot_environ(kEnvironFile, lookup_in(step.job));
    EXPECT_EQ(rewrite.text,
              "PATH=/usr/local/bin:/usr/bin:/bin\n"
              "GLOO_SOCKET_IFNAME=enp1s0f1np1\n"  // equal to the job's: harmless, kept
              "NCCL_DEBUG=WARN\n"
              "SPARKFABRIC_IMAGE_ENV=NCCL_SOCKET_IFNAME=eth0 NCCL_IB_HCA=mlx5_9\n");
    EXPECT_EQ(rewrite.dropped.size(), 2u);
    // What pyxis then does: the container's environment over the job's. The plan stands, and
    // task_init (pyxis first) reports what the hook took out.
    Env task = step.job;
    std::istringstream lines(rewrite.text);
    for (std::string line; std::getline(lines, line);) task[line.substr(0, line.find('='))] = line.substr(line.find('=') + 1);
    const EnvironmentRepair repair = repair_container_environment(step.owned, lookup_in(task));
    EXPECT_TRUE(repair.to_set.empty());
    EXPECT_TRUE(repair.to_unset.empty());
    ASSERT_EQ(repair.findings.size(), 2u);
    EXPECT_NE(repair.findings[0].message.find("the container image set NCCL_IB_HCA='mlx5_9'; the task gets '=rocep1s0f1:1,roceP2p1s0f1:1' (sparkfabric's plan)"), std::string::npos)
        << repair.findings[0].message;
}

TEST(EnrootHook, WithoutThePluginOrWithTheFabricOffNothingChanges) {
    EXPECT_EQ(rewrite_enroot_environ(kEnvironFile, lookup_in({})).text, kEnvironFile);
    const Step off = plan_for("cage1", {}, "off");
    EXPECT_EQ(rewrite_enroot_environ(kEnvironFile, lookup_in(off.job)).text, kEnvironFile);
}

TEST(EnrootHook, SparkFabricRewritesTheFileEnrootNames) {
    const std::string path = fs::temp_directory_path() / ("sf-enroot-environ-" + std::to_string(getpid()));
    std::ofstream(path) << kEnvironFile;
    const Step step = plan_for("cage1", {});
    std::map<std::string, std::string> env(step.job.begin(), step.job.end());
    env["ENROOT_ENVIRON"] = path;
    const auto result = testing::run_program({SPARK_FABRIC_BIN, "enroot-hook"}, env);
    EXPECT_EQ(result.status, 0) << result.err;
    std::ifstream in(path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text.find("NCCL_SOCKET_IFNAME=eth0\n"), std::string::npos) << text;
    EXPECT_NE(text.find("SPARKFABRIC_IMAGE_ENV=NCCL_SOCKET_IFNAME=eth0"), std::string::npos) << text;
    EXPECT_NE(result.err.find("the image's NCCL_SOCKET_IFNAME=eth0 left out"), std::string::npos) << result.err;
    fs::remove(path);
    env.erase("ENROOT_ENVIRON");
    EXPECT_EQ(testing::run_program({SPARK_FABRIC_BIN, "enroot-hook"}, env).status, 2);
}

// A container image's file system, as the task sees it from inside.
class ImageTree : public ::testing::Test {
protected:
    void SetUp() override { fs::create_directories(root_ / "etc"); }
    void write(const std::string& path, const std::string& text) { testing::write_file(root_ / path, text); }
    void nccl(const std::string& dir, const std::string& version) { testing::install_nccl(root_ / dir, version); }
    NcclRuntime runtime(const Env& env, const std::string& machine = "x86_64") {
        NcclRuntime seen = discover_nccl_runtime("the container", lookup_in(env), {}, root_.string());
        seen.machine = machine;
        return seen;
    }
    testing::ScratchDir scratch_{"sf-image"};
    fs::path root_ = scratch_.path;
};

TEST_F(ImageTree, NcclConfIsReadInNcclsOrder) {
    write("etc/nccl.conf", "# site\nNCCL_IB_USE_INLINE=1\nnot a setting\nNCCL_SOCKET_IFNAME=eth0\n");
    write("home/u/.nccl.conf", "NCCL_ALGO=Tree\n");
    write("opt/my.conf", "NCCL_IB_HCA=mlx5_0\n");
    auto lines = read_nccl_conf(root_.string(), "", "/home/u");
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0], (NcclConfLine{"/home/u/.nccl.conf", 1, "NCCL_ALGO", "Tree"}));
    EXPECT_EQ(lines[1], (NcclConfLine{"/etc/nccl.conf", 2, "NCCL_IB_USE_INLINE", "1"}));
    EXPECT_EQ(lines[2], (NcclConfLine{"/etc/nccl.conf", 4, "NCCL_SOCKET_IFNAME", "eth0"}));
    // NCCL_CONF_FILE replaces ~/.nccl.conf; /etc/nccl.conf is still read after it.
    lines = read_nccl_conf(root_.string(), "/opt/my.conf", "/home/u");
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0].name, "NCCL_IB_HCA");
}

TEST_F(ImageTree, ConfLinesThatHangOrFightThePlanAreWarnings) {
    write("etc/nccl.conf", "NCCL_IB_USE_INLINE=1\nNCCL_SOCKET_IFNAME=eth0\nNCCL_ALGO=Tree\nNCCL_DEBUG=INFO\n");
    const Plan step_plan = testing::fixture_plan("cage1", testing::job_on(2));
    Env env{{"NCCL_SOCKET_IFNAME", "=enp1s0f1np1"}};
    const auto findings = check_nccl_runtime(runtime(env), step_plan, lookup_in(env));
    const Finding* hang = testing::find_finding(findings, "nccl-conf-known-hang");
    ASSERT_NE(hang, nullptr);
    EXPECT_EQ(hang->severity, Severity::warning);
    EXPECT_EQ(hang->subject, "/etc/nccl.conf:1");
    const Finding* fights = testing::find_finding(findings, "nccl-conf-overrides-plan");
    ASSERT_NE(fights, nullptr);
    EXPECT_EQ(fights->subject, "/etc/nccl.conf:3");  // line 2 is ignored: the environment has the name
    int overrides = 0;
    for (const auto& finding : findings) overrides += finding.code == "nccl-conf-overrides-plan";
    EXPECT_EQ(overrides, 1);
    // The environment wins over the file: an exported NCCL_IB_USE_INLINE=0 clears the hang.
    env["NCCL_IB_USE_INLINE"] = "0";
    EXPECT_EQ(testing::find_finding(check_nccl_runtime(runtime(env), step_plan, lookup_in(env)), "nccl-conf-known-hang"), nullptr);
}
TEST_F(ImageTree, ABundledNetPluginMustBeBypassed) {
    write("opt/hpcx/nccl_rdma_sharp_plugin/lib/libnccl-net.so", "plugin");
    Env env{{"LD_LIBRARY_PATH", "/opt/hpcx/nccl_rdma_sharp_plugin/lib"}};
    const Plan plan = testing::fixture_plan("cage1", testing::job_on(2));
    const auto findings = check_nccl_runtime(runtime(env), plan, lookup_in(env));
    const Finding* bundled = testing::find_finding(findings, "nccl-net-plugin-bundled");
    ASSERT_NE(bundled, nullptr);
    EXPECT_EQ(bundled->subject, "/opt/hpcx/nccl_rdma_sharp_plugin/lib/libnccl-net.so");
    EXPECT_NE(bundled->fix.find("NCCL_NET_PLUGIN=none"), std::string::npos);
    env["NCCL_NET_PLUGIN"] = "none";
    const auto bypassed = check_nccl_runtime(runtime(env), plan, lookup_in(env));
    EXPECT_EQ(testing::find_finding(bypassed, "nccl-net-plugin-bundled"), nullptr);
    EXPECT_NE(testing::find_finding(bypassed, "nccl-net-plugin-bypassed"), nullptr);
    // Not on the loader's path: not loaded, not reported.
    env.erase("LD_LIBRARY_PATH");
    env.erase("NCCL_NET_PLUGIN");
    EXPECT_EQ(testing::find_finding(check_nccl_runtime(runtime(env), plan, lookup_in(env)), "nccl-net-plugin-bundled"), nullptr);
}

TEST_F(ImageTree, TheLibraryTheLoaderTakesIsJudged) {
    nccl("usr/lib/aarch64-linux-gnu", "2.28.9");
    const Plan plan = testing::fixture_plan("cage1", testing::job_on(2));
    const Env env;
    const auto arm64 = check_nccl_runtime(runtime(env, "aarch64"), plan, lookup_in(env));
    const Finding* hang = testing::find_finding(arm64, "nccl-version-hang");
    ASSERT_NE(hang, nullptr);
    EXPECT_EQ(hang->subject, "/usr/lib/aarch64-linux-gnu/libnccl.so.2.28.9");
    EXPECT_NE(hang->message.find("2.29.3"), std::string::npos);
    // The same library on x86_64 is not affected: only named, as info.
    const auto amd64 = check_nccl_runtime(runtime(env, "x86_64"), plan, lookup_in(env));
    EXPECT_EQ(testing::find_finding(amd64, "nccl-version-hang"), nullptr);
    ASSERT_NE(testing::find_finding(amd64, "nccl-library"), nullptr);
    // LD_LIBRARY_PATH comes first, as for the dynamic loader: a newer NCCL there is the one loaded.
    nccl("opt/nccl/lib", "2.30.7");
    const Env preferred{{"LD_LIBRARY_PATH", "/opt/nccl/lib"}};
    const auto newer = check_nccl_runtime(runtime(preferred, "aarch64"), plan, lookup_in(preferred));
    EXPECT_EQ(testing::find_finding(newer, "nccl-version-hang"), nullptr);
    EXPECT_EQ(testing::find_finding(newer, "nccl-library")->subject, "/opt/nccl/lib/libnccl.so.2.30.7");
}

TEST_F(ImageTree, RingsNeedSubnetAwareRouting) {
    nccl("usr/lib/x86_64-linux-gnu", "2.28.9");
    const Plan ring = testing::fixture_plan("ring3-node1", testing::job_on(3));
    ASSERT_EQ(ring.topology, Topology::ring);
    const Env env{{"NCCL_VERSION", "2.30.7"}};
    const auto findings = check_nccl_runtime(runtime(env), ring, lookup_in(env));
    const Finding* old = testing::find_finding(findings, "nccl-version-ring");
    ASSERT_NE(old, nullptr);
    EXPECT_EQ(old->severity, Severity::warning);
    // The image's NCCL_VERSION label says 2.30.7, the library is 2.28.9.
    EXPECT_NE(testing::find_finding(findings, "nccl-version-label-stale"), nullptr);
}

TEST(NcclVersions, CompareNumerically) {
    EXPECT_EQ(compare_versions("2.28.9", "2.29.3"), -1);
    EXPECT_EQ(compare_versions("2.30.10", "2.30.7"), 1);
    EXPECT_EQ(compare_versions("2.30", "2.30.0"), 0);
    EXPECT_EQ(compare_versions("unknown", "2.29.3"), std::nullopt);
    EXPECT_EQ(compare_versions("2..3", "2.29.3"), std::nullopt);
}

TEST_F(ImageTree, InterfacesMissingFromTheContainersNetworkAreWarnings) {
    NcclRuntime seen = discover_nccl_runtime("the container", lookup_in({}), {"lo", "enp1s0f1np1-not-here"}, root_.string());
    EXPECT_EQ(seen.missing_interfaces, std::vector<std::string>{"enp1s0f1np1-not-here"});
    const auto findings = check_nccl_runtime(seen, testing::fixture_plan("cage1", testing::job_on(2)), lookup_in({}));
    const Finding* missing = testing::find_finding(findings, "container-fabric-not-visible");
    ASSERT_NE(missing, nullptr);
    EXPECT_EQ(missing->subject, "enp1s0f1np1-not-here");
}

TEST_F(ImageTree, ContainerTaskRepairsReportsAndFailsStrictly) {
    write("etc/nccl.conf", "NCCL_IB_USE_INLINE=1\n");
    const Step step = plan_for("cage1", {});
    const Env task = with_image(step.job, kBakedImage);
    ContainerTaskRequest request;
    request.owned = step.owned;
    request.plan = step.outcome.plan;
    request.node = "spark-dgx-1";
    request.root = root_.string();
    request.plan.interfaces.clear();  // this machine has no Spark interfaces
    request.plan.bootstrap_interface.clear();
    ContainerTaskOutcome warned = container_task(request, lookup_in(task));
    EXPECT_TRUE(warned.failure.empty());
    EXPECT_EQ(warned.to_set.size() + warned.to_unset.size(), 5u);
    std::string text;
    for (const auto& line : warned.messages) text += line + "\n";
    EXPECT_NE(text.find("info: spark-dgx-1: NCCL_SOCKET_IFNAME: the container image set NCCL_SOCKET_IFNAME='eth0'"),
              std::string::npos) << text;
    EXPECT_NE(text.find("warning: spark-dgx-1: /etc/nccl.conf:1: sets NCCL_IB_USE_INLINE=1"), std::string::npos) << text;
    request.check_level = CheckLevel::strict;
    const ContainerTaskOutcome strict = container_task(request, lookup_in(task));
    EXPECT_NE(strict.failure.find("NCCL_IB_USE_INLINE"), std::string::npos) << strict.failure;
    EXPECT_EQ(strict.to_set.size(), warned.to_set.size());  // repaired even when failing
    // Checks off: still repaired, nothing judged.
    request.check_level = CheckLevel::off;
    const ContainerTaskOutcome off = container_task(request, lookup_in(task));
    EXPECT_TRUE(off.failure.empty());
    EXPECT_EQ(off.to_set.size(), warned.to_set.size());
    for (const auto& line : off.messages) EXPECT_EQ(line.find("NCCL_IB_USE_INLINE"), std::string::npos) << line;
}

}  // namespace
}  // namespace sparkfabric
