// Asks the CUDA driver what the GPUs of this node can do (integrated memory, GPUDirect RDMA,
// DMA-BUF), for the GPU capability cache.
//
// libcuda is loaded with dlopen() at run time, so sparkfabric builds and runs on machines
// without CUDA; there the probe simply reports why it could not answer.
// Call this only in a short-lived process of its own: CUDA does not survive fork() after
// cuInit, so it must never run inside slurmd or slurmstepd.
#pragma once

#include <string>

#include "fabric/facts/node_facts.hpp"

namespace sparkfabric {

struct CudaProbeResult {
    bool ok = false;
    std::string error;  // set when !ok: names the failing call and its CUresult
    GpuCache cache;     // filled when ok
};

CudaProbeResult probe_cuda_devices();

}  // namespace sparkfabric
