// Small, defensive readers for sysfs and procfs text. Odd contents are normal there:
// missing files, EINVAL on empty GID attributes, garbage. Nothing here throws.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sparkfabric {

// The file's first 4 KiB with trailing whitespace removed; nullopt when it cannot be read
// (errno_out, when given, says why: ENOENT, EINVAL, EACCES...).
std::optional<std::string> read_sysfs_text(const std::string& path, int* errno_out = nullptr);

// Names in a directory, sorted, without "." and ".."; empty when it cannot be listed.
std::vector<std::string> list_directory(const std::string& path);

// The last path component of a symlink's target ("../../0000:01:00.0" -> "0000:01:00.0").
std::optional<std::string> link_target_name(const std::string& path);

std::optional<int> parse_decimal(const std::string& text);

// "4: ACTIVE" -> "ACTIVE"; text without a "N: " prefix is returned as is.
std::string port_state_name(const std::string& text);

}  // namespace sparkfabric
