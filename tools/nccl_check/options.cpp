#include "options.hpp"

#include <cerrno>
#include <cstdlib>

namespace sparkfabric::ncclcheck {
namespace {

bool parse_int(const std::string& text, int low, int high, int& out) {
    if (text.empty()) return false;
    char* end = nullptr;
    errno = 0;
    long value = std::strtol(text.c_str(), &end, 10);
    if (errno != 0 || *end != '\0' || value < low || value > high) return false;
    out = static_cast<int>(value);
    return true;
}

bool parse_double(const std::string& text, double& out) {
    if (text.empty()) return false;
    char* end = nullptr;
    errno = 0;
    double value = std::strtod(text.c_str(), &end);
    if (errno != 0 || *end != '\0' || !(value >= 0.0)) return false;
    out = value;
    return true;
}

}  // namespace

bool parse_size(const std::string& text, std::size_t& out) {
    if (text.empty()) return false;
    char* end = nullptr;
    errno = 0;
    unsigned long long value = std::strtoull(text.c_str(), &end, 10);
    if (errno != 0 || end == text.c_str() || text[0] == '-') return false;
    unsigned shift = 0;
    std::string suffix(end);
    if (suffix == "K" || suffix == "k") shift = 10;
    else if (suffix == "M" || suffix == "m") shift = 20;
    else if (suffix == "G" || suffix == "g") shift = 30;
    else if (!suffix.empty()) return false;
    if (shift != 0 && value > (~0ULL >> shift)) return false;
    out = static_cast<std::size_t>(value << shift);
    return true;
}

std::string usage() {
    return "usage: spark-nccl-check [options]\n"
           "  Runs NCCL all_reduce (sum), all_gather, broadcast and reduce_scatter (sum) over a size\n"
           "  sweep, checks every value, and checks the peak\n"
           "  all_reduce bus bandwidth against a threshold.\n"
           "  -b, --min-bytes N       smallest size (default 8; K/M/G suffixes)\n"
           "  -e, --max-bytes N       largest size (default 256M)\n"
           "      --buffer-cap N      refuse --max-bytes above this (default 1G)\n"
           "  -n, --iters N           timed iterations per size (default 20)\n"
           "  -w, --warmup N          untimed iterations per size (default 5)\n"
           "      --threshold GBPS    pass mark for peak all_reduce busbw (default 21.875)\n"
           "      --bootstrap MODE    auto|mpi|env (default auto)\n"
           "      --port N            env bootstrap port (default MASTER_PORT)\n"
           "      --bootstrap-timeout S  seconds to wait for peers (default 60)\n"
           "      --json FILE         write every row, NCCL_* settings and the verdict\n"
           "  -h, --help\n"
           "exit status: 0 pass, 1 bandwidth below threshold, 2 error or wrong results\n";
}

bool parse_options(const std::vector<std::string>& args, CheckOptions& out, std::string& error) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string name = args[i];
        std::string value;
        bool has_inline_value = false;
        if (auto eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            has_inline_value = true;
        }
        if (name == "-h" || name == "--help") {
            out.help = true;
            continue;
        }
        if (!has_inline_value) {
            if (i + 1 >= args.size()) {
                error = "option " + name + " needs a value";
                return false;
            }
            value = args[++i];
        }
        bool good = true;
        if (name == "-b" || name == "--min-bytes") good = parse_size(value, out.min_bytes);
        else if (name == "-e" || name == "--max-bytes") good = parse_size(value, out.max_bytes);
        else if (name == "--buffer-cap") good = parse_size(value, out.buffer_cap_bytes);
        else if (name == "-n" || name == "--iters") good = parse_int(value, 1, 1000000, out.iters);
        else if (name == "-w" || name == "--warmup") good = parse_int(value, 0, 1000000, out.warmup);
        else if (name == "--threshold") good = parse_double(value, out.threshold_gbps);
        else if (name == "--port") good = parse_int(value, 1, 65535, out.port);
        else if (name == "--bootstrap-timeout")
            good = parse_int(value, 1, 3600, out.bootstrap_timeout_s);
        else if (name == "--json") out.json_path = value;
        else if (name == "--bootstrap") {
            if (value == "auto") out.bootstrap = BootstrapMode::Auto;
            else if (value == "mpi") out.bootstrap = BootstrapMode::Mpi;
            else if (value == "env") out.bootstrap = BootstrapMode::Env;
            else good = false;
        } else {
            error = "unknown option " + name;
            return false;
        }
        if (!good) {
            error = "bad value '" + value + "' for " + name;
            return false;
        }
    }
    if (out.min_bytes == 0 || out.min_bytes > out.max_bytes) {
        error = "--min-bytes must be at least 1 and at most --max-bytes";
        return false;
    }
    if (out.max_bytes > out.buffer_cap_bytes) {
        error = "--max-bytes " + std::to_string(out.max_bytes) + " exceeds the buffer cap of " +
                std::to_string(out.buffer_cap_bytes) +
                " bytes: unified-memory nodes (DGX Spark) can freeze on multi-GB tests; raise "
                "--buffer-cap deliberately if this node can take it";
        return false;
    }
    return true;
}

double threshold_from_args(const CheckOptions& options) {
    if (options.threshold_gbps >= 0.0) return options.threshold_gbps;
    return kDefaultThresholdGbps;
}

}  // namespace sparkfabric::ncclcheck
