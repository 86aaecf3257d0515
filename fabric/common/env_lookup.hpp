// A process's environment as a function: the plugin asks Slurm (spank_getenv), the CLI and the
// launcher their own environment, the tests a map.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace sparkfabric {

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

}  // namespace sparkfabric
