// The software that must match across the nodes of a job: the NCCL libraries a job can load and
// the torch version, read from the file system (no library is loaded, no interpreter started).
#pragma once

#include <string>
#include <vector>

namespace sparkfabric {

struct NcclLibrary {
    std::string path;     // the resolved file, e.g. /usr/lib/aarch64-linux-gnu/libnccl.so.2.28.9
    std::string version;  // from the file name or the wheel's metadata; "unknown" when neither says
    std::string hash;     // FNV-1a 64 of the file's bytes, hex: equal files, equal hashes
    bool operator==(const NcclLibrary&) const = default;
};

struct SoftwareFacts {
    std::vector<NcclLibrary> nccl;  // every distinct libnccl.so.2 found, in search order
    std::string torch_version;      // empty when no torch is installed where python3 looks
    bool operator==(const SoftwareFacts&) const = default;
};

// Searches the library directories and python3's package directories below `root` ("/" on a
// live node; a fixture tree in tests).
SoftwareFacts discover_software(const std::string& root = "/");

}  // namespace sparkfabric
