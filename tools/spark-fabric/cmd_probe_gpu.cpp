// `spark-fabric probe-gpu`: asks the CUDA driver (loaded at run time) what the GPUs support and
// writes the node cache that the plan reads. This runs in its own short-lived process; the
// plugin never initialises CUDA inside slurmstepd.
#include <iostream>

#include "fabric/discovery/gpu_cache.hpp"
#include "tools/gpu_probe/cuda_probe.hpp"
#include "tools/spark-fabric/command_flags.hpp"

namespace sparkfabric::cli {

int run_probe_gpu(const Globals& globals, const std::vector<std::string>& args) {
    const auto flags = parse_command_flags(args, {{"--cache"}, {"--print", false}}, "probe-gpu");
    const LoadedNode node = load_node(globals, false);
    const std::string path = flags.count("--cache") != 0 ? flags.at("--cache") : node.config.gpu_cache_path;
    const CudaProbeResult result = probe_cuda_devices();
    if (!result.ok) {
        std::cerr << "spark-fabric: probe-gpu: " << result.error << "\n";
        return 2;
    }
    std::cout << gpu_cache_to_json(result.cache);
    if (flags.count("--print") != 0) return 0;
    // Makes the directory too, with modes that do not depend on root's umask (gpu_cache.cpp).
    write_gpu_cache(path, result.cache);
    std::cerr << "spark-fabric: wrote " << path << "\n";
    return 0;
}

}  // namespace sparkfabric::cli
