#include "fabric/common/options.hpp"

#include <sstream>

#include "fabric/common/validate.hpp"

namespace sparkfabric {

const char* to_string(NcclMode mode) {
    switch (mode) {
        case NcclMode::automatic: return "auto";
        case NcclMode::safe: return "safe";
        case NcclMode::dmabuf: return "dmabuf";
    }
    return "unknown";
}

const char* to_string(CheckLevel level) {
    switch (level) {
        case CheckLevel::off: return "off";
        case CheckLevel::warn: return "warn";
        case CheckLevel::strict: return "strict";
    }
    return "unknown";
}

std::optional<FabricRequest> parse_fabric_option(const std::string& text, std::string& error) {
    FabricRequest request;
    if (text == "auto") return request;
    if (text == "off") {
        request.kind = FabricRequest::Kind::off;
        return request;
    }
    request.kind = FabricRequest::Kind::interfaces;
    std::stringstream parts(text);
    std::string name;
    while (std::getline(parts, name, ',')) {
        if (!is_valid_interface_name(name)) {
            error = "--fabric: '" + printable(name) + "' is not a network interface name; use auto, off, " +
                    "or a comma list of interface names such as enp1s0f1np1";
            return std::nullopt;
        }
        request.interfaces.push_back(name);
    }
    if (request.interfaces.empty() || text.back() == ',') {
        error = "--fabric: empty value; use auto, off, or a comma list of interface names";
        return std::nullopt;
    }
    return request;
}

std::optional<NcclMode> parse_nccl_mode(const std::string& text, std::string& error) {
    if (text == "auto") return NcclMode::automatic;
    if (text == "safe") return NcclMode::safe;
    if (text == "dmabuf") return NcclMode::dmabuf;
    error = "--nccl-mode: '" + printable(text) + "' is not a mode; use auto, safe or dmabuf";
    return std::nullopt;
}

std::optional<CheckLevel> parse_check_level(const std::string& text, std::string& error) {
    if (text == "off") return CheckLevel::off;
    if (text == "warn") return CheckLevel::warn;
    if (text == "strict") return CheckLevel::strict;
    error = "--fabric-check: '" + printable(text) + "' is not a level; use off, warn or strict";
    return std::nullopt;
}

}  // namespace sparkfabric
