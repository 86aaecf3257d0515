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
    // NCCL net plugins the dynamic loader would find (libnccl-net*.so*), e.g. HPC-X's in NGC
    // images: NCCL loads libnccl-net.so when present, and its transport replaces NCCL's own.
    std::vector<std::string> nccl_net_plugins;
    bool operator==(const SoftwareFacts&) const = default;
};

struct SoftwareQuery {
    std::string root = "/";                 // "/" on a live node; a fixture tree in tests
    std::vector<std::string> library_path;  // LD_LIBRARY_PATH's directories: searched first, as ld.so does
    // Hash each library and scan it for NCCL's version banner: exact, but it reads the whole
    // file (hundreds of MB). The plugin, which must stay within milliseconds, says no and
    // takes the version from the file name or the wheel's metadata.
    bool read_libraries = true;
};

// Searches the library directories and python3's package directories.
SoftwareFacts discover_software(const SoftwareQuery& query);
SoftwareFacts discover_software(const std::string& root = "/");

}  // namespace sparkfabric
