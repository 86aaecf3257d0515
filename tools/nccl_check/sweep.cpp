#include "sweep.hpp"

#include <algorithm>
#include <vector>

namespace sparkfabric::ncclcheck {
namespace {

// Values are small integers so sums are exact in float whatever order NCCL adds them in:
// at most world_size * (63 + 1024) < 2^24 for up to 15000 ranks. The rank term tells
// all_gather blocks apart; the size term catches results left over from the previous size.
// The two terms are separate so the expected sum costs O(1) per element at any world size.
float index_term(std::size_t index, int salt) {
    return static_cast<float>((index * 13 + static_cast<std::size_t>(salt) * 7) % 64);
}
float rank_term(int rank) { return static_cast<float>(rank % 1024 + 1); }
float pattern(std::size_t index, int rank, int salt) {
    return index_term(index, salt) + rank_term(rank);
}

struct DeviceBuffer {
    void* ptr = nullptr;
    ~DeviceBuffer() {
        if (ptr != nullptr) cudaFree(ptr);
    }
};

struct Event {
    cudaEvent_t event = nullptr;
    ~Event() {
        if (event != nullptr) cudaEventDestroy(event);
    }
};

bool cuda_ok(cudaError_t rc, const char* call, std::string& error) {
    if (rc == cudaSuccess) return true;
    error = std::string(call) + " failed: " + cudaGetErrorString(rc);
    return false;
}

bool nccl_ok(ncclResult_t rc, const char* call, ncclComm_t comm, std::string& error) {
    if (rc == ncclSuccess) return true;
    error = std::string(call) + " failed: " + ncclGetErrorString(rc);
    if (const char* last = ncclGetLastError(comm); last != nullptr && *last != '\0')
        error += std::string(" (") + last + ")";
    return false;
}

class Runner {
public:
    Runner(const CheckOptions& options, const SweepContext& context)
        : options_(options), ctx_(context) {}

    bool setup(std::string& error) {
        // One send and one receive buffer of --max-bytes serve both collectives, so neither
        // ever exceeds the buffer cap.
        return cuda_ok(cudaMalloc(&send_.ptr, options_.max_bytes), "cudaMalloc(send)", error) &&
               cuda_ok(cudaMalloc(&recv_.ptr, options_.max_bytes), "cudaMalloc(recv)", error) &&
               cuda_ok(cudaMalloc(&stats_.ptr, 2 * sizeof(double)), "cudaMalloc(stats)", error) &&
               cuda_ok(cudaEventCreate(&start_.event), "cudaEventCreate", error) &&
               cuda_ok(cudaEventCreate(&stop_.event), "cudaEventCreate", error);
    }

    bool measure(Collective op, std::size_t size, int salt, Row& row, std::string& error) {
        // As nccl-tests sizes them: all_gather and reduce_scatter split `size` into one block
        // per rank; all_reduce and broadcast move `size` whole.
        const auto ranks = static_cast<std::size_t>(ctx_.world_size);
        const bool split = op == Collective::AllGather || op == Collective::ReduceScatter;
        const std::size_t block = split ? size / (sizeof(float) * ranks) : size / sizeof(float);
        row = Row{};
        row.op = op;
        row.count = block;
        if (block == 0) return true;  // too small to split; caller skips it
        const std::size_t send_count = op == Collective::ReduceScatter ? block * ranks : block;
        const std::size_t recv_count = op == Collective::AllGather ? block * ranks : block;
        row.bytes = std::max(send_count, recv_count) * sizeof(float);

        host_.resize(std::max(send_count, recv_count));
        for (std::size_t i = 0; i < send_count; ++i) host_[i] = pattern(i, ctx_.rank, salt);
        if (!cuda_ok(cudaMemcpy(send_.ptr, host_.data(), send_count * sizeof(float),
                                cudaMemcpyHostToDevice), "cudaMemcpy(fill)", error) ||
            !cuda_ok(cudaMemset(recv_.ptr, 0, recv_count * sizeof(float)), "cudaMemset", error))
            return false;

        for (int i = 0; i < options_.warmup; ++i)
            if (!launch(op, block, error)) return false;
        if (!cuda_ok(cudaStreamSynchronize(ctx_.stream), "cudaStreamSynchronize", error) ||
            !cuda_ok(cudaEventRecord(start_.event, ctx_.stream), "cudaEventRecord", error))
            return false;
        for (int i = 0; i < options_.iters; ++i)
            if (!launch(op, block, error)) return false;
        float elapsed_ms = 0;
        if (!cuda_ok(cudaEventRecord(stop_.event, ctx_.stream), "cudaEventRecord", error) ||
            !cuda_ok(cudaEventSynchronize(stop_.event), "cudaEventSynchronize", error) ||
            !cuda_ok(cudaEventElapsedTime(&elapsed_ms, start_.event, stop_.event),
                     "cudaEventElapsedTime", error))
            return false;

        // The send buffer is never written, so the last iteration's output must be exact.
        if (!cuda_ok(cudaMemcpy(host_.data(), recv_.ptr, recv_count * sizeof(float),
                                cudaMemcpyDeviceToHost), "cudaMemcpy(check)", error))
            return false;
        long long wrong = count_wrong(op, block, salt);

        double local[2] = {elapsed_ms * 1e-3 / options_.iters, static_cast<double>(wrong)};
        double total[2] = {0, 0};
        if (!reduce_stats(local, total, error)) return false;
        // nccl-tests' default: the mean of the ranks' times.
        row.time_us = total[0] / ctx_.world_size * 1e6;
        row.wrong = static_cast<long long>(total[1]);
        set_bandwidths(row, ctx_.world_size);
        return true;
    }

private:
    // `count` is one block: all_gather's send, reduce_scatter's receive, all of the others.
    bool launch(Collective op, std::size_t count, std::string& error) {
        switch (op) {
            case Collective::AllReduce:
                return nccl_ok(ncclAllReduce(send_.ptr, recv_.ptr, count, ncclFloat, ncclSum, ctx_.comm, ctx_.stream),
                               "ncclAllReduce", ctx_.comm, error);
            case Collective::AllGather:
                return nccl_ok(ncclAllGather(send_.ptr, recv_.ptr, count, ncclFloat, ctx_.comm, ctx_.stream),
                               "ncclAllGather", ctx_.comm, error);
            case Collective::Broadcast:
                return nccl_ok(ncclBroadcast(send_.ptr, recv_.ptr, count, ncclFloat, 0, ctx_.comm, ctx_.stream),
                               "ncclBroadcast", ctx_.comm, error);
            case Collective::ReduceScatter:
                return nccl_ok(ncclReduceScatter(send_.ptr, recv_.ptr, count, ncclFloat, ncclSum, ctx_.comm,
                                                 ctx_.stream),
                               "ncclReduceScatter", ctx_.comm, error);
        }
        error = "unknown collective";
        return false;
    }

    long long count_wrong(Collective op, std::size_t block, int salt) const {
        long long wrong = 0;
        float rank_sum = 0;
        for (int r = 0; r < ctx_.world_size; ++r) rank_sum += rank_term(r);
        const float n = static_cast<float>(ctx_.world_size);
        if (op == Collective::AllReduce || op == Collective::ReduceScatter) {
            // reduce_scatter leaves this rank the sum of everyone's block number `rank`.
            const std::size_t offset = op == Collective::ReduceScatter ? block * static_cast<std::size_t>(ctx_.rank) : 0;
            for (std::size_t i = 0; i < block; ++i)
                if (host_[i] != n * index_term(offset + i, salt) + rank_sum) ++wrong;
        } else if (op == Collective::Broadcast) {
            for (std::size_t i = 0; i < block; ++i)
                if (host_[i] != pattern(i, 0, salt)) ++wrong;
        } else {
            for (int r = 0; r < ctx_.world_size; ++r) {
                const float* gathered = host_.data() + static_cast<std::size_t>(r) * block;
                for (std::size_t i = 0; i < block; ++i)
                    if (gathered[i] != pattern(i, r, salt)) ++wrong;
            }
        }
        return wrong;
    }

    // Sums {seconds, wrong} over ranks with NCCL itself, so both bootstraps share one path.
    bool reduce_stats(const double local[2], double total[2], std::string& error) {
        return cuda_ok(cudaMemcpy(stats_.ptr, local, 2 * sizeof(double), cudaMemcpyHostToDevice),
                       "cudaMemcpy(stats)", error) &&
               nccl_ok(ncclAllReduce(stats_.ptr, stats_.ptr, 2, ncclFloat64, ncclSum, ctx_.comm,
                                     ctx_.stream),
                       "ncclAllReduce(stats)", ctx_.comm, error) &&
               cuda_ok(cudaStreamSynchronize(ctx_.stream), "cudaStreamSynchronize", error) &&
               cuda_ok(cudaMemcpy(total, stats_.ptr, 2 * sizeof(double), cudaMemcpyDeviceToHost),
                       "cudaMemcpy(stats)", error);
    }

    const CheckOptions& options_;
    const SweepContext& ctx_;
    DeviceBuffer send_, recv_, stats_;
    Event start_, stop_;
    std::vector<float> host_;
};

}  // namespace

const char* collective_name(Collective op) {
    switch (op) {
        case Collective::AllReduce: return "all_reduce";
        case Collective::AllGather: return "all_gather";
        case Collective::Broadcast: return "broadcast";
        case Collective::ReduceScatter: return "reduce_scatter";
    }
    return "?";
}

void set_bandwidths(Row& row, int world_size) {
    if (row.time_us <= 0) return;
    const double seconds = row.time_us * 1e-6;
    const double n = world_size;
    row.algbw_gbps = static_cast<double>(row.bytes) / 1e9 / seconds;
    // nccl-tests' factors: all_reduce moves 2(n-1)/n of the data over the busiest link,
    // all_gather and reduce_scatter (n-1)/n, broadcast all of it once.
    double factor = (n - 1) / n;
    if (row.op == Collective::AllReduce) factor = 2.0 * (n - 1) / n;
    if (row.op == Collective::Broadcast) factor = 1.0;
    row.busbw_gbps = row.algbw_gbps * factor;
}

bool run_sweep(const CheckOptions& options, const SweepContext& context,
               const std::function<void(const Row&)>& on_row, std::vector<Row>& rows,
               std::string& error) {
    Runner runner(options, context);
    if (!runner.setup(error)) return false;
    for (Collective op : kCollectives) {
        int salt = 0;
        for (std::size_t size = options.min_bytes; size <= options.max_bytes; size *= 2) {
            Row row;
            if (!runner.measure(op, size, salt++, row, error)) return false;
            if (row.count != 0) {
                rows.push_back(row);
                if (on_row) on_row(row);
            }
            if (size > options.max_bytes / 2) break;  // no overflow on the doubling
        }
    }
    return true;
}

}  // namespace sparkfabric::ncclcheck
