// sglang: python3 -m sglang.launch_server --nnodes N --node-rank R --dist-init-addr A:P on
// every node, SGLANG_HOST_IP the address this node is reached at.
#pragma once

#include <string>

#include "launcher/kinds/per_node_kind.hpp"

namespace sparkfabric::launch {

// `program`: launch_server's arguments, run as `python -m sglang.launch_server`, or a whole
// "python3 -m sglang.launch_server ..." line kept as typed.
NodeCommand sglang_node_command(const std::string& python, const Argv& program, const NodeRole& role);

}  // namespace sparkfabric::launch
