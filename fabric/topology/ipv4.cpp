#include "fabric/topology/ipv4.hpp"

#include <arpa/inet.h>

#include <algorithm>

namespace sparkfabric {
namespace {

uint32_t mask_of(int prefix) {
    prefix = std::clamp(prefix, 0, 32);
    return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
}

}  // namespace

std::optional<uint32_t> parse_ipv4(const std::string& text) {
    in_addr address{};
    if (inet_pton(AF_INET, text.c_str(), &address) != 1) return std::nullopt;
    return ntohl(address.s_addr);
}

std::string format_ipv4(uint32_t address) {
    in_addr network{htonl(address)};
    char text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &network, text, sizeof text);
    return text;
}

std::string subnet_of(const Ipv4Address& address) {
    const auto value = parse_ipv4(address.address);
    if (!value) return {};
    const int prefix = std::clamp(address.prefix_length, 0, 32);
    return format_ipv4(*value & mask_of(prefix)) + "/" + std::to_string(prefix);
}

bool in_subnet(const std::string& address, const std::string& cidr) {
    const auto slash = cidr.find('/');
    if (slash == std::string::npos) return false;
    const auto network = parse_ipv4(cidr.substr(0, slash));
    const auto value = parse_ipv4(address);
    if (!network || !value) return false;
    int prefix = 0;
    try {
        prefix = std::stoi(cidr.substr(slash + 1));
    } catch (const std::exception&) {
        return false;
    }
    if (prefix < 0 || prefix > 32) return false;
    return ((*network ^ *value) & mask_of(prefix)) == 0;
}

std::string covering_cidr(const std::vector<std::string>& addresses, int narrowest_prefix) {
    int prefix = std::clamp(narrowest_prefix, 0, 32);
    std::optional<uint32_t> first;
    for (const auto& text : addresses) {
        const auto value = parse_ipv4(text);
        if (!value) continue;
        if (!first) {
            first = value;
            continue;
        }
        while (prefix > 0 && ((*first ^ *value) & mask_of(prefix)) != 0) --prefix;
    }
    if (!first) return "0.0.0.0/0";
    return format_ipv4(*first & mask_of(prefix)) + "/" + std::to_string(prefix);
}

}  // namespace sparkfabric
