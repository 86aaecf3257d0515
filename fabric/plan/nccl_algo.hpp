// NCCL_ALGO values, checked the way NCCL reads them, so that a plan or a site rule never leaves
// a collective without an algorithm. NCCL accepts a global list ("Ring,Tree", "^Tree") or
// per-collective lists ("allreduce:tree;broadcast:ring", NCCL >= 2.24); a collective left with
// no algorithm that implements it fails at its first call ("no algorithm/protocol available").
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sparkfabric {

// Nullopt when every collective keeps an algorithm that runs it across Spark nodes; otherwise
// a sentence naming the collective(s) left without one, or what is not NCCL_ALGO syntax.
std::optional<std::string> nccl_algo_problem(const std::string& value);

// The collectives for which `value` lets NCCL pick an algorithm other than Ring between nodes,
// each with those algorithms, e.g. "allreduce (Tree)"; empty where Ring is all that is left.
// On a ring only neighbours are cabled, and both others talk to nodes that are not: Tree
// builds binary trees over all ranks, and PAT exchanges with the peer at each power-of-two
// distance (NVIDIA/nccl src/include/collectives.h, PatRSAlgorithm and PatAGAlgorithm: one send
// and one receive peer per dimension, sendDims[32]/recvDims[32]).
std::vector<std::string> beyond_ring(const std::string& value);

}  // namespace sparkfabric
