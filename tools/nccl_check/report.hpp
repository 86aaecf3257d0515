// What rank 0 shows and saves: an nccl-tests-like table, a verdict, and a JSON record.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "options.hpp"
#include "sweep.hpp"

namespace sparkfabric::ncclcheck {

enum ExitCode { kExitPass = 0, kExitBandwidth = 1, kExitError = 2 };

struct Summary {
    std::string hostname;
    std::vector<std::string> hostnames;  // one per rank
    int world_size = 1;
    std::string bootstrap;    // "mpi", "env" or "single"
    std::string launch_note;
    std::string nccl_version;
    std::string device_name;  // rank 0's GPU
    double threshold_gbps = 0;
    double peak_all_reduce_busbw = 0;
    double peak_all_gather_busbw = 0;
    double peak_broadcast_busbw = 0;
    double peak_reduce_scatter_busbw = 0;
    long long wrong = 0;
    std::string verdict;      // "pass", "fail" or "error"
    std::string reason;
    int exit_code = kExitError;
};

// Fills peaks, wrong and the verdict from the rows.
void judge(const std::vector<Row>& rows, Summary& summary);

void print_header(std::FILE* out);
void print_row(std::FILE* out, const Row& row);
void print_summary(std::FILE* out, const Summary& summary);

// Every row, the options, NCCL_* variables set in this process, and the verdict.
bool write_json(const std::string& path, const CheckOptions& options, const Summary& summary,
                const std::vector<Row>& rows, std::string& error);

}  // namespace sparkfabric::ncclcheck
