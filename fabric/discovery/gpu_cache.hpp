// The GPU capability cache that `spark-fabric probe-gpu` writes and the plan reads, so the
// plugin never has to initialise CUDA inside slurmstepd.
#pragma once

#include <optional>
#include <string>

#include "fabric/facts/node_facts.hpp"

namespace sparkfabric {

std::string gpu_cache_to_json(const GpuCache& cache);
// Throws std::runtime_error naming the path and what is wrong.
GpuCache gpu_cache_from_json(const std::string& text, const std::string& source_name);
// Missing file: nullopt. Unreadable, invalid or (require_trusted) not root-owned or writable by
// group or others, as the site config must not be: nullopt and `error` says why and how to fix.
std::optional<GpuCache> read_gpu_cache(const std::string& path, std::string& error, bool require_trusted = false);
// Writes atomically (temp file + rename). Throws std::runtime_error on failure.
void write_gpu_cache(const std::string& path, const GpuCache& cache);

}  // namespace sparkfabric
