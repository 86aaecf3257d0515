#include "fabric/common/findings.hpp"

namespace sparkfabric {

const char* to_string(Severity severity) {
    switch (severity) {
        case Severity::info: return "info";
        case Severity::warning: return "warning";
        case Severity::error: return "error";
    }
    return "unknown";
}

std::string format_finding(const Finding& finding, const std::string& node) {
    std::string line = to_string(finding.severity);
    line += ": ";
    if (!node.empty()) line += node + ": ";
    if (!finding.subject.empty()) line += finding.subject + ": ";
    line += finding.message;
    if (!finding.fix.empty()) line += " (fix: " + finding.fix + ")";
    return line;
}

Severity worst_severity(const std::vector<Finding>& findings) {
    Severity worst = Severity::info;
    for (const auto& finding : findings) {
        if (static_cast<int>(finding.severity) > static_cast<int>(worst)) worst = finding.severity;
    }
    return worst;
}

}  // namespace sparkfabric
