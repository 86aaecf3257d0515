// Where an installed spark-launch finds its Python helpers: installed beside its data, never in
// the tree it was built from.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "launcher/run/program_paths.hpp"
#include "test_support.hpp"

namespace sparkfabric {
namespace {

TEST(ProgramPaths, AnInstalledLauncherNeverRunsHelpersFromItsBuildTree) {
    // A copy of spark-launch outside the build tree, as a package installs it; its helpers are
    // not installed on this machine (or are: then those are the ones to use).
    if (std::string(SPARK_LAUNCH_BIN).find("/emulated/") != std::string::npos) {
        GTEST_SKIP() << "a cross build runs spark-launch through the emulator from the build tree";
    }
    const std::string dir = ::testing::TempDir() + "sf-installed-" + std::to_string(getpid());
    std::filesystem::create_directories(dir);
    std::filesystem::copy_file(SPARK_LAUNCH_BIN, dir + "/spark-launch");
    chmod((dir + "/spark-launch").c_str(), 0755);
    std::ofstream(dir + "/hosts") << "spark-a\nspark-b\n";
    const auto result = testing::run_program({dir + "/spark-launch", "--hostfile", dir + "/hosts", "--print", "ray", "--", "true"});
    std::filesystem::remove_all(dir);
    ASSERT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(result.out.find(std::string(SPARKFABRIC_SOURCE_DIR) + "/launcher/python/ray_wait_nodes.py"), std::string::npos)
        << result.out;
    EXPECT_NE(result.out.find("/share/sparkfabric/ray_wait_nodes.py"), std::string::npos) << result.out;
}

TEST(ProgramPaths, TheBuildTreesOwnProgramsUseTheSourceTree) {
    // This test binary is one: spark-launch run from the build tree finds its helpers unpacked.
    EXPECT_EQ(access(launch::sparkfabric_data_file("ray_wait_nodes.py").c_str(), R_OK), 0);
}

}  // namespace
}  // namespace sparkfabric
