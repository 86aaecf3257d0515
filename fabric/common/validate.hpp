// Strict grammars for every value that comes from outside: option values, config values,
// sysfs names. Accept only what a real system produces; everything else is refused early.
#pragma once

#include <string>

namespace sparkfabric {

// Linux netdev name: 1..15 chars of [A-Za-z0-9_.:-], not "." or "..".
bool is_valid_interface_name(const std::string& name);
// RDMA device name as the kernel or rdma-core names it: 1..63 chars of [A-Za-z0-9_.-].
bool is_valid_rdma_device_name(const std::string& name);
// A name for a Slurm node or host: 1..253 chars of [A-Za-z0-9._-], not starting with '-'.
bool is_valid_host_name(const std::string& name);
// Environment variable name: [A-Za-z_][A-Za-z0-9_]* (OMPI_MCA_* names carry lowercase).
bool is_valid_env_name(const std::string& name);
// Environment values carry no control characters: newlines and NULs would split an `export`
// line, escape sequences would reach terminals.
bool is_valid_env_value(const std::string& value);
// "a.b.c.d/len"
bool is_valid_ipv4_cidr(const std::string& text);
// A whole number from low to high, digits only (no sign, no spaces): ports, counts, timeouts.
bool parse_bounded_number(const std::string& text, int low, int high, int& value);
bool parse_port(const std::string& text, int& port);  // 1..65535, digits only
// PCI address "dddd:bb:dd.f"
bool is_valid_pci_address(const std::string& text);

// Untrusted text made safe to quote in a message: control bytes escaped, clipped to 80 chars.
std::string printable(const std::string& text);

}  // namespace sparkfabric
