// Which node count a step plans for (the plugin reads the inputs from Slurm).
#include <gtest/gtest.h>

#include "fabric/plan/step_nodes.hpp"

namespace sparkfabric {
namespace {

TEST(StepNodes, AnOrdinaryStepPlansForItsOwnNodes) {
    EXPECT_EQ(step_node_count({false, "/usr/bin/python3", "2", "10", 2}), 2);
    EXPECT_EQ(step_node_count({false, "bash", std::nullopt, "10", 10}), 10);
    EXPECT_EQ(step_node_count({false, "bash", std::nullopt, std::nullopt, 4}), 4);
}

TEST(StepNodes, TheBatchStepPlansForTheJobWhateverItInherited) {
    // sbatch run inside a one-node srun step passes that step's SLURM_STEP_NUM_NODES on.
    EXPECT_EQ(step_node_count({true, "/home/u/job.sh", "1", "3", 1}), 3);
}

TEST(StepNodes, OpenMpisDaemonsPlanForTheJobLikeMpirunsOwnNode) {
    // mpirun on node 1 of 3 starts its daemons on the other two: a 2-node step.
    EXPECT_EQ(step_node_count({false, "orted", "2", "3", 2}), 3);
    EXPECT_EQ(step_node_count({false, "/opt/openmpi/bin/prted", "2", "3", 2}), 3);
    EXPECT_EQ(step_node_count({false, "/usr/bin/orted-helper", "2", "3", 2}), 2);
}

TEST(StepNodes, NumbersThatAreNotNodeCountsAreIgnored) {
    EXPECT_EQ(step_node_count({false, "bash", "two", "3", 3}), 3);
    EXPECT_EQ(step_node_count({true, "job.sh", "1", "0", 5}), 1);
    EXPECT_EQ(step_node_count({false, "bash", "99999999999", std::nullopt, 0}), 1);
}

}  // namespace
}  // namespace sparkfabric
