#include "fabric/common/trusted_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
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

namespace {

std::string octal_mode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

// No user database lookup: this runs in slurmstepd, where NSS may be slow or absent.
std::string owner_name(uid_t uid) { return uid == 0 ? "root" : "uid " + std::to_string(uid); }

std::string parent_of(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

std::string unreadable_file_message(const std::string& path) {
    const std::string who = path + ": cannot be read by uid " + std::to_string(geteuid());
    // The first directory on the way that this user may not enter is the one to fix.
    if (!path.empty() && path.front() == '/') {
        for (size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
            const std::string directory = path.substr(0, slash);
            struct stat info {};
            if (stat(directory.c_str(), &info) == 0 && access(directory.c_str(), X_OK) != 0) {
                return who + ": its directory " + directory + " (mode " + octal_mode(info.st_mode) + ", owner " +
                       owner_name(info.st_uid) + ") cannot be entered; fix: chmod 755 " + directory;
            }
        }
    }
    struct stat info {};
    if (stat(path.c_str(), &info) != 0) return who + ": " + std::strerror(errno);
    return who + " (mode " + octal_mode(info.st_mode) + ", owner " + owner_name(info.st_uid) +
           "): the plugin reads it as the job's user; fix: chmod 644 " + path;
}

std::string directory_refusal(const std::string& path, uid_t owner) {
    const std::string directory = parent_of(path);
    struct stat info {};
    if (stat(directory.c_str(), &info) != 0) return directory + ": " + std::strerror(errno);
    if (info.st_uid != 0 && info.st_uid != owner) return "its directory " + directory + " is owned by " + owner_name(info.st_uid) + " (fix: chown root " + directory + ")";
    if ((info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        return directory + ": writable by group or others, who could replace the file (fix: chmod go-w " + directory +
               ", or put the file in a directory of root's own)";
    }
    return {};
}

}  // namespace sparkfabric
