// The image probe without Slurm or an image: the constant sh script runs under this machine's
// sh, and its output (recorded in tools/cluster/container_stack.sh's baked.sqsh, the one the
// survey's tests judge too: test_support) is parsed as the survey parses it; /etc/environment
// is read as enroot reads it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "fabric/discovery/image_probe.hpp"
#include "test_support.hpp"

namespace sparkfabric {
namespace {

TEST(ImageProbe, RecordsAfterTheMarkerAndTheEnvironmentToTheEnd) {
    const ImageProbe probe = parse_image_probe(testing::baked_image_probe_output());
    EXPECT_EQ(probe.machine, "x86_64");
    ASSERT_EQ(probe.links.size(), 2u);
    EXPECT_EQ(probe.links[0].second, "/usr/lib/x86_64-linux-gnu/libnccl.so.2.27.3");
    EXPECT_EQ(probe.files.at("/etc/nccl.conf"),
              "NCCL_IB_USE_INLINE=1\nNCCL_SOCKET_IFNAME=eth0\n# NCCL settings of the cluster this image was built on\n");
    EXPECT_EQ(probe.interfaces, (std::vector<std::string>{"lo", "enp1s0f1np1", "enP2p1s0f1np1"}));
    EXPECT_EQ(probe.environment.at("PROMPT"), "two\nlines");  // NUL-separated: a newline is part of a value
    EXPECT_EQ(probe.environment.at("NCCL_SOCKET_IFNAME"), "=enp1s0f1np1,enP2p1s0f1np1");
    EXPECT_EQ(probe.environment.count("lines"), 0u);

    // env without -0 (an old busybox): one variable a line.
    const auto lines = parse_image_probe("sparkfabric-image-probe 1\nenv\nA=1\nB=x=y\nnot a variable\n");
    EXPECT_EQ(lines.environment, (std::map<std::string, std::string>{{"A", "1"}, {"B", "x=y"}}));

    EXPECT_THROW(parse_image_probe("sh: not found\n"), std::runtime_error);  // the script never ran
    EXPECT_THROW(parse_image_probe("sparkfabric-image-probe 1\nmachine\tx86_64\n"), std::runtime_error);  // cut off
}

TEST(ImageProbe, EtcEnvironmentIsReadAsEnrootReadsIt) {
    const auto environment = parse_etc_environment(
        "# comment\n  NCCL_DEBUG=INFO\nGLOO_SOCKET_IFNAME=\"eth0\"\nNCCL_IB_HCA='mlx5_0' \nENROOT_ROOTFS=/x\n"
        "not-a-name=1\nPATH=/usr/local/bin:${PATH}\nNCCL_DEBUG=WARN\n");
    EXPECT_EQ(environment, (std::map<std::string, std::string>{{"NCCL_DEBUG", "WARN"},
                                                               {"GLOO_SOCKET_IFNAME", "eth0"},
                                                               {"NCCL_IB_HCA", "mlx5_0"},
                                                               {"PATH", "/usr/local/bin:${PATH}"}}));
}

// dash (Debian's and Ubuntu's sh), bash, and busybox sh (minimal images), where this machine has them.
TEST(ImageProbe, TheScriptRunsUnderEveryShHere) {
    int shells = 0;
    for (const std::vector<std::string>& sh : {std::vector<std::string>{"/bin/sh"}, {"/usr/bin/dash"}, {"/usr/bin/bash", "--posix"},
                                              {"/usr/bin/busybox", "sh"}, {"/bin/busybox", "sh"}}) {
        if (access(sh.front().c_str(), X_OK) != 0) continue;
        ++shells;
        std::vector<std::string> argv = sh;
        argv.insert(argv.end(), {"-c", image_probe_script(), "sparkfabric-image-probe"});
        const auto run = testing::run_program(argv, {{"NCCL_CONF_FILE", "/nonexistent/nccl.conf"}, {"LD_LIBRARY_PATH", "/a b:relative:/c"}});
        ASSERT_EQ(run.status, 0) << sh.front() << ": " << run.err;
        EXPECT_EQ(run.err, "") << sh.front();
        const ImageProbe probe = parse_image_probe(run.out);
        EXPECT_FALSE(probe.machine.empty()) << sh.front();
        EXPECT_EQ(probe.environment.at("NCCL_CONF_FILE"), "/nonexistent/nccl.conf") << sh.front();
        EXPECT_NE(std::find(probe.interfaces.begin(), probe.interfaces.end(), "lo"), probe.interfaces.end()) << sh.front();
        EXPECT_EQ(probe.files.count("/nonexistent/nccl.conf"), 0u) << sh.front();
    }
    EXPECT_GE(shells, 1);
}

}  // namespace
}  // namespace sparkfabric
