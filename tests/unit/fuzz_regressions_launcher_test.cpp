// The launcher's fuzz findings (see fuzz_regressions_test.cpp). The file name ends in
// launcher_test.cpp, so tests/unit/CMakeLists.txt leaves it out where spark-launch is not built.
#include <gtest/gtest.h>

#include <chrono>

#include "launcher/request/launch_request.hpp"
#include "launcher/run/hosts.hpp"

namespace sparkfabric::launch {
namespace {

std::string nodelist_error(const std::string& list) {
    try {
        expand_nodelist(list);
    } catch (const LaunchError& error) {
        return error.what();
    }
    return "no error";
}

// libslurm expands every combination of several bracket ranges inside slurm_hostlist_create():
// this list (123 million names) took seconds there and gigabytes after.
TEST(FuzzRegressions, NodelistsThatExpandToMillionsAreRefusedBeforeLibslurm) {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(nodelist_error("[1-1010]kdx-[0-10][1-1010]kdx-[0-10]"),
              "node list '[1-1010]kdx-[0-10][1-1010]kdx-[0-10]' names more than 65536 nodes");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    EXPECT_EQ(nodelist_error("n[1-300]x[1-300]"), "node list 'n[1-300]x[1-300]' names more than 65536 nodes");
    EXPECT_EQ(nodelist_error("a[1-40000],b[1-40000]"), "node list 'a[1-40000],b[1-40000]' names more than 65536 nodes");
}

TEST(FuzzRegressions, NodelistBoundCountsSumsNotProductsAcrossElements) {
    EXPECT_EQ(expand_nodelist("a[1-300] b[1-300]").size(), 600u);  // blank-separated, as libslurm reads it
    EXPECT_EQ(expand_nodelist("a[1-300],b[1-300]").size(), 600u);
    EXPECT_EQ(expand_nodelist("rack[1-2]-n[1-3,7]").size(), 8u);
    EXPECT_EQ(expand_nodelist("spark-dgx-[1-10]").size(), 10u);
}

// libslurm 22.05 never returns from slurm_hostlist_create() when a bracket holding 2^64-1 (or
// a longer number, which strtoul saturates to it) is followed by another bracket.
TEST(FuzzRegressions, NodelistNumbersTooLargeForANameAreRefusedBeforeLibslurm) {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(nodelist_error("[1][0999999999999999999999999999999999999999][1]"),
              "node list '[1][0999999999999999999999999999999999999999][1]' holds a number too large for a "
              "node name");
    EXPECT_NE(nodelist_error("a[18446744073709551615]b[1]").find("too large for a node name"), std::string::npos);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    EXPECT_EQ(expand_nodelist("n[0000000001-0000000002]").size(), 2u);  // zero-padded, small: fine
}

// libslurm refuses this range (and leaks a few bytes doing so, its own error path).
TEST(FuzzRegressions, NodelistWithAControlByteInARangeIsRefused) {
    EXPECT_NE(nodelist_error("spark-dgx-[1\x10" "10]").find("is not valid"), std::string::npos);
}

}  // namespace
}  // namespace sparkfabric::launch
