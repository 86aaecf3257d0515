// vllm: one vLLM per node in vLLM's own multi-node mode (mp executor across nodes,
// vllm-project/vllm#23691, merged 2025-11; vLLM >= 0.12):
//   --distributed-executor-backend mp --nnodes N --node-rank R --master-addr A --master-port P,
//   --headless on every node but rank 0; VLLM_HOST_IP is the address this node is reached at
//   (vllm/envs.py). vLLM takes '_' for '-' in option names.
#pragma once

#include "launcher/kinds/per_node_kind.hpp"

namespace sparkfabric::launch {

// `program` is what follows --: "serve MODEL ..." (vllm found on PATH) or "vllm serve ..." /
// "/venv/bin/vllm serve ...". Flags the user gave are kept, ours are not added twice.
NodeCommand vllm_node_command(const Argv& program, const NodeRole& role);

}  // namespace sparkfabric::launch
