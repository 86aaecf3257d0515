#include "tools/spark-fabric/command_flags.hpp"

#include "fabric/common/validate.hpp"

namespace sparkfabric::cli {

std::map<std::string, std::string> parse_command_flags(const std::vector<std::string>& args,
                                                       const std::vector<FlagSpec>& specs,
                                                       const std::string& command) {
    std::map<std::string, std::string> values;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        const auto equals = arg.find('=');
        const std::string name = arg.substr(0, equals);
        const FlagSpec* spec = nullptr;
        for (const auto& candidate : specs) {
            if (candidate.name == name) spec = &candidate;
        }
        if (spec == nullptr) {
            std::string known;
            for (const auto& candidate : specs) known += " " + candidate.name;
            throw UsageError{command + ": unknown option '" + arg + "'" +
                             (known.empty() ? std::string(" (it takes none)") : "; it takes:" + known)};
        }
        if (!spec->takes_value) {
            if (equals != std::string::npos) throw UsageError{command + ": " + name + " takes no value"};
            values[name] = "1";
        } else if (equals != std::string::npos) {
            values[name] = arg.substr(equals + 1);
        } else if (i + 1 < args.size()) {
            values[name] = args[++i];
        } else {
            throw UsageError{command + ": " + name + " needs a value"};
        }
    }
    return values;
}

int bounded_flag(const std::map<std::string, std::string>& flags, const std::string& name, int fallback, int low,
                 int high, const std::string& command) {
    const auto found = flags.find(name);
    if (found == flags.end()) return fallback;
    int value = 0;
    if (!parse_bounded_number(found->second, low, high, value)) {
        throw UsageError{command + ": " + name + " must be a whole number from " + std::to_string(low) + " to " +
                         std::to_string(high)};
    }
    return value;
}

}  // namespace sparkfabric::cli
