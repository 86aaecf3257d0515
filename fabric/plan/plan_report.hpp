// Ways to show a plan: shell exports, JSON, and the explain text the plugin prints.
#pragma once

#include <string>
#include <vector>

#include "fabric/plan/plan.hpp"

namespace sparkfabric {

// `export NAME=value` lines, values shell-quoted, one variable per line.
std::string plan_to_shell(const Plan& plan);
std::string plan_to_json(const Plan& plan, const std::string& node);
// One line per choice: "NAME=value  <- reason", then the findings.
std::vector<std::string> explain_lines(const Plan& plan, const std::string& node);

}  // namespace sparkfabric
