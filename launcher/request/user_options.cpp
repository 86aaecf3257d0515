#include "launcher/request/user_options.hpp"

namespace sparkfabric::launch {
namespace {

// "--node_rank=1" -> "--node-rank".
std::string option_name(const std::string& argument) {
    if (argument.rfind("--", 0) != 0) return {};
    std::string name = argument.substr(0, argument.find('='));
    for (auto& c : name) c = c == '_' ? '-' : c;
    return name;
}

}  // namespace

std::optional<std::string> user_option(const std::vector<std::string>& args, const std::string& name) {
    for (size_t i = 0; i < args.size(); ++i) {
        if (option_name(args[i]) != name) continue;
        const auto equals = args[i].find('=');
        if (equals != std::string::npos) return args[i].substr(equals + 1);
        if (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) return args[i + 1];
        return std::string();
    }
    return std::nullopt;
}

}  // namespace sparkfabric::launch
