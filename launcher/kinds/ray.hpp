// ray: a Ray cluster across the nodes, the user's command on the head:
//   ray start --head --node-ip-address A --port P; ray start --address A:P --node-ip-address W;
//   ray stop; drivers find the cluster through RAY_ADDRESS.
// ray_node.hpp runs a node's part on the host, ray_image.hpp in a pyxis image.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "launcher/kinds/per_node_kind.hpp"

namespace sparkfabric::launch {

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
