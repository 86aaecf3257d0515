#include "fabric/discovery/gpu_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
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
        if (file.open_errno != ENOENT) error = path + ": " + std::strerror(file.open_errno);
        return std::nullopt;
    }
    if (!file.refusal.empty()) {
        error = path + ": GPU cache refused: " + file.refusal;
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
