// Running commands: exec, capture with a time bound, or several at once. argv only, no shell.
#pragma once

#include <string>
#include <vector>

namespace sparkfabric::launch {

using Argv = std::vector<std::string>;

// Replaces this process; returns only on failure, with the reason.
std::string exec_replace(const Argv& argv);

struct Captured {
    int status = -1;  // exit status; 124 on timeout; 127 when it could not start
    std::string out;
    std::string err;  // only from run_capture_both; run_capture leaves stderr on ours
    long first_output_ms = -1;  // from the start to its first byte on stdout; -1: it wrote none
};
Captured run_capture(const Argv& argv, int timeout_seconds);
// stdout and stderr apart: for a step whose failure is many lines of someone else's log (pyxis)
// that the caller sums up in one.
Captured run_capture_both(const Argv& argv, int timeout_seconds);

// Starts every command, waits for all; the first non-zero exit status, else 0.
int run_parallel(const std::vector<Argv>& commands);

std::string self_executable();

// Milliseconds on the monotonic clock: for deadlines and elapsed times, never for dates.
long monotonic_ms();

}  // namespace sparkfabric::launch
