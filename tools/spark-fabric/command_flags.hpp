// Flags of one subcommand ("--name VALUE", "--name=VALUE" or a bare "--switch").
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tools/spark-fabric/cli.hpp"

namespace sparkfabric::cli {

struct FlagSpec {
    std::string name;  // "--nodes"
    bool takes_value = true;
};

// Throws UsageError naming the command and the unknown flag, or the flag missing its value.
std::map<std::string, std::string> parse_command_flags(const std::vector<std::string>& args,
                                                       const std::vector<FlagSpec>& specs,
                                                       const std::string& command);

}  // namespace sparkfabric::cli
