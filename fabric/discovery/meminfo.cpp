#include <sstream>

#include "fabric/discovery/discovery.hpp"
#include "fabric/discovery/sysfs_text.hpp"

namespace sparkfabric {

// "CmaTotal:        0 kB" lines of /proc/meminfo (fs/proc/meminfo.c prints every field as
// "%-16s%8lu kB"). A field that is missing, or not a number, stays -1.
CmaFacts read_cma(const std::string& procfs_root) {
    CmaFacts cma;
    const auto text = read_sysfs_text(procfs_root + "/meminfo");
    if (!text) return cma;
    std::istringstream lines(*text);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string name, number, unit;
        if (!(fields >> name >> number) || number.empty() || number.size() > 15 ||
            number.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        if (name == "CmaTotal:") cma.total_kib = std::stoll(number);
        if (name == "CmaFree:") cma.free_kib = std::stoll(number);
    }
    return cma;
}

}  // namespace sparkfabric
