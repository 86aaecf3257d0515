// One node's part of `spark-launch ray`, run there by the node stage:
//   head:    ray start --head; wait until every node has joined (bounded); the user's command
//            with RAY_ADDRESS; ray stop.
//   workers: wait until the head's Ray answers (bounded); ray start --address; stay while the
//            head's Ray answers (the head ends the cluster by stopping it); ray stop.
// A stop (SIGTERM from Slurm or spark-launch, or stdin EOF in hostfile mode) ends whichever
// step runs and still stops Ray, so no Ray process outlives the launch on any node.
#pragma once

#include "launcher/kinds/ray.hpp"

namespace sparkfabric::launch {

struct RayNode {
    RayNodeCommands commands;
    NodeRole role;
    int join_timeout = 300;  // seconds
    bool watch_stdin = false;
};

// The node's exit status: on the head, the user's command's (128 + signal when stopped); on a
// worker, non-zero only when it could not join.
int run_ray_node(const RayNode& node);

}  // namespace sparkfabric::launch
