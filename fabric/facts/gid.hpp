// RoCE GIDs as sysfs prints them: full, lowercase, uncompressed IPv6 text.
#pragma once

#include <optional>
#include <string>

#include "fabric/facts/node_facts.hpp"

namespace sparkfabric {

bool is_zero_gid(const std::string& gid_text);
// The IPv4 address of an IPv4-mapped GID (::ffff:a.b.c.d), or nullopt.
std::optional<std::string> ipv4_of_gid(const std::string& gid_text);
inline constexpr const char* kRoceV2 = "RoCE v2";
// The IPv4 address of a RoCE v2 IPv4-mapped entry, or nullopt for any other entry: the only
// kind of GID the plan picks (and so the one discovery must not stop scanning before).
std::optional<std::string> roce_v2_ipv4_of(const GidEntry& entry);

}  // namespace sparkfabric
