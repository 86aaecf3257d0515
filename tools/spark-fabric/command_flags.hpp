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

// The value of flag `name` as a whole number from low to high, `fallback` when it is not
// given; throws UsageError naming the command, the flag and the range.
int bounded_flag(const std::map<std::string, std::string>& flags, const std::string& name, int fallback, int low,
                 int high, const std::string& command);

}  // namespace sparkfabric::cli
