// spark-nccl-check: is this fabric fast and correct enough for NCCL?
// Runs all_reduce, all_gather, broadcast and reduce_scatter across the launched ranks, prints an nccl-tests-like table
// on rank 0 and exits 0 (pass), 1 (peak all_reduce busbw below threshold) or 2 (error or
// wrong results). Every rank exits with the same code, so launchers report it faithfully.
#include <cuda_runtime.h>
#include <nccl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bootstrap.hpp"
#include "options.hpp"
#include "report.hpp"
#include "sweep.hpp"

using namespace sparkfabric::ncclcheck;

namespace {

constexpr std::size_t kHostnameBytes = 64;

std::string local_hostname() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0) return "unknown";
    return name;
}

std::string nccl_version_text() {
    int code = 0;
    if (ncclGetVersion(&code) != ncclSuccess) return "unknown";
    // NCCL >= 2.9 encodes major*10000 + minor*100 + patch.
    return std::to_string(code / 10000) + "." + std::to_string(code / 100 % 100) + "." +
           std::to_string(code % 100);
}

// Every rank's hostname, for the record: a verdict is only meaningful with the nodes named.
bool gather_hostnames(ncclComm_t comm, cudaStream_t stream, int world_size,
                      std::vector<std::string>& out, std::string& error) {
    std::vector<char> mine(kHostnameBytes, '\0');
    std::string name = local_hostname();
    std::memcpy(mine.data(), name.data(), std::min(name.size(), kHostnameBytes - 1));
    std::vector<char> all(kHostnameBytes * static_cast<std::size_t>(world_size));
    void* device = nullptr;
    if (cudaMalloc(&device, all.size()) != cudaSuccess) {
        error = "cudaMalloc(hostnames) failed";
        return false;
    }
    bool ok = cudaMemcpy(device, mine.data(), kHostnameBytes, cudaMemcpyHostToDevice) == cudaSuccess &&
              ncclAllGather(device, device, kHostnameBytes, ncclChar, comm, stream) == ncclSuccess &&
              cudaStreamSynchronize(stream) == cudaSuccess &&
              cudaMemcpy(all.data(), device, all.size(), cudaMemcpyDeviceToHost) == cudaSuccess;
    cudaFree(device);
    if (!ok) {
        error = "gathering hostnames over NCCL failed";
        return false;
    }
    for (int r = 0; r < world_size; ++r) {
        const char* entry = all.data() + static_cast<std::size_t>(r) * kHostnameBytes;
        out.emplace_back(entry, strnlen(entry, kHostnameBytes));
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    CheckOptions options;
    std::string error;
    if (!parse_options(std::vector<std::string>(argv + 1, argv + argc), options, error)) {
        std::fprintf(stderr, "spark-nccl-check: %s (see --help)\n", error.c_str());
        return kExitError;
    }
    if (options.help) {
        std::printf("%s", usage().c_str());
        return kExitPass;
    }

    Launch launch;
    if (!start_launch(options, launch, error)) {
        std::fprintf(stderr, "spark-nccl-check: %s\n", error.c_str());
        return kExitError;
    }

    Summary summary;
    summary.hostname = local_hostname();
    summary.world_size = launch.world_size;
    summary.bootstrap = launch_kind_name(launch.kind);
    summary.launch_note = launch.note;
    summary.nccl_version = nccl_version_text();
    summary.threshold_gbps = threshold_from_args(options);
    std::vector<Row> rows;

    // Rank 0 leaves a JSON record even of an error, so automation never finds a stale file.
    auto fail = [&](const std::string& what) {
        std::fprintf(stderr, "spark-nccl-check: rank %d on %s: error: %s\n", launch.rank,
                     summary.hostname.c_str(), what.c_str());
        if (launch.rank == 0 && !options.json_path.empty()) {
            summary.verdict = "error";
            summary.reason = what;
            summary.exit_code = kExitError;
            std::string ignored;
            write_json(options.json_path, options, summary, rows, ignored);
        }
        abort_launch(launch, kExitError);
    };

    int device_count = 0;
    cudaError_t cuda_rc = cudaGetDeviceCount(&device_count);
    if (cuda_rc != cudaSuccess || device_count == 0)
        fail(std::string("no usable CUDA device: ") +
             (cuda_rc != cudaSuccess ? cudaGetErrorString(cuda_rc) : "device count is 0"));
    const int device = launch.local_rank % device_count;
    if ((cuda_rc = cudaSetDevice(device)) != cudaSuccess)
        fail("cudaSetDevice(" + std::to_string(device) + ") failed: " + cudaGetErrorString(cuda_rc));
    cudaDeviceProp props{};
    if (cudaGetDeviceProperties(&props, device) == cudaSuccess) summary.device_name = props.name;

    ncclUniqueId id{};
    if (!share_unique_id(launch, options, id, error)) fail(error);
    ncclComm_t comm = nullptr;
    if (ncclResult_t rc = ncclCommInitRank(&comm, launch.world_size, id, launch.rank);
        rc != ncclSuccess) {
        const char* last = ncclGetLastError(nullptr);
        fail(std::string("ncclCommInitRank failed: ") + ncclGetErrorString(rc) +
             (last != nullptr && *last != '\0' ? std::string(" (") + last + ")" : ""));
    }
    cudaStream_t stream = nullptr;
    if ((cuda_rc = cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking)) != cudaSuccess)
        fail(std::string("cudaStreamCreate failed: ") + cudaGetErrorString(cuda_rc));
    if (!gather_hostnames(comm, stream, launch.world_size, summary.hostnames, error)) fail(error);

    const bool leader = launch.rank == 0;
    if (leader) {
        std::printf("# spark-nccl-check: %d ranks, bootstrap %s (%s), NCCL %s\n",
                    launch.world_size, summary.bootstrap.c_str(), launch.note.c_str(),
                    summary.nccl_version.c_str());
        for (int r = 0; r < launch.world_size; ++r)
            std::printf("#   rank %d on %s\n", r, summary.hostnames[static_cast<std::size_t>(r)].c_str());
        std::printf("# rank 0 uses GPU %d (%s); sizes %zu..%zu B, %d warmup + %d timed iterations\n",
                    device, summary.device_name.c_str(), options.min_bytes, options.max_bytes,
                    options.warmup, options.iters);
        print_header(stdout);
    }

    SweepContext context{comm, stream, launch.rank, launch.world_size};
    auto show = [&](const Row& row) {
        if (leader) print_row(stdout, row);
    };
    if (!run_sweep(options, context, show, rows, error)) fail(error);

    judge(rows, summary);
    if (leader) {
        print_summary(stdout, summary);
        if (!options.json_path.empty() && !write_json(options.json_path, options, summary, rows, error))
            std::fprintf(stderr, "spark-nccl-check: %s\n", error.c_str());
    }

    cudaStreamDestroy(stream);
    ncclCommDestroy(comm);
    finish_launch(launch);
    return summary.exit_code;
}
