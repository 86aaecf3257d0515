#include "launcher/kinds/launch_kind.hpp"

#include <utility>

namespace sparkfabric::launch {
namespace {

constexpr std::pair<LaunchKind, const char*> kNames[] = {
    {LaunchKind::torchrun, "torchrun"}, {LaunchKind::mpirun, "mpirun"}, {LaunchKind::srun, "srun"},
    {LaunchKind::vllm, "vllm"},         {LaunchKind::sglang, "sglang"}, {LaunchKind::ray, "ray"},
};

}  // namespace

const char* const kKnownKinds = "torchrun, mpirun, srun, vllm, sglang or ray";

std::optional<LaunchKind> parse_launch_kind(const std::string& name) {
    for (const auto& [kind, text] : kNames) {
        if (name == text) return kind;
    }
    return std::nullopt;
}

std::string kind_name(LaunchKind kind) {
    for (const auto& [known, text] : kNames) {
        if (known == kind) return text;
    }
    return "unknown";  // every enumerator is in kNames; -Wswitch cannot see a table
}

}  // namespace sparkfabric::launch
