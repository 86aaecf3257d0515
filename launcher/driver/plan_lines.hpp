// The launcher needs the head node's plan, which may live on another node: `--stage plan`
// prints it there as NAME=VALUE lines, and the launching side reads them back.
#pragma once

#include <map>
#include <string>

#include "fabric/plan/plan.hpp"

namespace sparkfabric::launch {

std::string plan_to_lines(const Plan& plan);
// Throws LaunchError when a line is not NAME=VALUE with a valid name.
std::map<std::string, std::string> plan_from_lines(const std::string& text, const std::string& source);

}  // namespace sparkfabric::launch
