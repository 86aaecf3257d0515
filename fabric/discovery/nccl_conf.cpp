#include "fabric/discovery/nccl_conf.hpp"

#include <fstream>

namespace sparkfabric {
namespace {

constexpr size_t kMaxBytes = 64 * 1024;

void read_file(const std::string& root, const std::string& path, std::vector<NcclConfLine>& lines) {
    std::ifstream file(root + path);
    if (!file) return;
    std::string text;
    size_t bytes = 0;
    int number = 0;
    while (bytes < kMaxBytes && std::getline(file, text)) {
        bytes += text.size() + 1;
        ++number;
        if (text.empty() || text[0] == '#') continue;
        const auto equals = text.find('=');
        if (equals == std::string::npos || equals == 0) continue;  // NCCL skips lines without '='
        lines.push_back({path, number, text.substr(0, equals), text.substr(equals + 1)});
    }
}

}  // namespace

std::vector<NcclConfLine> read_nccl_conf(const std::string& root_dir, const std::string& conf_file,
                                         const std::string& home) {
    const std::string root = root_dir == "/" ? std::string() : root_dir;
    std::vector<NcclConfLine> lines;
    if (!conf_file.empty()) {
        read_file(root, conf_file, lines);
    } else if (!home.empty()) {
        read_file(root, home + "/.nccl.conf", lines);
    }
    read_file(root, "/etc/nccl.conf", lines);
    return lines;
}

}  // namespace sparkfabric
