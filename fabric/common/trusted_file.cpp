#include "fabric/common/trusted_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sparkfabric {

TrustedRead read_trusted_file(const std::string& path, bool require_trusted, size_t max_bytes,
                              const std::string& owner_fix) {
    TrustedRead result;
    const int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        result.open_errno = errno;
        return result;
    }
    result.opened = true;
    struct stat info {};
    if (fstat(fd, &info) != 0) {
        result.refusal = std::strerror(errno);
    } else if (!S_ISREG(info.st_mode)) {
        result.refusal = "not a regular file";
    } else if (static_cast<size_t>(info.st_size) > max_bytes) {
        result.refusal = "larger than " + std::to_string(max_bytes) + " bytes";
    } else if (require_trusted && info.st_uid != 0) {
        result.refusal = "not owned by root (fix: " + owner_fix + ")";
    } else if (require_trusted && (info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        result.refusal = "writable by group or others (fix: chmod go-w " + path + ")";
    }
    if (result.refusal.empty()) {
        char buffer[8192];
        ssize_t got = 0;
        while ((got = read(fd, buffer, sizeof buffer)) > 0 && result.text.size() <= max_bytes) {
            result.text.append(buffer, static_cast<size_t>(got));
        }
        if (got < 0) result.refusal = std::strerror(errno);
    }
    close(fd);
    if (!result.refusal.empty()) result.text.clear();
    return result;
}

}  // namespace sparkfabric
