#include "fabric/discovery/software.hpp"

#include <glob.h>
#include <limits.h>
#include <stdlib.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>

namespace sparkfabric {
namespace {

std::vector<std::string> expand(const std::string& pattern) {
    std::vector<std::string> paths;
    glob_t found{};
    if (glob(pattern.c_str(), 0, nullptr, &found) == 0) {
        for (size_t i = 0; i < found.gl_pathc; ++i) paths.emplace_back(found.gl_pathv[i]);
    }
    globfree(&found);
    return paths;
}

std::string resolved(const std::string& path) {
    char buffer[PATH_MAX];
    return realpath(path.c_str(), buffer) != nullptr ? std::string(buffer) : std::string();
}

// FNV-1a over the file (only equality matters here: the same library on every node?), and the
// "NCCL version 2.28.9" banner NCCL carries, for files whose name has no version.
struct FileScan {
    std::string hash;
    std::string banner_version;
};

FileScan scan_library(const std::string& path) {
    FileScan scan;
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) return scan;
    static const std::string kBanner = "NCCL version ";
    uint64_t hash = 1469598103934665603ULL;
    std::string window;  // the last chunk's tail, so a banner split between chunks is still found
    std::vector<char> buffer(1 << 16);
    size_t got = 0;
    while ((got = std::fread(buffer.data(), 1, buffer.size(), file)) > 0) {
        for (size_t i = 0; i < got; ++i) hash = (hash ^ static_cast<unsigned char>(buffer[i])) * 1099511628211ULL;
        if (scan.banner_version.empty()) {
            window.append(buffer.data(), got);
            const auto at = window.find(kBanner);
            if (at != std::string::npos) {
                size_t end = at + kBanner.size();
                while (end < window.size() && (std::isdigit(static_cast<unsigned char>(window[end])) || window[end] == '.')) ++end;
                if (end > at + kBanner.size()) scan.banner_version = window.substr(at + kBanner.size(), end - at - kBanner.size());
            }
            window = window.substr(window.size() > 64 ? window.size() - 64 : 0);
        }
    }
    std::fclose(file);
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
    scan.hash = text;
    return scan;
}

// "Version: 1.13.1" from a dist-info METADATA or an egg-info PKG-INFO.
std::string metadata_version(const std::string& directory) {
    for (const char* name : {"/METADATA", "/PKG-INFO"}) {
        std::ifstream file(directory + name);
        std::string line;
        while (std::getline(file, line)) {
            if (line.rfind("Version: ", 0) == 0) return line.substr(9);
        }
    }
    return {};
}

// Where python3 keeps packages: the distribution's and pip's directories.
std::vector<std::string> python_package_dirs(const std::string& root) {
    std::vector<std::string> dirs;
    for (const char* pattern : {"usr/local/lib/python3*/dist-packages", "usr/local/lib/python3*/site-packages",
                                "usr/lib/python3/dist-packages", "usr/lib/python3*/site-packages"}) {
        for (const auto& dir : expand(root + pattern)) dirs.push_back(dir);
    }
    return dirs;
}

// The directories the dynamic loader searches, LD_LIBRARY_PATH's first (relative to root).
std::vector<std::string> library_dirs(const std::vector<std::string>& library_path) {
    std::vector<std::string> dirs;
    for (const auto& dir : library_path) {
        if (!dir.empty() && dir[0] == '/') dirs.push_back(dir.substr(1));  // relative entries depend on the cwd: skipped
    }
    for (const char* dir : {"usr/lib/*-linux-gnu", "lib/*-linux-gnu", "usr/lib64", "usr/local/cuda/lib64", "usr/local/lib", "usr/lib"}) {
        dirs.emplace_back(dir);
    }
    return dirs;
}

// The path as the process sees it: without the fixture root.
std::string as_seen(const std::string& file, const std::string& root) {
    return root.size() > 1 ? "/" + file.substr(std::min(file.size(), resolved(root).size() + 1)) : file;
}

}  // namespace

SoftwareFacts discover_software(const std::string& root) {
    SoftwareQuery query;
    query.root = root;
    return discover_software(query);
}

SoftwareFacts discover_software(const SoftwareQuery& query) {
    const std::string& root_dir = query.root;
    const std::string root = root_dir.empty() || root_dir.back() == '/' ? root_dir : root_dir + "/";
    SoftwareFacts software;
    std::set<std::string> seen;
    std::vector<std::pair<std::string, std::string>> candidates;  // path, version from metadata
    const auto dirs = library_dirs(query.library_path);
    for (const auto& dir : dirs) {
        for (const auto& path : expand(root + dir + "/libnccl.so.2")) candidates.emplace_back(path, "");
    }
    std::set<std::string> plugins_seen;
    for (const auto& dir : dirs) {
        for (const auto& path : expand(root + dir + "/libnccl-net*.so*")) {
            const std::string file = resolved(path);
            if (!file.empty() && plugins_seen.insert(file).second) software.nccl_net_plugins.push_back(as_seen(path, root));
        }
    }
    const auto package_dirs = python_package_dirs(root);
    for (const auto& dir : package_dirs) {
        // pip's nvidia-nccl wheels (what torch 2.x wheels load): nvidia/nccl/lib/libnccl.so.2
        const auto info = expand(dir + "/nvidia_nccl_cu*.dist-info");
        const std::string version = info.empty() ? std::string() : metadata_version(info.front());
        for (const auto& path : expand(dir + "/nvidia/nccl/lib/libnccl.so.2")) candidates.emplace_back(path, version);
    }
    static const std::regex versioned(".*libnccl\\.so\\.([0-9]+\\.[0-9]+\\.[0-9]+)$");
    for (const auto& [path, wheel_version] : candidates) {
        const std::string file = resolved(path);
        if (file.empty() || !seen.insert(file).second) continue;
        NcclLibrary library;
        library.path = as_seen(file, root);
        const FileScan scan = query.read_libraries ? scan_library(file) : FileScan{};
        std::smatch match;
        library.version = std::regex_match(file, match, versioned) ? match[1].str()
                          : !scan.banner_version.empty()          ? scan.banner_version
                          : wheel_version.empty()                 ? "unknown"
                                                                  : wheel_version;
        library.hash = scan.hash;
        software.nccl.push_back(library);
    }
    for (const auto& dir : package_dirs) {
        for (const auto& info : expand(dir + "/torch-*.*-info")) {
            software.torch_version = metadata_version(info);
            if (!software.torch_version.empty()) return software;
        }
    }
    return software;
}

}  // namespace sparkfabric
