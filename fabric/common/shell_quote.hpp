// POSIX shell quoting for what we print (`env --format sh`, `spark-launch --print`).
// We never run shell strings; quoting is only so a person can paste what we print.
#pragma once

#include <string>
#include <vector>

namespace sparkfabric {

// Returns the word unchanged when it is made only of safe characters, else single-quoted.
std::string shell_quote(const std::string& word);
std::string shell_join(const std::vector<std::string>& argv);

}  // namespace sparkfabric
