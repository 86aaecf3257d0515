#include "fabric/common/validate.hpp"

#include <algorithm>

#include <arpa/inet.h>

#include <regex>

namespace sparkfabric {
namespace {

bool all_of_charset(const std::string& text, const char* extra) {
    for (unsigned char c : text) {
        if (std::isalnum(c) == 0 && std::string(extra).find(static_cast<char>(c)) == std::string::npos) {
            return false;
        }
    }
    return true;
}

}  // namespace

bool is_valid_interface_name(const std::string& name) {
    return !name.empty() && name.size() <= 15 && name != "." && name != ".." &&
           all_of_charset(name, "_.:-");
}

bool is_valid_rdma_device_name(const std::string& name) {
    return !name.empty() && name.size() <= 63 && name != "." && name != ".." &&
           all_of_charset(name, "_.-");
}

bool is_valid_host_name(const std::string& name) {
    return !name.empty() && name.size() <= 253 && name.front() != '-' && name.front() != '.' &&
           all_of_charset(name, "._-");
}

bool is_valid_env_name(const std::string& name) {
    if (name.empty() || name.size() > 128 || std::isdigit(static_cast<unsigned char>(name.front())) != 0) return false;
    for (unsigned char c : name) {
        if (!(std::isalnum(c) != 0 || c == '_')) return false;
    }
    return true;
}

bool is_valid_env_value(const std::string& value) {
    // No control characters at all: a newline or NUL would split the value where the plan is
    // handed on as NAME=VALUE lines, and an escape sequence would reach users' terminals.
    return std::none_of(value.begin(), value.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

bool is_valid_ipv4_cidr(const std::string& text) {
    const auto slash = text.find('/');
    if (slash == std::string::npos) return false;
    in_addr address{};
    if (inet_pton(AF_INET, text.substr(0, slash).c_str(), &address) != 1) return false;
    int length = 0;
    const std::string digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 2) return false;
    for (char c : digits) {
        if (c < '0' || c > '9') return false;
        length = length * 10 + (c - '0');
    }
    return length <= 32;
}

bool parse_bounded_number(const std::string& text, int low, int high, int& value) {
    // Leading zeros are allowed, up to five digits or as many as `high` has (never enough to overflow).
    const size_t widest = std::max<size_t>(5, std::to_string(high).size());
    if (text.empty() || text.size() > widest) return false;
    long number = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
        number = number * 10 + (c - '0');
    }
    if (number < low || number > high) return false;
    value = static_cast<int>(number);
    return true;
}

bool parse_port(const std::string& text, int& port) { return parse_bounded_number(text, 1, 65535, port); }

bool is_valid_pci_address(const std::string& text) {
    static const std::regex pattern("^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]$");
    return std::regex_match(text, pattern);
}

std::string printable(const std::string& text) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    for (unsigned char c : text) {
        if (out.size() >= 80) {
            out += "...";
            break;
        }
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += static_cast<char>(c);
        } else {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

}  // namespace sparkfabric
