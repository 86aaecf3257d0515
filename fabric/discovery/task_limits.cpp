#include "fabric/discovery/task_limits.hpp"

#include <sys/resource.h>

#include <cstdint>
#include <limits>

namespace sparkfabric {

std::optional<long long> memlock_kib_from_slurm_env(const std::string& value) {
    std::string digits = value;
    if (!digits.empty() && digits[0] == 'U') digits.erase(0, 1);  // the user asked --propagate
    if (digits.empty() || digits.size() > 20) return std::nullopt;
    uint64_t bytes = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        const uint64_t digit = static_cast<uint64_t>(c - '0');
        if (bytes > (std::numeric_limits<uint64_t>::max() - digit) / 10) return std::nullopt;
        bytes = bytes * 10 + digit;
    }
    if (bytes == static_cast<uint64_t>(RLIM_INFINITY)) return -1;
    return static_cast<long long>(bytes / 1024);
}

}  // namespace sparkfabric
