// Where and under which name a torchrun launch meets: the head's address, a port free on the
// head, and an id no other launch shares. Two launches in one allocation (the same job and
// even the same step) get different ports and ids from the random part.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace sparkfabric::launch {

inline constexpr int kPortRangeStart = 20000;
inline constexpr int kPortRangeSize = 10000;  // 20000-29999: clear of the usual service ports

struct LaunchIdentity {
    std::string job_id;   // empty outside Slurm
    std::string step_id;  // empty outside a step (sbatch script, salloc shell)
    uint32_t random = 0;
};

// A fresh identity: Slurm's ids from the environment, the random part from the kernel.
LaunchIdentity this_launch();

// "slurm-<job>-<step>-<random hex>", or "sparkfabric-<random hex>" outside Slurm.
std::string rendezvous_id(const LaunchIdentity& identity);
// Where the search for a free port starts, spread over the range by job, step and random part.
int first_port_to_try(const LaunchIdentity& identity);
// The first port from `start` (wrapping within the range) that `is_free` accepts; 0 if none of
// `attempts` is.
int next_free_port(int start, const std::function<bool(int)>& is_free, int attempts = 200);
// Whether a TCP listener could take this port on this machine now (bind on every address).
bool port_is_free_here(int port);

// The address every node of the job can reach: SPARKFABRIC_BOOTSTRAP_ADDR where the plan has
// one (rings bootstrap on the management network), else the fabric address. Empty if neither.
std::string bootstrap_address(const std::map<std::string, std::string>& plan);

}  // namespace sparkfabric::launch
