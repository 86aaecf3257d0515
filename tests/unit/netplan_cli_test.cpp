// `spark-fabric netplan` run as a user would: printing, --out-dir, --write under --root-dir with
// another machine's facts, --check's exit status, and bad input refused with the fix.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "test_support.hpp"

namespace sparkfabric {
namespace {

namespace fs = std::filesystem;
using testing::fixture_file;
using testing::run_program;

// The saved facts of "spark-a": a pair on cage 1, 192.168.200.1 and 192.168.201.1, MTU 9000.
std::vector<std::string> spark_a(std::vector<std::string> args) {
    std::vector<std::string> argv{SPARK_FABRIC_BIN, "--facts", fixture_file("facts/spark-two-node-a.json"), "netplan",
                                  "--topology", "pair", "--nodes", "spark-a,spark-b"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

TEST(NetplanCli, PrintsTheNodesFileFromItsFacts) {
    const auto result = run_program(spark_a({}));
    ASSERT_EQ(result.status, 0) << result.err;
    EXPECT_NE(result.out.find("network:\n  version: 2\n  ethernets:\n    enp1s0f1np1:"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("- 192.168.100.1/24"), std::string::npos);
    EXPECT_NE(result.out.find("- 192.168.101.1/24"), std::string::npos);
    const auto other = run_program(spark_a({"--node", "spark-b", "--cage", "0"}));
    ASSERT_EQ(other.status, 0) << other.err;
    EXPECT_NE(other.out.find("enP2p1s0f0np0:"), std::string::npos) << other.out;
    EXPECT_NE(other.out.find("- 192.168.101.2/24"), std::string::npos);
}

TEST(NetplanCli, TheSitesFabricMtuIsTheDefault) {
    testing::ScratchDir dir{"sparkfabric-netplan-cli"};
    const std::string config = dir.path + "/site.yaml";
    std::ofstream(config) << "fabric: {mtu: 9216}\n";
    auto argv = spark_a({});
    argv.insert(argv.begin() + 1, {"--config", config});
    auto result = run_program(argv);
    ASSERT_EQ(result.status, 0) << result.err;
    EXPECT_NE(result.out.find("mtu: 9216"), std::string::npos) << result.out;
    argv.insert(argv.end(), {"--mtu", "1500"});
    result = run_program(argv);
    ASSERT_EQ(result.status, 0) << result.err;
    EXPECT_NE(result.out.find("mtu: 1500"), std::string::npos) << result.out;
}

TEST(NetplanCli, OutDirHoldsOneFilePerNode) {
    testing::ScratchDir dir{"sparkfabric-netplan-cli"};
    const auto result = run_program({SPARK_FABRIC_BIN, "netplan", "--topology", "ring", "--nodes", "n1,n2,n3,n4",
                                     "--out-dir", dir.path});
    ASSERT_EQ(result.status, 0) << result.err;
    for (const char* node : {"n1", "n2", "n3", "n4"}) {
        const std::string path = dir.path + "/" + node + ".yaml";
        struct stat info {};
        ASSERT_EQ(stat(path.c_str(), &info), 0) << path;
        EXPECT_EQ(info.st_mode & 0777, 0600u);
    }
}

TEST(NetplanCli, WriteThenCheckUnderARootDir) {
    testing::ScratchDir root{"sparkfabric-netplan-cli"};
    fs::copy(fixture_file("netplan/nvidia-40-cx7"), root.path, fs::copy_options::recursive);
    const auto subnets = std::vector<std::string>{"--subnets", "192.168.200.0/24,192.168.201.0/24", "--root-dir", root.path};
    auto args = subnets;
    args.push_back("--check");
    auto result = run_program(spark_a(args));
    EXPECT_EQ(result.status, 1) << result.out << result.err;
    EXPECT_NE(result.out.find("error: enP2p1s0f1np1: has no IPv4 address in any netplan file"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("fix: `sudo spark-fabric netplan --topology pair --nodes spark-a,spark-b --subnets "
                              "192.168.200.0/24,192.168.201.0/24 --node spark-a --root-dir "),
              std::string::npos) << result.out;
    EXPECT_NE(result.out.find("4 thing(s) to change"), std::string::npos) << result.out;

    args = subnets;
    args.push_back("--write");
    result = run_program(spark_a(args));
    ASSERT_EQ(result.status, 0) << result.err;
    EXPECT_NE(result.out.find("wrote " + root.path + "/etc/netplan/60-sparkfabric.yaml (mode 600)"), std::string::npos)
        << result.out;
    EXPECT_NE(result.out.find("sudo netplan try"), std::string::npos);
    EXPECT_TRUE(fs::exists(root.path + "/etc/netplan/40-cx7.yaml"));  // never touches other files

    args = subnets;
    args.push_back("--check");
    result = run_program(spark_a(args));
    EXPECT_EQ(result.status, 0) << result.out << result.err;
    EXPECT_NE(result.out.find("ok: the files give every fabric function its address and MTU 9000"), std::string::npos)
        << result.out;
    EXPECT_NE(result.out.find("and the live interfaces"), std::string::npos) << result.out;

    // The live facts say 192.168.200.1: a plan on the default subnets is not live yet.
    args = {"--root-dir", root.path, "--check"};
    result = run_program(spark_a(args));
    EXPECT_EQ(result.status, 1) << result.out;
    EXPECT_NE(result.out.find("warning: enp1s0f1np1: live: has 192.168.200.1/24, not 192.168.100.1/24 yet"),
              std::string::npos) << result.out;
}

TEST(NetplanCli, WriteRefusesAnotherMachineAndUnknownInterfaces) {
    testing::ScratchDir root{"sparkfabric-netplan-cli"};
    auto result = run_program(spark_a({"--node", "spark-b", "--root-dir", root.path, "--write"}));
    EXPECT_EQ(result.status, 2);
    EXPECT_NE(result.err.find("spark-b is not this machine; use --out-dir DIR"), std::string::npos) << result.err;
    // The facts have no cage-0 twins' names other than these; a ring needs all four, which they
    // have, so ask for a Spark name this machine lacks through a renamed fact.
    std::ifstream facts_in(fixture_file("facts/spark-two-node-a.json"));
    std::string facts((std::istreambuf_iterator<char>(facts_in)), {});
    for (size_t at = facts.find("enP2p1s0f1np1"); at != std::string::npos; at = facts.find("enP2p1s0f1np1")) {
        facts.replace(at, 13, "eth7");
    }
    const std::string facts_path = root.path + "/facts.json";
    std::ofstream(facts_path) << facts;
    result = run_program({SPARK_FABRIC_BIN, "--facts", facts_path, "netplan", "--topology", "pair", "--nodes",
                          "spark-a,spark-b", "--root-dir", root.path, "--write"});
    EXPECT_EQ(result.status, 2);
    EXPECT_NE(result.err.find("refusing to write: enP2p1s0f1np1 not an interface of spark-a"), std::string::npos)
        << result.err;
    EXPECT_FALSE(fs::exists(root.path + "/etc/netplan/60-sparkfabric.yaml"));
}

TEST(NetplanCli, BadInputIsAUsageErrorNamingTheFix) {
    struct Case {
        std::vector<std::string> args;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {{"netplan", "--nodes", "a,b"}, "--topology is required"},
        {{"netplan", "--topology", "torus", "--nodes", "a,b"}, "--topology must be pair, switch or ring"},
        {{"netplan", "--topology", "auto", "--nodes", "a,b"}, "--topology must be pair, switch or ring"},
        {{"netplan", "--topology", "ring", "--nodes", "a,b,c", "--cage", "0"}, "a ring uses both cages"},
        {{"netplan", "--topology", "pair", "--nodes", "a,b", "--mtu", "lots"}, "--mtu takes a number"},
        {{"netplan", "--topology", "pair", "--nodes", "a;rm,b"}, "'a;rm' is not a host name"},
        {{"netplan", "--topology", "switch", "--nodes", "a,b,c,d,e,f,g,h,i,j,k"}, "2 to 10 nodes"},
        {{"netplan", "--topology", "pair", "--nodes", "a,b", "--check", "--write"}, "give one"},
        {{"netplan", "--topology", "pair", "--nodes", "a,b", "--node", "c"}, "'c' is not in --nodes"},
        {{"netplan", "--topology", "pair", "--nodes", "a,b", "--node", "a", "--root-dir", "/nonexistent/x", "--check"},
         "is not a directory"},
        {{"netplan", "--topology", "pair", "--nodes", "a,b", "--bogus"}, "netplan: unknown option '--bogus'"},
        {{"netplan", "--topology", "pair", "--nodes", "a,b", "--out-dir", "/nonexistent", "--node", "a"}, "drop --node"},
        {{"netplan", "--topology", "pair", "--nodes", "a,b", "--subnets", ",192.168.101.0/24"}, "'' is not a subnet"},
    };
    for (const auto& c : cases) {
        std::vector<std::string> argv{SPARK_FABRIC_BIN};
        argv.insert(argv.end(), c.args.begin(), c.args.end());
        const auto result = run_program(argv);
        EXPECT_EQ(result.status, 2) << c.expected;
        EXPECT_NE(result.err.find(c.expected), std::string::npos) << result.err;
    }
    const auto malformed = run_program({SPARK_FABRIC_BIN, "netplan", "--topology", "pair", "--nodes", "a,b", "--node", "a",
                                        "--root-dir", fixture_file("netplan/malformed"), "--check"});
    EXPECT_EQ(malformed.status, 2);
    EXPECT_NE(malformed.err.find("40-cx7.yaml line "), std::string::npos) << malformed.err;
}

}  // namespace
}  // namespace sparkfabric
