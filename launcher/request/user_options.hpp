// What the user already put on a program's command line (torchrun's, vLLM's, SGLang's), so that
// spark-launch never adds an option twice. Both '-' and '_' spellings count: torch and vLLM
// accept either.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sparkfabric::launch {

// The value of option `name` ("--node-rank", written with dashes) when the user gave it, as
// "--name V", "--name=V" or with '_' for '-'; empty text for a flag without a value.
std::optional<std::string> user_option(const std::vector<std::string>& args, const std::string& name);

}  // namespace sparkfabric::launch
