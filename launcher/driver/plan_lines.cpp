#include "launcher/driver/plan_lines.hpp"

#include <sstream>

#include "fabric/common/validate.hpp"
#include "launcher/run/launch_error.hpp"

namespace sparkfabric::launch {

std::string plan_to_lines(const Plan& plan) {
    std::string text;
    for (const auto& variable : plan.variables) {
        if (is_valid_env_value(variable.value)) text += variable.name + "=" + variable.value + "\n";
    }
    return text;
}

std::map<std::string, std::string> plan_from_lines(const std::string& text, const std::string& source) {
    std::map<std::string, std::string> values;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty()) continue;
        const auto equals = line.find('=');
        const std::string name = line.substr(0, equals);
        if (equals == std::string::npos || !is_valid_env_name(name)) {
            throw LaunchError(source + ": unexpected line '" + printable(line) + "'");
        }
        values[name] = line.substr(equals + 1);
    }
    return values;
}

}  // namespace sparkfabric::launch
