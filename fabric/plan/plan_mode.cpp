// safe (CPU-staged: NCCL_NET_GDR_LEVEL=LOC, no DMA-BUF) or dmabuf (GPUDirect through DMA-BUF).
// NVIDIA says GPUDirect RDMA is unsupported on GB10, and forcing it can make
// init_process_group hang with no message; so auto picks dmabuf only on the GPU's own word.
#include "fabric/plan/make_plan_parts.hpp"

namespace sparkfabric::detail {
namespace {

std::string capability_summary(const GpuCache& cache) {
    std::string text;
    for (const auto& gpu : cache.gpus) {
        text += (text.empty() ? "" : "; ") + std::string("GPU ") + std::to_string(gpu.index) +
                " DMA_BUF_SUPPORTED=" + (gpu.dma_buf_supported ? "1" : "0") +
                " GPU_DIRECT_RDMA_SUPPORTED=" + (gpu.gpu_direct_rdma_supported ? "1" : "0");
    }
    return text;
}

bool every_gpu_has_dmabuf(const GpuCache& cache) {
    if (cache.gpus.empty()) return false;
    for (const auto& gpu : cache.gpus) {
        if (!gpu.dma_buf_supported) return false;
    }
    return true;
}

}  // namespace

NcclMode choose_mode(const NodeFacts& facts, const SiteConfig& config, const JobShape& job,
                     std::string& reason, std::vector<Finding>& findings) {
    NcclMode mode = NcclMode::automatic;
    if (config.nccl_mode_enforced && config.nccl_mode != NcclMode::automatic) {
        mode = config.nccl_mode;
        reason = std::string("the site enforces ") + to_string(mode) + " (nccl.enforce_mode)";
    } else if (job.nccl_mode != NcclMode::automatic) {
        mode = job.nccl_mode;
        reason = std::string("requested with --nccl-mode=") + to_string(mode);
    } else if (config.nccl_mode != NcclMode::automatic) {
        mode = config.nccl_mode;
        reason = std::string("set by the site config (nccl.mode: ") + to_string(mode) + ")";
    }

    const auto& cache = facts.gpu_cache;
    if (mode == NcclMode::automatic) {
        if (!cache) {
            reason = "no GPU capability cache (run `spark-fabric probe-gpu` on this node); safe never hangs";
            return NcclMode::safe;
        }
        if (every_gpu_has_dmabuf(*cache)) {
            reason = "every GPU reports DMA-BUF support (" + capability_summary(*cache) + ")";
            return NcclMode::dmabuf;
        }
        reason = cache->gpus.empty() ? std::string("the GPU cache lists no GPU")
                                     : "GPUDirect over DMA-BUF unavailable (" + capability_summary(*cache) + ")";
        return NcclMode::safe;
    }
    if (mode == NcclMode::dmabuf && cache && !every_gpu_has_dmabuf(*cache)) {
        findings.push_back({Severity::warning, "dmabuf-unsupported", "",
                            "dmabuf mode chosen but the GPU says no (" + capability_summary(*cache) +
                                "); NCCL may fail or hang at init",
                            "use --nccl-mode=safe (or auto)"});
    }
    return mode;
}

}  // namespace sparkfabric::detail
