// RoCE GIDs as sysfs prints them: full, lowercase, uncompressed IPv6 text.
#pragma once

#include <optional>
#include <string>

namespace sparkfabric {

bool is_zero_gid(const std::string& gid_text);
// The IPv4 address of an IPv4-mapped GID (::ffff:a.b.c.d), or nullopt.
std::optional<std::string> ipv4_of_gid(const std::string& gid_text);
inline constexpr const char* kRoceV2 = "RoCE v2";

}  // namespace sparkfabric
