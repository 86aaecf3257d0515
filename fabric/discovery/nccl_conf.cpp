#include "fabric/discovery/nccl_conf.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

namespace sparkfabric {
namespace {

constexpr size_t kMaxBytes = 64 * 1024;

void read_file(const std::string& root, const std::string& path, std::vector<NcclConfLine>& lines) {
    const int fd = open((root + path).c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return;
    struct stat status {};
    std::string content;
    if (fstat(fd, &status) == 0 && S_ISREG(status.st_mode)) {
        char buffer[4096];
        ssize_t got = 0;
        while (content.size() < kMaxBytes && (got = read(fd, buffer, sizeof buffer)) > 0) {
            content.append(buffer, static_cast<size_t>(got));
        }
    }
    close(fd);
    std::istringstream file(content.substr(0, kMaxBytes));
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
