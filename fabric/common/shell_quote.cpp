#include "fabric/common/shell_quote.hpp"

#include <cctype>

namespace sparkfabric {

std::string shell_quote(const std::string& word) {
    bool safe = !word.empty();
    for (unsigned char c : word) {
        if (std::isalnum(c) == 0 && std::string("@%+=:,./_-^").find(static_cast<char>(c)) == std::string::npos) {
            safe = false;
            break;
        }
    }
    if (safe) return word;
    std::string quoted = "'";
    for (char c : word) {
        if (c == '\'') {
            quoted += "'\\''";
        } else {
            quoted += c;
        }
    }
    return quoted + "'";
}

std::string shell_join(const std::vector<std::string>& argv) {
    std::string line;
    for (const auto& word : argv) line += (line.empty() ? "" : " ") + shell_quote(word);
    return line;
}

}  // namespace sparkfabric
