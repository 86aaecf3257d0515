#include "fabric/common/shell_quote.hpp"

#include <cctype>

namespace sparkfabric {

namespace {

// Words a POSIX shell and zsh both leave alone. zsh, which may be the login shell that runs an
// ssh remote command, replaces a word that starts with '=' by a command's path (EQUALS), and
// expands '~' or '=' at the start of an assignment's value or after a ':' in it (zsh 5.9,
// Doc/Zsh/expn.yo lines 2033-2038 and 2043-2047); '^' negates a glob under EXTENDED_GLOB.
// So '=' is plain only inside a word and not after ':', and '~' and '^' are always quoted.
bool plain_word(const std::string& word) {
    if (word.empty() || word.front() == '=' || word.find(":=") != std::string::npos) return false;
    for (unsigned char c : word) {
        if (std::isalnum(c) == 0 && std::string("@%+=:,./_-").find(static_cast<char>(c)) == std::string::npos) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::string shell_quote(const std::string& word) {
    const bool safe = plain_word(word);
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
