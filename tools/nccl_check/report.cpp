#include "report.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

extern char** environ;

namespace sparkfabric::ncclcheck {
namespace {

std::string json_string(const std::string& text) {
    std::string out = "\"";
    for (unsigned char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out + "\"";
}

std::string json_number(double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6f", value);
    return buf;
}

// Sorted, so two runs' files diff cleanly.
std::map<std::string, std::string> nccl_environment() {
    std::map<std::string, std::string> out;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        std::string text(*entry);
        if (text.rfind("NCCL_", 0) != 0) continue;
        auto eq = text.find('=');
        if (eq == std::string::npos) continue;
        out[text.substr(0, eq)] = text.substr(eq + 1);
    }
    return out;
}

}  // namespace

void judge(const std::vector<Row>& rows, Summary& summary) {
    summary.wrong = 0;
    for (const Row& row : rows) {
        summary.wrong += row.wrong;
        double* peak = &summary.peak_all_reduce_busbw;
        if (row.op == Collective::AllGather) peak = &summary.peak_all_gather_busbw;
        if (row.op == Collective::Broadcast) peak = &summary.peak_broadcast_busbw;
        if (row.op == Collective::ReduceScatter) peak = &summary.peak_reduce_scatter_busbw;
        *peak = std::max(*peak, row.busbw_gbps);
    }
    char text[160];
    if (summary.wrong > 0) {
        summary.verdict = "error";
        summary.exit_code = kExitError;
        summary.reason = std::to_string(summary.wrong) + " wrong values: the collectives corrupt data";
    } else if (summary.world_size < 2) {
        // Bus bandwidth is 0 by definition for one rank: there is no fabric to judge.
        summary.verdict = "error";
        summary.exit_code = kExitError;
        summary.reason = "one rank only: launch at least 2 ranks to measure the fabric";
    } else if (summary.peak_all_reduce_busbw < summary.threshold_gbps) {
        std::snprintf(text, sizeof text, "peak all_reduce busbw %.2f GB/s is below %.3f GB/s",
                      summary.peak_all_reduce_busbw, summary.threshold_gbps);
        summary.verdict = "fail";
        summary.exit_code = kExitBandwidth;
        summary.reason = text;
    } else {
        std::snprintf(text, sizeof text, "peak all_reduce busbw %.2f GB/s reaches %.3f GB/s",
                      summary.peak_all_reduce_busbw, summary.threshold_gbps);
        summary.verdict = "pass";
        summary.exit_code = kExitPass;
        summary.reason = text;
    }
}

void print_header(std::FILE* out) {
    std::fprintf(out, "# %-10s %12s %13s %6s %6s %10s %8s %8s %7s\n", "collective", "size",
                 "count", "type", "redop", "time", "algbw", "busbw", "#wrong");
    std::fprintf(out, "# %-10s %12s %13s %6s %6s %10s %8s %8s %7s\n", "", "(B)", "(elements)", "",
                 "", "(us)", "(GB/s)", "(GB/s)", "");
    std::fflush(out);
}

void print_row(std::FILE* out, const Row& row) {
    std::fprintf(out, "  %-10s %12zu %13zu %6s %6s %10.2f %8.2f %8.2f %7lld\n",
                 collective_name(row.op), row.bytes, row.count, "float",
                 row.op == Collective::AllReduce || row.op == Collective::ReduceScatter ? "sum" : "none",
                 row.time_us, row.algbw_gbps,
                 row.busbw_gbps, row.wrong);
    std::fflush(out);
}

void print_summary(std::FILE* out, const Summary& summary) {
    std::fprintf(out, "# ranks: %d  bootstrap: %s  nccl: %s  gpu: %s\n", summary.world_size,
                 summary.bootstrap.c_str(), summary.nccl_version.c_str(),
                 summary.device_name.c_str());
    std::fprintf(out, "# peak busbw: all_reduce %.2f GB/s, all_gather %.2f GB/s, broadcast %.2f GB/s, "
                      "reduce_scatter %.2f GB/s\n",
                 summary.peak_all_reduce_busbw, summary.peak_all_gather_busbw, summary.peak_broadcast_busbw,
                 summary.peak_reduce_scatter_busbw);
    std::fprintf(out, "# wrong values: %lld\n", summary.wrong);
    std::fprintf(out, "# verdict: %s (%s)\n", summary.verdict.c_str(), summary.reason.c_str());
    std::fflush(out);
}

bool write_json(const std::string& path, const CheckOptions& options, const Summary& summary,
                const std::vector<Row>& rows, std::string& error) {
    std::string j = "{\n";
    j += "  \"tool\": \"spark-nccl-check\",\n";
    j += "  \"hostname\": " + json_string(summary.hostname) + ",\n";
    j += "  \"hostnames\": [";
    for (std::size_t i = 0; i < summary.hostnames.size(); ++i)
        j += (i ? ", " : "") + json_string(summary.hostnames[i]);
    j += "],\n";
    j += "  \"world_size\": " + std::to_string(summary.world_size) + ",\n";
    j += "  \"bootstrap\": " + json_string(summary.bootstrap) + ",\n";
    j += "  \"launch_note\": " + json_string(summary.launch_note) + ",\n";
    j += "  \"nccl_version\": " + json_string(summary.nccl_version) + ",\n";
    j += "  \"device\": " + json_string(summary.device_name) + ",\n";
    j += "  \"min_bytes\": " + std::to_string(options.min_bytes) + ",\n";
    j += "  \"max_bytes\": " + std::to_string(options.max_bytes) + ",\n";
    j += "  \"iters\": " + std::to_string(options.iters) + ",\n";
    j += "  \"warmup\": " + std::to_string(options.warmup) + ",\n";
    j += "  \"nccl_env\": {";
    bool first = true;
    for (const auto& [name, value] : nccl_environment()) {
        j += std::string(first ? "" : ",") + "\n    " + json_string(name) + ": " + json_string(value);
        first = false;
    }
    j += first ? "},\n" : "\n  },\n";
    j += "  \"rows\": [";
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const Row& r = rows[i];
        j += std::string(i ? "," : "") + "\n    {\"collective\": " +
             json_string(collective_name(r.op)) + ", \"size_bytes\": " + std::to_string(r.bytes) +
             ", \"count\": " + std::to_string(r.count) + ", \"time_us\": " +
             json_number(r.time_us) + ", \"algbw_gbps\": " + json_number(r.algbw_gbps) +
             ", \"busbw_gbps\": " + json_number(r.busbw_gbps) +
             ", \"wrong\": " + std::to_string(r.wrong) + "}";
    }
    j += rows.empty() ? "],\n" : "\n  ],\n";
    j += "  \"peak_busbw_gbps\": {\"all_reduce\": " + json_number(summary.peak_all_reduce_busbw) +
         ", \"all_gather\": " + json_number(summary.peak_all_gather_busbw) +
         ", \"broadcast\": " + json_number(summary.peak_broadcast_busbw) +
         ", \"reduce_scatter\": " + json_number(summary.peak_reduce_scatter_busbw) + "},\n";
    j += "  \"threshold_gbps\": " + json_number(summary.threshold_gbps) + ",\n";
    j += "  \"wrong\": " + std::to_string(summary.wrong) + ",\n";
    j += "  \"verdict\": " + json_string(summary.verdict) + ",\n";
    j += "  \"reason\": " + json_string(summary.reason) + ",\n";
    j += "  \"exit_code\": " + std::to_string(summary.exit_code) + "\n}\n";

    std::FILE* file = std::fopen(path.c_str(), "w");
    if (file == nullptr) {
        error = "cannot write " + path + ": " + std::strerror(errno);
        return false;
    }
    bool ok = std::fwrite(j.data(), 1, j.size(), file) == j.size();
    ok = (std::fclose(file) == 0) && ok;
    if (!ok) error = "writing " + path + " failed";
    return ok;
}

}  // namespace sparkfabric::ncclcheck
