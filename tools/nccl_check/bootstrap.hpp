// Who we are (rank, world size, local rank) and how rank 0's ncclUniqueId reaches the others:
// MPI_Bcast when an MPI launcher started us, otherwise a small TCP exchange driven by the
// torchrun-style variables RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT.
#pragma once

#include <nccl.h>

#include <string>

#include "options.hpp"

namespace sparkfabric::ncclcheck {

enum class LaunchKind { Single, Mpi, Env };

struct Launch {
    LaunchKind kind = LaunchKind::Single;
    int rank = 0;
    int world_size = 1;
    int local_rank = 0;   // picks the GPU: local_rank % device count
    std::string master_addr;
    int port = 0;
    std::string note;     // how the launch was recognised, for the log
};

const char* launch_kind_name(LaunchKind kind);

// Resolves --bootstrap (auto looks at the environment) and, for MPI, calls MPI_Init.
bool start_launch(const CheckOptions& options, Launch& launch, std::string& error);

// Rank 0 creates the id; every rank returns holding the same one.
bool share_unique_id(const Launch& launch, const CheckOptions& options, ncclUniqueId& id,
                     std::string& error);

// Fatal error after start: under MPI, take every rank down rather than leave peers waiting.
[[noreturn]] void abort_launch(const Launch& launch, int exit_code);

void finish_launch(const Launch& launch);

}  // namespace sparkfabric::ncclcheck
