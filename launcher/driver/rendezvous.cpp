#include "launcher/driver/rendezvous.hpp"

#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace sparkfabric::launch {
namespace {

std::string digits_only(const char* text) {
    std::string out;
    if (text == nullptr) return out;
    for (const char* c = text; *c != '\0' && out.size() < 20; ++c) {
        if (*c < '0' || *c > '9') return {};
        out += *c;
    }
    return out;
}

uint64_t mix(uint64_t value) {  // splitmix64 finaliser: spreads nearby job ids over the range
    value += 0x9e3779b97f4a7c15ULL;
    value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
    value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
    return value ^ (value >> 31);
}

}  // namespace

LaunchIdentity this_launch() {
    LaunchIdentity identity;
    identity.job_id = digits_only(std::getenv("SLURM_JOB_ID"));
    identity.step_id = digits_only(std::getenv("SLURM_STEP_ID"));
    if (getrandom(&identity.random, sizeof identity.random, 0) != sizeof identity.random) {
        // No entropy source: time and pid still separate two launches started by one script.
        const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
        identity.random = static_cast<uint32_t>(mix(static_cast<uint64_t>(now) ^ static_cast<uint64_t>(getpid())));
    }
    return identity;
}

std::string rendezvous_id(const LaunchIdentity& identity) {
    char random[9];
    std::snprintf(random, sizeof random, "%08x", identity.random);
    if (identity.job_id.empty()) return std::string("sparkfabric-") + random;
    return "slurm-" + identity.job_id + "-" + (identity.step_id.empty() ? "x" : identity.step_id) + "-" + random;
}

int first_port_to_try(const LaunchIdentity& identity) {
    const uint64_t job = std::strtoull(identity.job_id.c_str(), nullptr, 10);
    const uint64_t step = std::strtoull(identity.step_id.c_str(), nullptr, 10);
    const uint64_t spread = mix(job * 1000003ULL + step * 7919ULL + identity.random);
    return kPortRangeStart + static_cast<int>(spread % kPortRangeSize);
}

int next_free_port(int start, const std::function<bool(int)>& is_free, int attempts) {
    int offset = start - kPortRangeStart;
    if (offset < 0 || offset >= kPortRangeSize) offset = 0;
    for (int i = 0; i < attempts && i < kPortRangeSize; ++i) {
        const int port = kPortRangeStart + (offset + i) % kPortRangeSize;
        if (is_free(port)) return port;
    }
    return 0;
}

bool port_is_free_here(int port) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    // No SO_REUSEADDR: a port in TIME_WAIT or bound on any address counts as taken.
    const bool free = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    close(fd);
    return free;
}

std::string bootstrap_address(const std::map<std::string, std::string>& plan) {
    for (const char* name : {"SPARKFABRIC_BOOTSTRAP_ADDR", "SPARKFABRIC_FABRIC_ADDR"}) {
        const auto found = plan.find(name);
        if (found != plan.end() && !found->second.empty()) return found->second;
    }
    return {};
}

}  // namespace sparkfabric::launch
