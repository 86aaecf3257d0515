// NodeFacts <-> JSON, so `detect --json` on a real Spark can be replayed anywhere with --facts.
#pragma once

#include <string>

#include "fabric/facts/node_facts.hpp"

namespace sparkfabric {

std::string facts_to_json(const NodeFacts& facts, int indent = 2);
// Throws std::runtime_error naming the source and what is wrong (type errors, bad names).
NodeFacts facts_from_json(const std::string& text, const std::string& source_name);
NodeFacts load_facts_file(const std::string& path);

}  // namespace sparkfabric
