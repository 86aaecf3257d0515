// Prints what probe_cuda_devices() found as JSON, written by hand so this bench build needs
// no JSON library. Exit 0 when the probe worked, 2 otherwise.
#include <cstdio>
#include <string>

#include "tools/gpu_probe/cuda_probe.hpp"

namespace {

// Driver-reported names and bus ids hold no quotes or control characters; escape anyway.
std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
    }
    return out + "\"";
}

const char* boolean(bool value) { return value ? "true" : "false"; }

}  // namespace

int main() {
    sparkfabric::CudaProbeResult result = sparkfabric::probe_cuda_devices();
    if (!result.ok) {
        std::printf("{\"ok\": false, \"error\": %s}\n", quoted(result.error).c_str());
        return 2;
    }
    const sparkfabric::GpuCache& cache = result.cache;
    std::printf("{\"ok\": true, \"cuda_driver_version\": %d, \"probed_at\": %s, \"gpus\": [",
                cache.cuda_driver_version, quoted(cache.probed_at).c_str());
    for (std::size_t i = 0; i < cache.gpus.size(); ++i) {
        const sparkfabric::GpuCapability& gpu = cache.gpus[i];
        std::printf("%s\n  {\"index\": %d, \"name\": %s, \"pci_bus_id\": %s, \"integrated\": %s, "
                    "\"dma_buf_supported\": %s, \"gpu_direct_rdma_supported\": %s}",
                    i ? "," : "", gpu.index, quoted(gpu.name).c_str(),
                    quoted(gpu.pci_bus_id).c_str(), boolean(gpu.integrated),
                    boolean(gpu.dma_buf_supported), boolean(gpu.gpu_direct_rdma_supported));
    }
    std::printf("\n]}\n");
    return 0;
}
