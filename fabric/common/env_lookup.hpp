// A process's environment as a function: the plugin asks Slurm (spank_getenv), the CLI and the
// launcher their own environment, the tests a map.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace sparkfabric {

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// A map as an environment (a request's user_env, a test's): the lookup keeps its own copy, so
// the map need not outlive it.
inline EnvLookup lookup_in(std::map<std::string, std::string> values) {
    return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
        const auto found = values.find(name);
        if (found == values.end()) return std::nullopt;
        return found->second;
    };
}

}  // namespace sparkfabric
