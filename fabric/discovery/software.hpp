// The software that must match across the nodes of a job: the NCCL libraries a job can load and
// the torch version, read from the file system (no library is loaded, no interpreter started).
#pragma once

#include <string>
#include <vector>

#include "fabric/common/env_lookup.hpp"

namespace sparkfabric {

struct NcclLibrary {
    std::string path;     // the resolved file, e.g. /usr/lib/aarch64-linux-gnu/libnccl.so.2.28.9
    std::string version;  // from the file name or the wheel's metadata; "unknown" when neither says
    std::string hash;     // FNV-1a 64 of the file's bytes, hex: equal files, equal hashes
    // Who loads it: "LD_PRELOAD" (every process), "LD_LIBRARY_PATH" or "system" (the dynamic
    // loader, for programs such as nccl-tests and MPI ranks), "pip" (the nvidia-nccl wheel
    // beside torch in a Python environment, which torch loads).
    std::string source;
    bool operator==(const NcclLibrary&) const = default;
};

struct SoftwareFacts {
    std::vector<NcclLibrary> nccl;  // every distinct libnccl.so.2 found, in search order
    std::string torch_version;      // empty when no torch is installed where python3 looks
    // NCCL net plugins the dynamic loader would find (libnccl-net*.so*), e.g. HPC-X's in NGC
    // images: NCCL loads libnccl-net.so when present, and its transport replaces NCCL's own.
    std::vector<std::string> nccl_net_plugins;
    std::string machine;  // uname -m where these were found: aarch64 on a Spark
    bool operator==(const SoftwareFacts&) const = default;
};

struct SoftwareQuery {
    std::string root = "/";                 // "/" on a live node; a fixture tree in tests
    std::vector<std::string> library_path;  // LD_LIBRARY_PATH's directories: searched first, as ld.so does
    std::vector<std::string> preload;       // LD_PRELOAD's entries: a libnccl there beats every other
    // Python environments the job's python3 uses (a venv, conda, ~/.local), searched before the
    // system's package directories: the torch found first, and the nccl wheel beside it, win.
    std::vector<std::string> python_prefixes;
    // Hash each library and scan it for NCCL's version banner: exact, but it reads the whole
    // file (hundreds of MB). The plugin, which must stay within milliseconds, says no and
    // takes the version from the file name or the wheel's metadata.
    bool read_libraries = true;
};

// The query for what a process with this environment loads: LD_LIBRARY_PATH, LD_PRELOAD,
// VIRTUAL_ENV, CONDA_PREFIX, ~/.local (HOME) and the environment of the first python3 on PATH.
SoftwareQuery software_query(const EnvLookup& environment, const std::string& root = "/");

// Searches the library directories and python3's package directories.
SoftwareFacts discover_software(const SoftwareQuery& query);
SoftwareFacts discover_software(const std::string& root = "/");

}  // namespace sparkfabric
