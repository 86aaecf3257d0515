// The spark-fabric binary itself, run as a user would.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "fabric/discovery/gpu_cache.hpp"
#include "test_support.hpp"

namespace sparkfabric {
namespace {

using testing::fixture_file;
using testing::fixture_tree;
using testing::run_program;

std::vector<std::string> fixture_args(const std::string& fixture) {
    return {SPARK_FABRIC_BIN, "--sysfs-root", fixture_tree(fixture) + "/sys", "--procfs-root",
            fixture_tree(fixture) + "/proc", "--config", fixture_file("configs/default.yaml"),
            "--addresses", fixture_tree(fixture) + "/addresses.yaml"};
}

TEST(Cli, HelpAndVersion) {
    const auto help = run_program({SPARK_FABRIC_BIN, "--help"});
    EXPECT_EQ(help.status, 0);
    for (const char* word : {"detect", "env", "check", "probe-gpu", "--sysfs-root", "--facts", "--nccl-mode"}) {
        EXPECT_NE(help.out.find(word), std::string::npos) << word;
    }
    const auto version = run_program({SPARK_FABRIC_BIN, "--version"});
    EXPECT_EQ(version.status, 0);
    EXPECT_NE(version.out.find("spark-fabric 0."), std::string::npos);
}

TEST(Cli, UnknownCommandAndOptionsAreUsageErrors) {
    auto result = run_program({SPARK_FABRIC_BIN, "frobnicate"});
    EXPECT_EQ(result.status, 2);
    EXPECT_NE(result.err.find("unknown command 'frobnicate'"), std::string::npos);
    result = run_program({SPARK_FABRIC_BIN, "env", "--bogus"});
    EXPECT_EQ(result.status, 2);
    EXPECT_NE(result.err.find("env: unknown option '--bogus'"), std::string::npos);
    result = run_program({SPARK_FABRIC_BIN, "env", "--nccl-mode", "fast"});
    EXPECT_EQ(result.status, 2);
    EXPECT_NE(result.err.find("use auto, safe or dmabuf"), std::string::npos);
    result = run_program({SPARK_FABRIC_BIN, "env", "--nodes", "0"});
    EXPECT_EQ(result.status, 2);
    result = run_program({SPARK_FABRIC_BIN, "env", "--format"});
    EXPECT_EQ(result.status, 2);
    EXPECT_NE(result.err.find("needs a value"), std::string::npos);
}

TEST(Cli, EnvFromFactsFilePrintsShellExports) {
    auto args = std::vector<std::string>{SPARK_FABRIC_BIN, "--facts", fixture_file("facts/spark-two-node-a.json"),
                                         "--config", fixture_file("configs/default.yaml"), "env", "--nodes", "2"};
    const auto result = run_program(args);
    ASSERT_EQ(result.status, 0) << result.err;
    EXPECT_NE(result.out.find("export NCCL_IB_HCA='=rocep1s0f1:1,roceP2p1s0f1:1'\n"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("export NCCL_IB_GID_INDEX=3\n"), std::string::npos);
    EXPECT_EQ(result.out.find("NCCL_ALGO"), std::string::npos);  // NCCL chooses on a pair
    EXPECT_NE(result.out.find("export SPARKFABRIC_TOPOLOGY=pair\n"), std::string::npos);
    EXPECT_NE(result.out.find("export SPARKFABRIC_MODE_REASON='"), std::string::npos);  // quoted: has spaces
}

TEST(Cli, EnvJsonCarriesReasonsAndFindings) {
    auto args = fixture_args("twin-no-ipv4");
    args.insert(args.end(), {"env", "--format", "json"});
    const auto result = run_program(args);
    ASSERT_EQ(result.status, 0) << result.err;
    const auto document = nlohmann::json::parse(result.out);
    EXPECT_EQ(document["mode"], "safe");
    bool twin_finding = false;
    for (const auto& finding : document["findings"]) twin_finding |= finding["code"] == "unaddressed-twin";
    EXPECT_TRUE(twin_finding);
    EXPECT_EQ(document["topology"], "pair");
    EXPECT_FALSE(document["topology_reason"].get<std::string>().empty());
    EXPECT_EQ(document["bootstrap_interface"], "enp1s0f1np1");
    for (const auto& variable : document["variables"]) EXPECT_FALSE(variable["reason"].get<std::string>().empty());
}

TEST(Cli, EnvKeepsTheUsersValue) {
    auto args = std::vector<std::string>{SPARK_FABRIC_BIN, "--facts", fixture_file("facts/spark-two-node-a.json"),
                                         "--config", fixture_file("configs/default.yaml"), "env"};
    const auto result = run_program(args, {{"NCCL_SOCKET_IFNAME", "eth0"}});
    ASSERT_EQ(result.status, 0);
    EXPECT_NE(result.out.find("export NCCL_SOCKET_IFNAME=eth0\n"), std::string::npos);
}

TEST(Cli, DetectJsonRoundTripsThroughFacts) {
    auto args = fixture_args("gid-hole");
    args.insert(args.end(), {"detect", "--json"});
    const auto detected = run_program(args);
    ASSERT_EQ(detected.status, 0) << detected.err;
    const std::string path = "/tmp/sf-cli-facts.json";
    FILE* file = std::fopen(path.c_str(), "w");
    std::fputs(detected.out.c_str(), file);
    std::fclose(file);
    const auto again = run_program({SPARK_FABRIC_BIN, "--facts", path, "detect", "--json"});
    ASSERT_EQ(again.status, 0) << again.err;
    EXPECT_EQ(nlohmann::json::parse(again.out), nlohmann::json::parse(detected.out));
    std::remove(path.c_str());
}

TEST(Cli, DetectIsReadable) {
    auto args = fixture_args("cage1");
    args.push_back("detect");
    const auto result = run_program(args);
    ASSERT_EQ(result.status, 0);
    EXPECT_NE(result.out.find("cage 1: enp1s0f1np1 enP2p1s0f1np1  / rocep1s0f1 roceP2p1s0f1"), std::string::npos)
        << result.out;
    EXPECT_NE(result.out.find("580.95.05 (open kernel module)"), std::string::npos);
}

TEST(Cli, CheckExitStatusFollowsSeverity) {
    auto args = fixture_args("links-down");
    args.push_back("check");
    auto result = run_program(args);
    EXPECT_EQ(result.status, 2) << result.out;
    EXPECT_NE(result.out.find("error: "), std::string::npos);
    EXPECT_NE(result.out.find("link-down") == std::string::npos ? result.out.find("fabric link is down")
                                                                 : std::string::npos,
              std::string::npos);
    args = fixture_args("mtu1500");
    args.insert(args.end(), {"check", "--format", "json"});
    result = run_program(args);
    EXPECT_EQ(result.status, 1);
    EXPECT_EQ(nlohmann::json::parse(result.out)["status"], 1);
}

TEST(Cli, BadConfigNamesFileLineAndKey) {
    auto args = fixture_args("cage1");
    args[6] = fixture_file("configs/bad-mode.yaml");
    args.push_back("env");
    const auto result = run_program(args);
    EXPECT_EQ(result.status, 2);
    EXPECT_NE(result.err.find("bad-mode.yaml:3: key 'nccl.mode': 'turbo' is not auto, safe or dmabuf"),
              std::string::npos)
        << result.err;
}

TEST(Cli, ProbeGpuWithoutCudaSaysWhy) {
    const auto result = run_program({SPARK_FABRIC_BIN, "probe-gpu", "--print"}, {{"LD_LIBRARY_PATH", "/nonexistent"}});
    if (result.status == 0) GTEST_SKIP() << "this machine has a CUDA driver";
    EXPECT_EQ(result.status, 2);
    EXPECT_NE(result.err.find("probe-gpu:"), std::string::npos);
}

// A site config and a GPU cache in a directory of this test's own (the plugin's rules refuse a
// cache in a directory others can write, such as /tmp itself).
std::string site_with_cache(const std::string& name, const std::string& extra, mode_t cache_mode) {
    const std::string dir = ::testing::TempDir() + "sf-cli-" + name + "-" + std::to_string(getpid());
    mkdir(dir.c_str(), 0755);
    chmod(dir.c_str(), 0755);
    write_gpu_cache(dir + "/gpu.json", GpuCache{13000, "t", {{0, "NVIDIA GB10", "000F:01:00.0", true, true, false}}});
    chmod((dir + "/gpu.json").c_str(), cache_mode);
    std::ofstream(dir + "/site.yaml") << "gpu: {cache: " << dir << "/gpu.json}\n" << extra;
    chmod((dir + "/site.yaml").c_str(), 0644);
    return dir + "/site.yaml";
}

std::vector<std::string> env_json_args(const std::string& site) {
    auto args = fixture_args("cage1");
    args[6] = site;  // the value of --config
    args.insert(args.end(), {"env", "--format", "json"});
    return args;
}

std::string variable(const nlohmann::json& document, const std::string& name) {
    for (const auto& entry : document["variables"]) {
        if (entry["name"] == name) return entry["value"];
    }
    return "<unset>";
}

TEST(Cli, EnvReadsTheGpuCacheUnderThePluginsRules) {
    // A cache anyone may write steers nothing in a job (the plugin refuses it): nor in env.
    const std::string site = site_with_cache("trust", "", 0666);
    const auto refused = run_program(env_json_args(site));
    ASSERT_EQ(refused.status, 0) << refused.err;
    const auto document = nlohmann::json::parse(refused.out);
    EXPECT_EQ(document["mode"], "safe");
    bool said = false;
    for (const auto& finding : document["findings"]) said |= finding["code"] == "gpu-cache-unusable";
    EXPECT_TRUE(said) << refused.out;
    // The warning is counted in the status the job gets, not added after it was set.
    EXPECT_EQ(variable(document, "SPARKFABRIC_STATUS"), "degraded");
    if (geteuid() == 0) {  // root owns the cache: now the plugin would read it
        chmod((site.substr(0, site.rfind('/')) + "/gpu.json").c_str(), 0644);
        const auto trusted = run_program(env_json_args(site));
        EXPECT_EQ(nlohmann::json::parse(trusted.out)["mode"], "dmabuf") << trusted.out;
    }
}

TEST(Cli, EnvSeesTheUsersValuesAsThePluginDoes) {
    const std::string site = site_with_cache("users", "nccl: {extra_env: {CUDA_DEVICE_MAX_CONNECTIONS: \"32\"}}\n", 0644);
    // An empty value is not a value (the plugin plans over it); an extra_env name the user set is theirs.
    const auto result = run_program(env_json_args(site), {{"NCCL_SOCKET_IFNAME", ""}, {"CUDA_DEVICE_MAX_CONNECTIONS", "1"}});
    ASSERT_EQ(result.status, 0) << result.err;
    const auto document = nlohmann::json::parse(result.out);
    EXPECT_EQ(variable(document, "NCCL_SOCKET_IFNAME"), "=enp1s0f1np1,enP2p1s0f1np1");
    EXPECT_EQ(variable(document, "CUDA_DEVICE_MAX_CONNECTIONS"), "1");
}

}  // namespace
}  // namespace sparkfabric
