// spark-launch's command line (also what its own srun stages receive): parse_launch_args on
// NUL-separated arguments. Invariants: only LaunchError escapes; a request that parsed is
// within the ranges its options allow.
#include "fuzz_support.hpp"
#include "launcher/launch_request.hpp"

using namespace sparkfabric;
using namespace sparkfabric::launch;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text = fuzz::as_text(data, size);
    std::vector<std::string> args;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t end = text.find('\0', start);
        args.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    LaunchRequest request;
    try {
        request = parse_launch_args(args);
    } catch (const LaunchError& error) {
        FUZZ_ASSERT(!std::string(error.what()).empty());
        return 0;
    }
    FUZZ_ASSERT(request.port >= 0 && request.port <= 65535);
    FUZZ_ASSERT(request.nproc_per_node >= 0 && request.nproc_per_node <= 1024);
    FUZZ_ASSERT(request.nnodes >= 0 && request.nnodes <= 100000);
    if (request.stage != "plan") {
        FUZZ_ASSERT(request.launcher == "torchrun" || request.launcher == "mpirun" || request.launcher == "srun");
        FUZZ_ASSERT(!request.program.empty() && !request.program[0].empty());
    }
    return 0;
}
