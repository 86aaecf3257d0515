// How many nodes a step's collectives span, which the plan needs (NCCL_ALGO rules by node count,
// pair or switch). The plugin reads the inputs from Slurm; the decision is here, testable.
#pragma once

#include <optional>
#include <string>

namespace sparkfabric {

struct StepNodeInputs {
    bool batch_step = false;             // the batch script's own step
    std::string program;                 // the step's argv[0]
    std::optional<std::string> step_nodes;  // SLURM_STEP_NUM_NODES as the step's environment has it
    std::optional<std::string> job_nodes;   // SLURM_JOB_NUM_NODES (else SLURM_NNODES)
    int slurm_nodes = 1;                 // what Slurm's own step record says (S_JOB_NNODES)
};

int step_node_count(const StepNodeInputs& inputs);

}  // namespace sparkfabric
