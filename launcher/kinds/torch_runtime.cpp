#include "launcher/kinds/torch_runtime.hpp"

#include <glob.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>

#include "launcher/request/user_options.hpp"
#include "launcher/run/process.hpp"
#include "launcher/run/program_paths.hpp"

namespace sparkfabric::launch {
namespace {

std::vector<std::string> glob_paths(const std::string& pattern) {
    std::vector<std::string> paths;
    glob_t found{};
    if (glob(pattern.c_str(), GLOB_NOSORT, nullptr, &found) == 0) {
        for (size_t i = 0; i < found.gl_pathc; ++i) paths.emplace_back(found.gl_pathv[i]);
    }
    globfree(&found);
    return paths;
}

std::string read_text(const std::string& path, size_t limit) {
    std::ifstream file(path);
    std::string text(limit, '\0');
    file.read(text.data(), static_cast<std::streamsize>(limit));
    text.resize(static_cast<size_t>(file.gcount()));
    return text;
}

}  // namespace

std::optional<TorchVersion> parse_version_text(const std::string& text) {
    static const std::regex pattern(R"(^(\d{1,3})\.(\d{1,3})(\.\d+)?([a-z+.].*)?$)");
    std::smatch match;
    if (!std::regex_match(text, match, pattern)) return std::nullopt;
    return TorchVersion{std::stoi(match[1]), std::stoi(match[2])};
}

std::optional<TorchVersion> parse_torch_version(const std::string& version_py) {
    static const std::regex pattern(R"(__version__\s*=\s*['"]([^'"\n]{1,64})['"])");
    std::smatch match;
    if (!std::regex_search(version_py, match, pattern)) return std::nullopt;
    return parse_version_text(match[1]);
}

std::string to_string(const TorchVersion& version) {
    return std::to_string(version.major) + "." + std::to_string(version.minor);
}

TorchInstall find_torch(const std::string& torchrun) {
    TorchInstall install;
    const std::string script = on_path(torchrun);
    if (script.empty()) return install;
    install.interpreter = script_interpreter(script);
    if (install.interpreter.empty()) return install;
    // Where that interpreter's packages live: a venv or prefix next to its bin/, Debian's
    // dist-packages, pip's /usr/local, and the user's own site.
    const std::string bin_dir = install.interpreter.substr(0, install.interpreter.rfind('/'));
    const std::string prefix = bin_dir.substr(0, bin_dir.rfind('/'));
    std::vector<std::string> patterns{prefix + "/lib/python3*/site-packages/torch/version.py",
                                      prefix + "/lib/python3*/dist-packages/torch/version.py",
                                      prefix + "/local/lib/python3*/dist-packages/torch/version.py",
                                      prefix + "/lib/python3/dist-packages/torch/version.py"};
    if (const char* home = std::getenv("HOME")) {
        patterns.insert(patterns.begin(), std::string(home) + "/.local/lib/python3*/site-packages/torch/version.py");
    }
    for (const auto& pattern : patterns) {
        for (const auto& path : glob_paths(pattern)) {
            if (auto version = parse_torch_version(read_text(path, 4096))) {
                install.version_file = path;
                install.version = version;
                return install;
            }
        }
    }
    return install;
}

bool libuv_is_default(const std::optional<TorchVersion>& version) {
    return version && (version->major > 2 || (version->major == 2 && version->minor >= 4));
}

Libuv probe_libuv(const TorchInstall& install, int timeout_seconds) {
    if (install.interpreter.empty()) return Libuv::unknown;
    // A master store on port 0 (any free port), closed at once: torch raises when it has no libuv.
    const Captured answer = run_capture(
        {install.interpreter, "-c",
         "import torch.distributed as d\n"
         "try:\n"
         "    d.TCPStore('127.0.0.1', 0, 1, True, use_libuv=True)\n"
         "    print('libuv=yes')\n"
         "except RuntimeError as e:\n"
         "    print('libuv=no' if 'libuv' in str(e) else 'libuv=unknown')\n"},
        timeout_seconds);
    if (answer.status != 0) return Libuv::unknown;
    if (answer.out.find("libuv=yes") != std::string::npos) return Libuv::yes;
    if (answer.out.find("libuv=no") != std::string::npos) return Libuv::no;
    return Libuv::unknown;
}

TorchrunQuirks torchrun_quirks(const std::optional<TorchVersion>& version, Libuv libuv,
                               const std::vector<std::string>& user_arguments) {
    TorchrunQuirks quirks;
    if (version && version->major == 1) {
        // 1.x on Python 3.11 fails to parse its own default; 2 (stderr to a log, teed) leaves
        // stdout as it is.
        if (!user_option(user_arguments, "--redirects")) quirks.arguments.push_back("--redirects=2");
        if (!user_option(user_arguments, "--tee")) quirks.arguments.push_back("--tee=2");
    }
    if (libuv_is_default(version) && libuv == Libuv::no) {
        quirks.rdzv_conf.push_back("use_libuv=0");
        quirks.environment["USE_LIBUV"] = "0";
        // The agent's shared store has clients that ask for libuv: workers host their own.
        quirks.environment["TORCH_DISABLE_SHARE_RDZV_TCP_STORE"] = "1";
        quirks.legacy_store = true;
    }
    quirks.local_addr = version && version->major >= 2 && !user_option(user_arguments, "--local-addr");
    return quirks;
}

std::string legacy_store_script() { return sparkfabric_data_file("torchrun_legacy_store.py"); }

}  // namespace sparkfabric::launch
