#include "fabric/discovery/image_root.hpp"

#include <stdlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <fstream>
#include <stdexcept>

namespace sparkfabric {
namespace {

namespace fs = std::filesystem;

// An absolute path that stays below the tree's root once the root is put in front of it.
bool confined(const std::string& path) {
    if (path.empty() || path[0] != '/' || path.size() > 4096) return false;
    for (const auto& part : fs::path(path)) {
        if (part == "." || part == "..") return false;
    }
    return true;
}

void write_file(const std::string& file, const std::string& text) {
    std::error_code ignored;
    fs::create_directories(fs::path(file).parent_path(), ignored);
    if (fs::exists(fs::symlink_status(file, ignored))) return;
    std::ofstream(file) << text;
}

// `path` as the image showed it, resolving to `target`: an empty file under the target's name
// (discovery reads versions from names), and a link to it where the path is another name.
void add_link(const std::string& root, const std::string& path, const std::string& target) {
    if (!confined(path) || !confined(target)) return;
    write_file(root + target, "");
    if (path == target) return;
    std::error_code ignored;
    fs::create_directories(fs::path(root + path).parent_path(), ignored);
    fs::create_symlink(root + target, root + path, ignored);
}

class TemporaryTree {
public:
    TemporaryTree() {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/sparkfabric-image-XXXXXX";
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot make a temporary directory in " + pattern);
        root_ = fs::canonical(pattern).string();  // discovery compares resolved paths with it
    }
    ~TemporaryTree() {
        std::error_code ignored;
        fs::remove_all(root_, ignored);
    }
    TemporaryTree(const TemporaryTree&) = delete;
    TemporaryTree& operator=(const TemporaryTree&) = delete;
    const std::string& root() const { return root_; }

private:
    std::string root_;
};

}  // namespace

NcclRuntime image_nccl_runtime(const ImageProbe& probe, const std::string& where, const EnvLookup& environment,
                               const std::vector<std::string>& interfaces) {
    const TemporaryTree tree;
    const std::string& root = tree.root();
    for (const auto& [path, target] : probe.links) {
        add_link(root, path, target);
        // The first python3 on the image's PATH: software_query takes its prefix as the job's
        // Python environment where it is executable, as it is in the image.
        if (confined(target) && fs::path(path).filename() == "python3") {
            std::error_code ignored;
            fs::permissions(root + target, fs::perms::owner_all, fs::perm_options::add, ignored);
        }
    }
    for (const auto& [directory, version] : probe.versions) {
        if (confined(directory)) write_file(root + directory + "/METADATA", "Version: " + version + "\n");
    }
    for (const auto& [path, text] : probe.files) {
        if (confined(path)) write_file(root + path, text);
    }
    // A relative or dotted NCCL_CONF_FILE or HOME would lead the discovery out of the tree.
    const EnvLookup inside = [&](const std::string& name) -> std::optional<std::string> {
        auto value = environment(name);
        if ((name == "NCCL_CONF_FILE" || name == "HOME") && value && !value->empty() && !confined(*value)) {
            return std::string("/.sparkfabric-not-followed");
        }
        return value;
    };
    NcclRuntime runtime = discover_nccl_runtime(where, inside, {}, root);
    runtime.machine = probe.machine;  // the node's, not this machine's (the survey may run elsewhere)
    if (!probe.interfaces.empty()) {
        for (const auto& name : interfaces) {
            if (std::find(probe.interfaces.begin(), probe.interfaces.end(), name) == probe.interfaces.end()) {
                runtime.missing_interfaces.push_back(name);
            }
        }
    }
    return runtime;
}

}  // namespace sparkfabric
