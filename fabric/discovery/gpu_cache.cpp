#include "fabric/discovery/gpu_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "fabric/facts/json_types.hpp"
#include "fabric/discovery/sysfs_text.hpp"
#include "fabric/common/validate.hpp"

namespace sparkfabric {

std::string gpu_cache_to_json(const GpuCache& cache) { return nlohmann::json(cache).dump(2) + "\n"; }

GpuCache gpu_cache_from_json(const std::string& text, const std::string& source_name) {
    try {
        const auto document = parse_facts_document(text);
        if (!document.is_object()) throw std::runtime_error("the top level must be an object");
        return document.get<GpuCache>();
    } catch (const std::exception& error) {
        throw std::runtime_error(source_name + ": not a GPU cache (rerun spark-fabric probe-gpu): " + error.what());
    }
}

std::optional<GpuCache> read_gpu_cache(const std::string& path, std::string& error, bool require_trusted) {
    int read_errno = 0;
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
    if (fd < 0) {
        read_errno = errno;
        if (read_errno != ENOENT) error = path + ": " + std::strerror(read_errno);
        return std::nullopt;
    }
    // Checked on the open descriptor, so the file judged is the file read.
    struct stat info {};
    std::string refusal;
    if (fstat(fd, &info) != 0) {
        refusal = std::strerror(errno);
    } else if (!S_ISREG(info.st_mode)) {
        refusal = "not a regular file";
    } else if (require_trusted && info.st_uid != 0) {
        refusal = "not owned by root (fix: rerun `spark-fabric probe-gpu` as root, or chown root " + path + ")";
    } else if (require_trusted && (info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        refusal = "writable by group or others (fix: chmod go-w " + path + ")";
    }
    if (!refusal.empty()) {
        close(fd);
        error = path + ": GPU cache refused: " + refusal;
        return std::nullopt;
    }
    std::string text;
    char buffer[4096];
    ssize_t got = 0;
    while ((got = read(fd, buffer, sizeof buffer)) > 0 && text.size() < (1u << 20)) {
        text.append(buffer, static_cast<size_t>(got));
    }
    close(fd);
    try {
        return gpu_cache_from_json(text, path);
    } catch (const std::exception& failure) {
        error = failure.what();
        return std::nullopt;
    }
}

void write_gpu_cache(const std::string& path, const GpuCache& cache) {
    const std::string temporary = path + ".tmp." + std::to_string(getpid());
    const std::string text = gpu_cache_to_json(cache);
    const int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) throw std::runtime_error(temporary + ": cannot write the GPU cache: " + std::strerror(errno));
    const bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    const bool closed = close(fd) == 0;
    if (!written || !closed || rename(temporary.c_str(), path.c_str()) != 0) {
        const std::string reason = std::strerror(errno);
        unlink(temporary.c_str());
        throw std::runtime_error(path + ": cannot write the GPU cache: " + reason);
    }
}

}  // namespace sparkfabric
