#include "fabric/facts/gid.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace sparkfabric {
namespace {

std::optional<in6_addr> parse_gid(const std::string& gid_text) {
    in6_addr address{};
    if (inet_pton(AF_INET6, gid_text.c_str(), &address) != 1) return std::nullopt;
    return address;
}

}  // namespace

bool is_zero_gid(const std::string& gid_text) {
    const auto address = parse_gid(gid_text);
    if (!address) return true;  // unparsable counts as empty: never chosen
    static const in6_addr zero{};
    return std::memcmp(&*address, &zero, sizeof zero) == 0;
}

std::optional<std::string> ipv4_of_gid(const std::string& gid_text) {
    const auto address = parse_gid(gid_text);
    if (!address || !IN6_IS_ADDR_V4MAPPED(&*address)) return std::nullopt;
    char text[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, &address->s6_addr[12], text, sizeof text) == nullptr) return std::nullopt;
    return std::string(text);
}

std::optional<std::string> roce_v2_ipv4_of(const GidEntry& entry) {
    if (entry.type != kRoceV2) return std::nullopt;
    return ipv4_of_gid(entry.gid);
}

}  // namespace sparkfabric
