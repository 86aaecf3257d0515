#include "fabric/discovery/gpu_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "fabric/common/trusted_file.hpp"
#include "fabric/common/validate.hpp"
#include "fabric/discovery/sysfs_text.hpp"
#include "fabric/facts/json_types.hpp"

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
    const TrustedRead file = read_trusted_file(path, require_trusted, 1u << 20,
                                               "rerun `spark-fabric probe-gpu` as root, or chown root " + path);
    if (!file.opened) {
        if (file.open_errno == EACCES) {
            error = unreadable_file_message(path);
        } else if (file.open_errno != ENOENT) {
            error = path + ": " + std::strerror(file.open_errno);
        }
        return std::nullopt;
    }
    std::string refusal = file.refusal;
    // A root-owned file in a directory others can write can still be swapped for another.
    if (refusal.empty() && require_trusted) refusal = directory_refusal(path);
    if (!refusal.empty()) {
        error = path + ": GPU cache refused: " + refusal;
        return std::nullopt;
    }
    const std::string& text = file.text;
    try {
        return gpu_cache_from_json(text, path);
    } catch (const std::exception& failure) {
        error = failure.what();
        return std::nullopt;
    }
}

namespace {

[[noreturn]] void cannot_write(const std::string& path, const std::string& reason) {
    throw std::runtime_error(path + ": cannot write the GPU cache: " + reason);
}

// The cache's directory, made if missing. Its mode is set, not left to the umask (root's 077
// would lock every job's user out), and a directory others can write is refused: they could
// replace the file the plugin trusts.
void prepare_directory(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos || slash == 0) return;
    const std::string directory = path.substr(0, slash);
    if (mkdir(directory.c_str(), 0755) == 0) {
        if (chmod(directory.c_str(), 0755) != 0) cannot_write(directory, std::strerror(errno));
    } else if (errno != EEXIST) {
        cannot_write(path, "cannot create " + directory + ": " + std::strerror(errno));
    }
    // One made by an earlier probe-gpu under root's umask 077 is 0700: the plugin, reading as
    // each job's user, could never open the cache in it.
    struct stat info {};
    if (stat(directory.c_str(), &info) == 0 && (info.st_mode & S_IXOTH) == 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
        cannot_write(path, "its directory " + directory + " (mode " + mode +
                               ") cannot be entered by the jobs' users, as whom the plugin reads the cache; fix: chmod 755 " +
                               directory);
    }
    const std::string refusal = directory_refusal(path, geteuid());
    if (!refusal.empty()) cannot_write(path, refusal);
}

}  // namespace

void write_gpu_cache(const std::string& path, const GpuCache& cache) {
    prepare_directory(path);
    // A temporary file of its own (mkstemp: a unique name, O_EXCL), its mode set explicitly,
    // then renamed over the cache: readers see the old file or the new, whole.
    std::string temporary = path + ".XXXXXX";
    const int fd = mkostemp(temporary.data(), O_CLOEXEC);
    if (fd < 0) cannot_write(path, "cannot create a temporary file beside it: " + std::string(std::strerror(errno)));
    const std::string text = gpu_cache_to_json(cache);
    bool done = fchmod(fd, 0644) == 0 &&
                write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && fsync(fd) == 0;
    int error = done ? 0 : errno;
    if (close(fd) != 0 && done) {
        done = false;
        error = errno;
    }
    if (done && rename(temporary.c_str(), path.c_str()) != 0) {
        done = false;
        error = errno;
    }
    if (!done) {
        unlink(temporary.c_str());
        cannot_write(path, std::strerror(error));
    }
}

}  // namespace sparkfabric
