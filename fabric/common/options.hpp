// The job-level choices a user makes (SPANK options, CLI flags), parsed from strict grammars.
// Shared by the plugin and the CLI so both accept exactly the same spellings.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sparkfabric {

enum class NcclMode { automatic, safe, dmabuf };
enum class CheckLevel { off, warn, strict };

const char* to_string(NcclMode mode);
const char* to_string(CheckLevel level);

// --fabric=auto|off|IF[,IF]
struct FabricRequest {
    enum class Kind { automatic, off, interfaces } kind = Kind::automatic;
    std::vector<std::string> interfaces;
    bool operator==(const FabricRequest&) const = default;
};

// Each parser returns the value, or sets `error` to a sentence naming the option, the bad
// value and the allowed values.
std::optional<FabricRequest> parse_fabric_option(const std::string& text, std::string& error);
std::optional<NcclMode> parse_nccl_mode(const std::string& text, std::string& error);
std::optional<CheckLevel> parse_check_level(const std::string& text, std::string& error);

}  // namespace sparkfabric
