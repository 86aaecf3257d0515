#include "launcher/program_paths.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

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

std::string sparkfabric_data_file(const std::string& name) {
    for (const char* dir : {SPARKFABRIC_INSTALLED_DATA_DIR, SPARKFABRIC_SOURCE_LAUNCHER_DIR}) {
        const std::string path = std::string(dir) + "/" + name;
        if (access(path.c_str(), R_OK) == 0) return path;
    }
    return std::string(SPARKFABRIC_INSTALLED_DATA_DIR) + "/" + name;
}

}  // namespace sparkfabric::launch
