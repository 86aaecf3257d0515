// One way to list names: "a,b,c" for variable values, or with ", " for messages.
#pragma once

#include <string>
#include <vector>

namespace sparkfabric {

inline std::string join(const std::vector<std::string>& items, const char* separator = ",") {
    std::string text;
    for (const auto& item : items) text += (text.empty() ? "" : separator) + item;
    return text;
}

}  // namespace sparkfabric
