// NCCL_ALGO values: what leaves a collective without an algorithm (the Tree default that killed
// every 5+ node job) and what does not.
#include <gtest/gtest.h>

#include "fabric/plan/nccl_algo.hpp"

namespace sparkfabric {
namespace {

TEST(NcclAlgo, ValuesThatKeepEveryCollectiveRunnable) {
    for (const char* value : {"Ring", "ring", "Tree,Ring", "^Tree", "allreduce:tree;broadcast:ring",
                              "allreduce:tree", "allreduce:tree,ring;allgather:pat,ring", "Ring;allreduce:tree",
                              "^nvls,collnetdirect", "allgather:PAT;reducescatter:PAT"}) {
        EXPECT_FALSE(nccl_algo_problem(value).has_value()) << value << ": " << nccl_algo_problem(value).value_or("");
    }
}

TEST(NcclAlgo, TreeAloneStrandsBroadcastAllGatherAndReduceScatter) {
    const auto problem = nccl_algo_problem("Tree");
    ASSERT_TRUE(problem.has_value());
    // allreduce keeps Tree; every other collective is named.
    EXPECT_NE(problem->find("leaves allgather, broadcast, reduce, reducescatter with no algorithm"), std::string::npos)
        << *problem;
}

TEST(NcclAlgo, PerCollectiveAndExclusionFormsAreChecked) {
    EXPECT_TRUE(nccl_algo_problem("broadcast:tree").has_value());
    EXPECT_TRUE(nccl_algo_problem("^ring").has_value());            // broadcast has nothing left
    EXPECT_TRUE(nccl_algo_problem("Ring;allgather:tree").has_value());
    EXPECT_TRUE(nccl_algo_problem("NVLS").has_value());             // no NVLink between Sparks
}

TEST(NcclAlgo, BadSyntaxIsNamed) {
    const auto unknown = nccl_algo_problem("Rnig");
    ASSERT_TRUE(unknown.has_value());
    EXPECT_NE(unknown->find("'rnig' is not an NCCL algorithm"), std::string::npos) << *unknown;
    const auto collective = nccl_algo_problem("alltoall:ring");
    ASSERT_TRUE(collective.has_value());
    EXPECT_NE(collective->find("'alltoall' is not a collective"), std::string::npos) << *collective;
    EXPECT_TRUE(nccl_algo_problem("allreduce:").has_value());
}

TEST(NcclAlgo, WhatGoesBeyondRingIsNamedPerCollective) {
    for (const char* value : {"Ring", "ring", "^tree,pat", "Ring;allreduce:ring", "^nvls,tree,pat,collnetdirect"}) {
        EXPECT_TRUE(beyond_ring(value).empty()) << value;
    }
    // Naming all_reduce alone leaves the others every algorithm, PAT included.
    EXPECT_EQ(beyond_ring("allreduce:tree,ring"),
              (std::vector<std::string>{"allgather (PAT)", "allreduce (Tree)", "reducescatter (PAT)"}));
    EXPECT_EQ(beyond_ring("Tree,Ring"),
              (std::vector<std::string>{"allreduce (Tree)"}));  // Tree runs only all_reduce between nodes
    EXPECT_EQ(beyond_ring("allreduce:ring;broadcast:ring"),
              (std::vector<std::string>{"allgather (PAT)", "reducescatter (PAT)"}));
    EXPECT_TRUE(beyond_ring("Rnig").empty());  // not syntax: nccl_algo_problem's business
}

}  // namespace
}  // namespace sparkfabric
