#include "fabric/discovery/sysfs_text.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace sparkfabric {

std::optional<std::string> read_sysfs_text(const std::string& path, int* errno_out) {
    // O_NONBLOCK: a FIFO planted in a fixture or an odd procfs file must not hang us.
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno_out != nullptr) *errno_out = errno;
        return std::nullopt;
    }
    char buffer[4096];
    const ssize_t got = read(fd, buffer, sizeof buffer);
    const int read_errno = errno;
    close(fd);
    if (got < 0) {
        if (errno_out != nullptr) *errno_out = read_errno;
        return std::nullopt;
    }
    std::string text(buffer, static_cast<size_t>(got));
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t' ||
                             text.back() == '\r' || text.back() == '\0')) {
        text.pop_back();
    }
    return text;
}

std::vector<std::string> list_directory(const std::string& path) {
    std::vector<std::string> names;
    DIR* directory = opendir(path.c_str());
    if (directory == nullptr) return names;
    while (const dirent* entry = readdir(directory)) {
        const std::string name = entry->d_name;
        if (name != "." && name != "..") names.push_back(name);
    }
    closedir(directory);
    std::sort(names.begin(), names.end());
    return names;
}

std::optional<std::string> link_target_name(const std::string& path) {
    char target[PATH_MAX];
    const ssize_t length = readlink(path.c_str(), target, sizeof target - 1);
    if (length <= 0) return std::nullopt;
    std::string text(target, static_cast<size_t>(length));
    while (!text.empty() && text.back() == '/') text.pop_back();
    const auto slash = text.rfind('/');
    return slash == std::string::npos ? text : text.substr(slash + 1);
}

std::optional<int> parse_decimal(const std::string& text) {
    if (text.empty() || text.size() > 9) return std::nullopt;
    size_t start = text[0] == '-' ? 1 : 0;
    if (start == text.size()) return std::nullopt;
    int value = 0;
    for (size_t i = start; i < text.size(); ++i) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        value = value * 10 + (text[i] - '0');
    }
    return start == 1 ? -value : value;
}

std::string port_state_name(const std::string& text) {
    const auto colon = text.find(':');
    if (colon == std::string::npos) return text;
    std::string name = text.substr(colon + 1);
    name.erase(0, name.find_first_not_of(' '));
    return name;
}

}  // namespace sparkfabric
