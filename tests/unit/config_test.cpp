// Site config: values, per-node overrides, and errors that name file, line and key.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "fabric/common/config.hpp"
#include "test_support.hpp"

namespace sparkfabric {
namespace {

std::string error_of(const std::string& yaml) {
    try {
        parse_site_config(yaml, "site.yaml", "spark-dgx-1");
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "no error";
}

TEST(Config, EmptyFileMeansDefaults) {
    EXPECT_EQ(parse_site_config("", "site.yaml", "n"), SiteConfig{});
    EXPECT_EQ(parse_site_config("# only a comment\n", "site.yaml", "n"), SiteConfig{});
}

TEST(Config, ShippedSampleParses) {
    const SiteConfig config = load_site_config_file(testing::fixture_file("../../etc/sparkfabric.yaml"), "spark-dgx-3");
    EXPECT_EQ(config.expected_mtu, 9000);
    EXPECT_EQ(config.check_default, CheckLevel::warn);
}

TEST(Config, ReadsEverySection) {
    const SiteConfig config = parse_site_config(R"(
fabric:
  interfaces: [enp1s0f1np1]
  mtu: 1500
nccl:
  mode: safe
  enforce_mode: true
  ib_timeout: 20
  algo:
    - {max_nodes: 2, algo: Ring}
    - {algo: "allreduce:tree,ring"}
  enforce: [NCCL_SOCKET_IFNAME]
  extra_env: {NCCL_DEBUG: WARN}
check:
  level: strict
  min_busbw_gbps: 20.5
  min_busbw_ring_gbps: 9.5
  preflight: true
gpu:
  cache: /var/cache/sparkfabric/gpu.json
)", "site.yaml", "spark-dgx-1");
    EXPECT_EQ(config.interfaces, std::vector<std::string>{"enp1s0f1np1"});
    EXPECT_EQ(config.expected_mtu, 1500);
    EXPECT_EQ(config.nccl_mode, NcclMode::safe);
    EXPECT_TRUE(config.nccl_mode_enforced);
    EXPECT_EQ(config.ib_timeout, 20);
    ASSERT_EQ(config.algo_rules.size(), 2u);
    EXPECT_EQ(config.algo_rules[0], (AlgoRule{2, "Ring"}));
    EXPECT_EQ(config.enforced_variables, std::vector<std::string>{"NCCL_SOCKET_IFNAME"});
    EXPECT_EQ(config.extra_env.at("NCCL_DEBUG"), "WARN");
    EXPECT_EQ(config.check_default, CheckLevel::strict);
    EXPECT_DOUBLE_EQ(config.min_busbw_gbps, 20.5);
    EXPECT_DOUBLE_EQ(config.min_busbw_ring_gbps, 9.5);
    EXPECT_TRUE(config.preflight);
}

TEST(Config, NodeOverridesApplyOnlyToThatHost) {
    const std::string yaml = R"(
nccl: {mode: dmabuf}
nodes:
  spark-dgx-3:
    nccl: {mode: safe}
    fabric: {interfaces: [enp1s0f0np0]}
)";
    const SiteConfig three = parse_site_config(yaml, "site.yaml", "spark-dgx-3");
    EXPECT_EQ(three.nccl_mode, NcclMode::safe);
    EXPECT_EQ(three.interfaces, std::vector<std::string>{"enp1s0f0np0"});
    const SiteConfig one = parse_site_config(yaml, "site.yaml", "spark-dgx-1");
    EXPECT_EQ(one.nccl_mode, NcclMode::dmabuf);
    EXPECT_TRUE(one.interfaces.empty());
}

TEST(Config, ErrorsNameFileLineAndKey) {
    EXPECT_EQ(error_of("nccl:\n  mode: fast\n"), "site.yaml:2: key 'nccl.mode': 'fast' is not auto, safe or dmabuf");
    EXPECT_EQ(error_of("fabric:\n  mtu: big\n"), "site.yaml:2: key 'fabric.mtu': 'big' is not a whole number from 0 to 65535");
    EXPECT_NE(error_of("fabrik: {}\n").find("site.yaml:1: key 'fabrik': unknown key; allowed here:"), std::string::npos);
    EXPECT_NE(error_of("nccl:\n  ib_timeout: 99\n").find("site.yaml:2: key 'nccl.ib_timeout'"), std::string::npos);
    EXPECT_NE(error_of("fabric:\n  interfaces: [\"eth0; rm -rf /\"]\n").find("key 'fabric.interfaces'"), std::string::npos);
    EXPECT_NE(error_of("nccl:\n  extra_env: {NCCL_X: \"a\\nb\"}\n").find("must not contain newlines"), std::string::npos);
    EXPECT_NE(error_of("nccl:\n  algo: [{max_nodes: 4, algo: Ring}]\n").find("last rule must have no max_nodes"),
              std::string::npos);
    EXPECT_NE(error_of("nodes:\n  spark-dgx-2:\n    nccl: {mode: turbo}\n").find("site.yaml:3: key 'nodes.spark-dgx-2.nccl.mode'"),
              std::string::npos);
    EXPECT_NE(error_of("check: {level: loud}\n").find("key 'check.level'"), std::string::npos);
    EXPECT_NE(error_of("gpu: {cache: relative/path}\n").find("must be an absolute path"), std::string::npos);
    EXPECT_NE(error_of("- a\n- b\n").find("must be a mapping"), std::string::npos);
}

TEST(Config, ShapeKeys) {
    const SiteConfig config = parse_site_config(R"(
fabric:
  topology: ring
  subnets: [192.168.100.0/24, 10.10.0.0/16]
  bootstrap_interface: enP7s7
  unaddressed_twins: exclude
nodes:
  spark-dgx-2:
    fabric: {topology: pair, bootstrap_interface: auto}
)", "site.yaml", "spark-dgx-1");
    EXPECT_EQ(config.topology, Topology::ring);
    EXPECT_EQ(config.subnets, (std::vector<std::string>{"192.168.100.0/24", "10.10.0.0/16"}));
    EXPECT_EQ(config.bootstrap_interface, "enP7s7");
    EXPECT_FALSE(config.include_unaddressed_twins);
    const SiteConfig other = parse_site_config("fabric: {topology: mesh, bootstrap_interface: eth0}\nnodes:\n"
                                               "  spark-dgx-2:\n    fabric: {topology: pair, bootstrap_interface: auto}\n",
                                               "site.yaml", "spark-dgx-2");
    EXPECT_EQ(other.topology, Topology::pair);
    EXPECT_TRUE(other.bootstrap_interface.empty());
    EXPECT_EQ(parse_site_config("fabric: {topology: mesh}\n", "site.yaml", "n").topology, Topology::ring);
}

TEST(Config, ShapeKeyErrorsNameFileLineAndKey) {
    EXPECT_EQ(error_of("fabric:\n  topology: star\n"),
              "site.yaml:2: key 'fabric.topology': 'star' is not one of: auto, pair, switch, ring, mesh");
    EXPECT_EQ(error_of("fabric:\n  subnets: [192.168.100.1/24]\n"),
              "site.yaml:2: key 'fabric.subnets': '192.168.100.1/24' is not a subnet such as 192.168.100.0/24");
    EXPECT_NE(error_of("fabric:\n  bootstrap_interface: 'eth0;rm'\n").find("site.yaml:2: key 'fabric.bootstrap_interface'"),
              std::string::npos);
    EXPECT_EQ(error_of("fabric:\n  unaddressed_twins: maybe\n"),
              "site.yaml:2: key 'fabric.unaddressed_twins': 'maybe' is not one of: include, exclude");
}

TEST(Config, AlgoRulesThatStrandACollectiveAreRefused) {
    // The old default's second rule: NCCL then has no algorithm for broadcast, all_gather and
    // reduce_scatter, and every job of 5+ nodes dies at its first broadcast.
    const std::string error = error_of("nccl:\n  algo:\n    - {max_nodes: 4, algo: Ring}\n    - {algo: Tree}\n");
    EXPECT_NE(error.find("site.yaml:4: key 'nccl.algo.algo': 'Tree' leaves allgather, broadcast"), std::string::npos)
        << error;
    EXPECT_EQ(error_of("nccl:\n  algo:\n    - {algo: \"allreduce:tree,ring;broadcast:ring\"}\n"), "no error");
    EXPECT_TRUE(parse_site_config("nccl: {algo: []}\n", "site.yaml", "n").algo_rules.empty());
}

TEST(Config, BrokenYamlNamesTheLine) {
    EXPECT_NE(error_of("fabric:\n  mtu: [1500\n").find("site.yaml:3: not valid YAML"), std::string::npos);
}

TEST(Config, MissingFileSaysHowToFix) {
    try {
        load_site_config_file("/nonexistent/sparkfabric.yaml", "n");
        FAIL() << "no error";
    } catch (const ConfigError& error) {
        EXPECT_NE(std::string(error.what()).find("/nonexistent/sparkfabric.yaml: cannot read"), std::string::npos);
    }
}

TEST(Config, TrustedLoadRefusesFilesOthersCanWrite) {
    char path[] = "/tmp/sf-config-XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, "nccl: {mode: safe}\n", 19), 19);
    close(fd);
    chmod(path, 0644);
    if (geteuid() == 0) {
        EXPECT_EQ(load_site_config_file(path, "n", true).nccl_mode, NcclMode::safe);
    }
    chmod(path, 0666);
    try {
        load_site_config_file(path, "n", true);
        FAIL() << "a world-writable config was accepted";
    } catch (const ConfigError& error) {
        EXPECT_NE(std::string(error.what()).find("writable by group or others"), std::string::npos);
    }
    const std::string link_path = std::string(path) + ".link";
    ASSERT_EQ(symlink(path, link_path.c_str()), 0);
    chmod(path, 0644);
    EXPECT_THROW(load_site_config_file(link_path, "n", true), ConfigError);
    unlink(link_path.c_str());
    unlink(path);
}

}  // namespace
}  // namespace sparkfabric
