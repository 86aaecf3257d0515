// spark-launch's command line (also what its own srun stages receive): parse_launch_args on
// NUL-separated arguments. Invariants: only LaunchError escapes; a request that parsed is
// within the ranges its options allow; a vllm or sglang program that passes the serving checks
// gets exactly one --node-rank per node, and --headless exactly on vLLM's workers.
#include "fuzz_support.hpp"
#include <algorithm>

#include "launcher/kinds/sglang.hpp"
#include "launcher/kinds/vllm.hpp"
#include "launcher/request/launch_request.hpp"

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
    FUZZ_ASSERT(request.stage.nnodes >= 0 && request.stage.nnodes <= 100000);
    if (request.stage.name.empty() || request.stage.name == "node") {
        FUZZ_ASSERT(parse_launch_kind(kind_name(request.kind)) == request.kind);
        FUZZ_ASSERT(!request.program.empty() && !request.program[0].empty());
    }
    FUZZ_ASSERT(request.join_timeout >= 1 && request.join_timeout <= 86400);
    if (request.kind != LaunchKind::vllm && request.kind != LaunchKind::sglang) return 0;
    try {
        per_node_kind(request.kind).check_program(request.program, 2);
    } catch (const LaunchError& error) {
        FUZZ_ASSERT(!std::string(error.what()).empty());
        return 0;
    }
    for (int rank = 0; rank < 2; ++rank) {
        const NodeRole role{2, rank, "192.168.200.1", "20042", "192.168.200.2"};
        const NodeCommand command = request.kind == LaunchKind::vllm ? vllm_node_command(request.program, role)
                                                               : sglang_node_command("python3", request.program, role);
        FUZZ_ASSERT(std::count(command.argv.begin(), command.argv.end(), "--node-rank") == 1);
        const long headless = std::count(command.argv.begin(), command.argv.end(), "--headless");
        FUZZ_ASSERT(headless == (request.kind == LaunchKind::vllm && rank > 0 ? 1 : 0));
    }
    return 0;
}
