// spark-fabric enroot-hook: run by enroot from its hooks.d (etc/enroot/hooks.d/90-sparkfabric.sh)
// at every container start, with the job's environment. Takes the image's values for the names
// sparkfabric owns out of the container's environment file, so that pyxis, which copies that
// environment over the job's, leaves the plugin's values (and the user's) standing even where
// plugstack.conf lists sparkfabric before pyxis. See rewrite_enroot_environ.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "fabric/plan/container_env.hpp"
#include "tools/spark-fabric/cli.hpp"

namespace sparkfabric::cli {

int run_enroot_hook(const Globals& /*globals*/, const std::vector<std::string>& args) {
    if (!args.empty()) throw UsageError{"enroot-hook takes no arguments (enroot runs it from hooks.d)"};
    const char* path = std::getenv("ENROOT_ENVIRON");
    if (path == nullptr || *path == '\0') throw UsageError{"enroot-hook: ENROOT_ENVIRON is not set: only enroot runs this"};
    std::ifstream in(path);
    if (!in) throw UsageError{std::string("enroot-hook: cannot read ") + path};
    std::stringstream text;
    text << in.rdbuf();
    const EnrootEnvironRewrite rewrite = rewrite_enroot_environ(text.str(), [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
    });
    if (rewrite.dropped.empty()) return 0;
    // Beside the file and renamed over it: enroot never reads half a file.
    const std::string temporary = std::string(path) + ".sparkfabric";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << rewrite.text;
        if (!out.flush()) throw UsageError{"enroot-hook: cannot write " + temporary};
    }
    if (std::rename(temporary.c_str(), path) != 0) {
        unlink(temporary.c_str());
        throw UsageError{std::string("enroot-hook: cannot replace ") + path};
    }
    for (const auto& [name, value] : rewrite.dropped) {
        std::cerr << "sparkfabric: the image's " << name << "=" << value << " left out: the job's value stands\n";
    }
    return 0;
}

}  // namespace sparkfabric::cli
