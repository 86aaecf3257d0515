#include "fabric/discovery/software.hpp"

#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

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

std::vector<std::string> split(const std::string& text, const std::string& separators) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t end = text.find_first_of(separators, start);
        const std::string part = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!part.empty()) parts.push_back(part);
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return parts;
}

// Where python3 keeps packages: the job's own environments first, then the distribution's and
// pip's directories.
std::vector<std::string> python_package_dirs(const std::string& root, const std::vector<std::string>& prefixes) {
    std::vector<std::string> dirs;
    for (const auto& prefix : prefixes) {
        if (prefix.empty() || prefix[0] != '/') continue;
        for (const auto& dir : expand(root + prefix.substr(1) + "/lib/python3*/site-packages")) dirs.push_back(dir);
    }
    for (const char* pattern : {"usr/local/lib/python3*/dist-packages", "usr/local/lib/python3*/site-packages",
                                "usr/lib/python3/dist-packages", "usr/lib/python3*/site-packages"}) {
        for (const auto& dir : expand(root + pattern)) dirs.push_back(dir);
    }
    return dirs;
}

const char* const kSystemDirs[] = {"usr/lib/*-linux-gnu", "lib/*-linux-gnu", "usr/lib64", "usr/local/cuda/lib64",
                                   "usr/local/lib", "usr/lib"};
constexpr size_t kSystemLibraryDirs = sizeof kSystemDirs / sizeof kSystemDirs[0];

// The directories the dynamic loader searches, LD_LIBRARY_PATH's first (relative to root).
std::vector<std::string> library_dirs(const std::vector<std::string>& library_path) {
    std::vector<std::string> dirs;
    for (const auto& dir : library_path) {
        if (!dir.empty() && dir[0] == '/') dirs.push_back(dir.substr(1));  // relative entries depend on the cwd: skipped
    }
    for (const char* dir : kSystemDirs) dirs.emplace_back(dir);
    return dirs;
}

// The path as the process sees it: without the fixture root.
std::string as_seen(const std::string& file, const std::string& root) {
    return root.size() > 1 ? "/" + file.substr(std::min(file.size(), resolved(root).size() + 1)) : file;
}

}  // namespace

SoftwareQuery software_query(const EnvLookup& environment, const std::string& root) {
    SoftwareQuery query;
    query.root = root;
    query.library_path = split(environment("LD_LIBRARY_PATH").value_or(""), ":");
    query.preload = split(environment("LD_PRELOAD").value_or(""), ": ");  // ld.so takes both separators
    for (const char* name : {"VIRTUAL_ENV", "CONDA_PREFIX"}) {
        if (const auto prefix = environment(name)) query.python_prefixes.push_back(*prefix);
    }
    // The python3 the job's PATH finds first: a venv's bin/ sits beside its lib/.
    const std::string base = root.empty() || root.back() == '/' ? root : root + "/";
    for (const auto& dir : split(environment("PATH").value_or(""), ":")) {
        if (dir[0] != '/' || access((base + dir.substr(1) + "/python3").c_str(), X_OK) != 0) continue;
        const auto slash = dir.find_last_of('/');
        if (slash != 0 && slash != std::string::npos) query.python_prefixes.push_back(dir.substr(0, slash));
        break;
    }
    if (const auto home = environment("HOME"); home && !home->empty()) query.python_prefixes.push_back(*home + "/.local");
    return query;
}

SoftwareFacts discover_software(const std::string& root) {
    SoftwareQuery query;
    query.root = root;
    return discover_software(query);
}

SoftwareFacts discover_software(const SoftwareQuery& query) {
    const std::string& root_dir = query.root;
    const std::string root = root_dir.empty() || root_dir.back() == '/' ? root_dir : root_dir + "/";
    SoftwareFacts software;
    struct utsname machine {};
    if (uname(&machine) == 0) software.machine = machine.machine;
    std::set<std::string> seen;
    struct Candidate {
        std::string path;
        std::string wheel_version;  // from the wheel's metadata
        std::string source;
    };
    std::vector<Candidate> candidates;
    for (const auto& entry : query.preload) {
        const auto slash = entry.rfind('/');
        const std::string base = slash == std::string::npos ? entry : entry.substr(slash + 1);
        if (entry[0] == '/' && base.rfind("libnccl.so", 0) == 0) candidates.push_back({root + entry.substr(1), "", "LD_PRELOAD"});
    }
    const auto dirs = library_dirs(query.library_path);
    for (size_t i = 0; i < dirs.size(); ++i) {
        const bool from_path = i < dirs.size() - kSystemLibraryDirs;
        for (const auto& path : expand(root + dirs[i] + "/libnccl.so.2")) {
            candidates.push_back({path, "", from_path ? "LD_LIBRARY_PATH" : "system"});
        }
    }
    std::set<std::string> plugins_seen;
    for (const auto& dir : dirs) {
        for (const auto& path : expand(root + dir + "/libnccl-net*.so*")) {
            const std::string file = resolved(path);
            if (!file.empty() && plugins_seen.insert(file).second) software.nccl_net_plugins.push_back(as_seen(path, root));
        }
    }
    const auto package_dirs = python_package_dirs(root, query.python_prefixes);
    for (const auto& dir : package_dirs) {
        // pip's nvidia-nccl wheels (what torch 2.x wheels load): nvidia/nccl/lib/libnccl.so.2
        const auto info = expand(dir + "/nvidia_nccl_cu*.dist-info");
        const std::string version = info.empty() ? std::string() : metadata_version(info.front());
        for (const auto& path : expand(dir + "/nvidia/nccl/lib/libnccl.so.2")) candidates.push_back({path, version, "pip"});
    }
    static const std::regex versioned(".*libnccl\\.so\\.([0-9]+\\.[0-9]+\\.[0-9]+)$");
    for (const auto& [path, wheel_version, source] : candidates) {
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
        library.source = source;
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
