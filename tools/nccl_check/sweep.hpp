// The measurement: all_reduce (sum), all_gather, broadcast (root 0) and reduce_scatter (sum)
// of floats over a doubling size sweep, timed with CUDA events and checked against values
// computed on the host. All four, because an NCCL_ALGO that NCCL accepts can still leave one
// of them without an algorithm; the check must call each to find out.
#pragma once

#include <cuda_runtime.h>
#include <nccl.h>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "options.hpp"

namespace sparkfabric::ncclcheck {

enum class Collective { AllReduce, AllGather, Broadcast, ReduceScatter };
inline constexpr Collective kCollectives[] = {Collective::AllReduce, Collective::AllGather, Collective::Broadcast,
                                              Collective::ReduceScatter};

const char* collective_name(Collective op);

struct Row {
    Collective op = Collective::AllReduce;
    std::size_t bytes = 0;  // nccl-tests' "size": the larger of one rank's send and receive buffers
    std::size_t count = 0;  // nccl-tests' "count": elements per rank's block
    double time_us = 0;     // mean per iteration, averaged over ranks
    double algbw_gbps = 0;
    double busbw_gbps = 0;
    long long wrong = 0;    // wrong elements, summed over ranks
};

struct SweepContext {
    ncclComm_t comm = nullptr;
    cudaStream_t stream = nullptr;
    int rank = 0;
    int world_size = 1;
};

// Bandwidths exactly as nccl-tests computes them (GB = 1e9 bytes).
void set_bandwidths(Row& row, int world_size);

// Runs the four sweeps; `on_row` sees each row as soon as it is known (for a live table).
// False with `error` set when a CUDA or NCCL call fails.
bool run_sweep(const CheckOptions& options, const SweepContext& context,
               const std::function<void(const Row&)>& on_row, std::vector<Row>& rows,
               std::string& error);

}  // namespace sparkfabric::ncclcheck
