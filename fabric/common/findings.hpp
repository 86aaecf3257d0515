// A finding is one thing worth telling the user: what is wrong, where, and the fix.
#pragma once

#include <string>
#include <vector>

namespace sparkfabric {

enum class Severity { info, warning, error };

const char* to_string(Severity severity);

struct Finding {
    Severity severity = Severity::info;
    std::string code;     // stable id, e.g. "link-down", "twin-without-ipv4"
    std::string subject;  // the interface, device or file it is about
    std::string message;  // what is wrong
    std::string fix;      // how to fix it; empty for info
    bool operator==(const Finding&) const = default;
};

// "warning: enp1s0f1np1: fabric link is down (fix: ...)", prefixed with the node when given.
std::string format_finding(const Finding& finding, const std::string& node = {});

Severity worst_severity(const std::vector<Finding>& findings);  // info when empty

}  // namespace sparkfabric
