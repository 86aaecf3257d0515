// IPv4 subnet arithmetic for the plan and the checks: which subnet an address is on, whether
// two addresses share one, and the smallest CIDR covering a set (for NCCL_IB_ADDR_RANGE).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fabric/facts/node_facts.hpp"

namespace sparkfabric {

std::optional<uint32_t> parse_ipv4(const std::string& text);  // host byte order
std::string format_ipv4(uint32_t address);

// "192.168.0.1" with prefix 24 -> "192.168.0.0/24".
std::string subnet_of(const Ipv4Address& address);

// True when `address` (dotted quad) lies inside `cidr` ("192.168.0.0/24"); false for bad text.
bool in_subnet(const std::string& address, const std::string& cidr);

// The smallest CIDR that covers every address, no narrower than `narrowest_prefix`.
std::string covering_cidr(const std::vector<std::string>& addresses, int narrowest_prefix);

}  // namespace sparkfabric
