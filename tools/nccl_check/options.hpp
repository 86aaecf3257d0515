// Command line of spark-nccl-check.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace sparkfabric::ncclcheck {

enum class BootstrapMode { Auto, Mpi, Env };

struct CheckOptions {
    std::size_t min_bytes = 8;
    std::size_t max_bytes = std::size_t{256} << 20;  // 256 MiB
    // Largest buffer we allow. GB10 nodes share 128 GB between CPU and GPU; nccl-tests runs of
    // 16 GB froze them, so large sizes must be asked for explicitly.
    std::size_t buffer_cap_bytes = std::size_t{1} << 30;  // 1 GiB
    int iters = 20;
    int warmup = 5;
    // Unset (< 0) means: let threshold_from_args() decide.
    double threshold_gbps = -1.0;
    BootstrapMode bootstrap = BootstrapMode::Auto;
    int port = 0;  // 0: MASTER_PORT (see bootstrap.cpp)
    int bootstrap_timeout_s = 60;
    std::string json_path;
    bool help = false;
};

// 21.875 GB/s = 87.5% of one 200 Gb/s cable (25 GB/s): NVIDIA's pass mark for a Spark pair.
constexpr double kDefaultThresholdGbps = 21.875;

// Parses argv. Returns false with `error` set on a bad or out-of-range option, including a
// --max-bytes beyond the buffer cap.
bool parse_options(const std::vector<std::string>& args, CheckOptions& out, std::string& error);

// The one place that decides the pass mark: --threshold when given, else the default.
// A site-config value (min_busbw_gbps) plugs in here, between those two.
double threshold_from_args(const CheckOptions& options);

std::string usage();

// "8", "64K", "256M", "1G" (powers of 1024), as nccl-tests accepts them.
bool parse_size(const std::string& text, std::size_t& out);

}  // namespace sparkfabric::ncclcheck
