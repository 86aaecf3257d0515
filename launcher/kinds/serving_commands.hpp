// One node's command line for the serving launchers: vLLM's and SGLang's own multi-node modes,
// and a Ray cluster. Pure functions of their inputs (argv vectors, never shell strings), so
// --print, the node stage and the tests share them.
//
// Flags, as read in the projects' sources and docs:
//   vLLM  (mp executor across nodes, vllm-project/vllm#23691, merged 2025-11; vLLM >= 0.12):
//         --distributed-executor-backend mp --nnodes N --node-rank R --master-addr A
//         --master-port P, --headless on every node but rank 0; VLLM_HOST_IP is the address
//         this node is reached at (vllm/envs.py). vLLM takes '_' for '-' in option names.
//   SGLang: python3 -m sglang.launch_server --nnodes N --node-rank R --dist-init-addr A:P
//   Ray:  ray start --head --node-ip-address A --port P; ray start --address A:P
//         --node-ip-address W; ray stop; drivers find the cluster through RAY_ADDRESS.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sparkfabric::launch {

using Argv = std::vector<std::string>;

// Who this node is in the launch and where the head is. Text fields: --print shows placeholders.
struct NodeRole {
    int nnodes = 1;
    int rank = 0;              // 0: the head
    std::string head_address;  // the head's bootstrap/fabric address
    std::string port;          // free on the head
    std::string own_address;   // this node's bootstrap/fabric address
};

struct NodeCommand {
    Argv argv;
    std::vector<std::pair<std::string, std::string>> environment;  // set for this node's program
};

// Refuses what cannot be the same on every node (--node-rank, --headless) and a node count
// that contradicts the launch, naming the option and the fix. Throws LaunchError.
void check_serving_args(const std::string& launcher, const Argv& program, int nnodes);

// `program` is what follows --: "serve MODEL ..." (vllm found on PATH) or "vllm serve ..." /
// "/venv/bin/vllm serve ...". Flags the user gave are kept, ours are not added twice.
NodeCommand vllm_node_command(const Argv& program, const NodeRole& role);

// `program`: launch_server's arguments, run as `python -m sglang.launch_server`, or a whole
// "python3 -m sglang.launch_server ..." line kept as typed.
NodeCommand sglang_node_command(const std::string& python, const Argv& program, const NodeRole& role);

struct RayNodeCommands {
    Argv start;        // ray start --head ... on the head; ray start --address ... elsewhere
    Argv wait_nodes;   // head only: waits until nnodes nodes are alive (ray_wait_nodes.py)
    Argv program;      // head only: the user's COMMAND
    Argv stop;         // ray stop
    std::string address;  // head:port, RAY_ADDRESS for the program
    std::vector<std::pair<std::string, std::string>> environment;  // for Ray itself: VLLM_HOST_IP
};

// python: the interpreter that has Ray (the `ray` script's own); join_timeout: seconds.
RayNodeCommands ray_node_commands(const std::string& ray, const std::string& python, const Argv& start_args,
                                  const Argv& program, const NodeRole& role, int join_timeout);

}  // namespace sparkfabric::launch
