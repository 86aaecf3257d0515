// srun: MPI ranks started by Slurm (srun --mpi=pmix, N tasks per node), inside an allocation
// only. mpirun's ranks start this way too where they run in a pyxis image.
#pragma once

#include <string>
#include <vector>

#include "launcher/request/launch_request.hpp"

namespace sparkfabric::launch {

using Argv = std::vector<std::string>;

Argv srun_mpi_command(int nnodes, int procs_per_node, const Argv& program);

// The allocation's size, checked against --allow-large, and the processes per node.
struct AllocationRanks {
    int nnodes = 0;
    int procs_per_node = 1;
};
AllocationRanks allocation_ranks(const LaunchRequest& request);

// srun --mpi=pmix of the program over the allocation, in the pyxis image where there is one.
int launch_srun_ranks(const LaunchRequest& request, const AllocationRanks& ranks);

}  // namespace sparkfabric::launch
