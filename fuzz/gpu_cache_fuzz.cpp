// The GPU capability cache the plugin reads (/var/cache/sparkfabric/gpu.json):
// gpu_cache_from_json. Invariants: only std::runtime_error escapes; what loaded round-trips.
#include "fabric/discovery/gpu_cache.hpp"
#include "fuzz_support.hpp"

using namespace sparkfabric;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text = fuzz::as_text(data, size);
    GpuCache cache;
    try {
        cache = gpu_cache_from_json(text, "gpu.json");
    } catch (const std::runtime_error& error) {
        FUZZ_ASSERT(std::string(error.what()).rfind("gpu.json", 0) == 0);
        return 0;
    }
    FUZZ_ASSERT(gpu_cache_from_json(gpu_cache_to_json(cache), "round trip") == cache);
    return 0;
}
