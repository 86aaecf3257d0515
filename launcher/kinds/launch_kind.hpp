// The launch kinds spark-launch knows, parsed once from the command line into an enum: the rest
// of the launcher asks the kind (kinds/kind.hpp), never compares names.
#pragma once

#include <optional>
#include <string>

namespace sparkfabric::launch {

enum class LaunchKind { torchrun, mpirun, srun, vllm, sglang, ray };

// "torchrun" -> LaunchKind::torchrun; nullopt for a name spark-launch does not know.
std::optional<LaunchKind> parse_launch_kind(const std::string& name);

// The name as typed on the command line, in messages and on the node stage's command line.
std::string kind_name(LaunchKind kind);

// "torchrun, mpirun, srun, vllm, sglang or ray": for the message that refuses another name.
extern const char* const kKnownKinds;

}  // namespace sparkfabric::launch
