// Shared by the fuzz targets: invariant checks that abort (so libFuzzer records the input),
// and the byte-level properties most targets assert.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#define FUZZ_ASSERT(condition)                                                                     \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "sparkfabric fuzz: invariant failed: %s (%s:%d)\n", #condition, \
                         __FILE__, __LINE__);                                                      \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)

namespace sparkfabric::fuzz {

inline std::string as_text(const uint8_t* data, size_t size) {
    return std::string(reinterpret_cast<const char*>(data), size);
}

// No byte a terminal or a log line would act on: what printable() promises.
inline bool has_control_bytes(const std::string& text) {
    for (unsigned char c : text) {
        if (c < 0x20 || c >= 0x7f) return true;
    }
    return false;
}

// Error messages quote outside input through printable(); apart from the newlines some
// messages join lines with, they must carry no control bytes.
inline bool is_clean_message(const std::string& text) {
    for (unsigned char c : text) {
        if (c == '\n') continue;
        if (c < 0x20 || c == 0x7f) return false;
    }
    return true;
}

}  // namespace sparkfabric::fuzz
