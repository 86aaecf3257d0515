// NCCL_ALGO values, checked the way NCCL reads them, so that a plan or a site rule never leaves
// a collective without an algorithm. NCCL accepts a global list ("Ring,Tree", "^Tree") or
// per-collective lists ("allreduce:tree;broadcast:ring", NCCL >= 2.24); a collective left with
// no algorithm that implements it fails at its first call ("no algorithm/protocol available").
#pragma once

#include <optional>
#include <string>

namespace sparkfabric {

// Nullopt when every collective keeps an algorithm that runs it across Spark nodes; otherwise
// a sentence naming the collective(s) left without one, or what is not NCCL_ALGO syntax.
std::optional<std::string> nccl_algo_problem(const std::string& value);

}  // namespace sparkfabric
