#include "launcher/run/program_paths.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "launcher/run/process.hpp"

namespace sparkfabric::launch {

std::string on_path(const std::string& program) {
    if (program.empty()) return {};
    if (program.find('/') != std::string::npos) return program;
    const char* path_variable = std::getenv("PATH");
    const std::string search = path_variable != nullptr ? path_variable : "/usr/bin:/bin";
    size_t start = 0;
    while (start <= search.size()) {
        const auto end = search.find(':', start);
        const std::string candidate = search.substr(start, end - start) + "/" + program;
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return {};
}

std::string script_interpreter(const std::string& script) {
    std::ifstream file(script);
    std::string shebang;
    if (!std::getline(file, shebang) || shebang.rfind("#!", 0) != 0 || shebang.size() > 512) return {};
    std::istringstream words(shebang.substr(2));
    std::string interpreter;
    words >> interpreter;
    if (interpreter.size() >= 4 && interpreter.compare(interpreter.size() - 4, 4, "/env") == 0) {
        std::string program;
        words >> program;
        return on_path(program);
    }
    return interpreter;
}

std::string executable_near(const std::string& self, const std::vector<std::string>& relatives, const std::string& name) {
    const auto slash = self.rfind('/');
    if (slash != std::string::npos) {
        for (const auto& relative : relatives) {
            const std::string candidate = self.substr(0, slash) + relative;
            if (access(candidate.c_str(), X_OK) == 0) return candidate;
        }
    }
    return name;  // on PATH, if anywhere
}

std::string sibling_spark_fabric() {
    return executable_near(self_executable(), {"/spark-fabric", "/../tools/spark-fabric/spark-fabric"}, "spark-fabric");
}

namespace {

// The running program, symlinks resolved; empty when /proc cannot say.
std::string running_executable() {
    char target[4096];
    const ssize_t length = readlink("/proc/self/exe", target, sizeof target - 1);
    return length > 0 ? std::string(target, static_cast<size_t>(length)) : std::string();
}

bool inside(const std::string& path, const std::string& directory) {
    return !directory.empty() && path.size() > directory.size() && path.compare(0, directory.size(), directory) == 0 &&
           path[directory.size()] == '/';
}

}  // namespace

std::string sparkfabric_data_file(const std::string& name) {
    return sparkfabric_data_file(name, running_executable());
}

std::string sparkfabric_data_file(const std::string& name, const std::string& executable) {
    const std::string installed = std::string(SPARKFABRIC_INSTALLED_DATA_DIR) + "/" + name;
    if (access(installed.c_str(), R_OK) == 0) return installed;
    // The source tree only for a program of this build tree (spark-launch not installed, the
    // tests): an installed spark-launch whose helpers are missing must not run code from
    // wherever its package was built.
    if (inside(executable, SPARKFABRIC_BUILD_DIR)) {
        const std::string source = std::string(SPARKFABRIC_SOURCE_PYTHON_DIR) + "/" + name;
        if (access(source.c_str(), R_OK) == 0) return source;
    }
    return installed;
}

}  // namespace sparkfabric::launch
