// One node's part of `spark-launch --container-image=IMG ray -- COMMAND`, run inside the image.
//
// On the hosts, ray_node.cpp runs this part in spark-launch itself; an image has no spark-launch,
// so here the same steps are a constant POSIX sh script (its arguments are the commands, no
// shell text is built from input), started on every node by the one container step
// (container_launch.hpp), after the node's own address is filled in:
//   head:    ray start --head; wait until every node has joined (ray_wait_nodes.py's text run by
//            the image's python, bounded by --join-timeout); COMMAND with RAY_ADDRESS; ray stop.
//   workers: wait until the head's port answers (bounded); ray start --address; stay while the
//            head answers (3 misses 2 s apart end it); ray stop.
// SIGTERM, SIGINT or SIGHUP (scancel) ends the step that runs, and ray stop still runs.
#pragma once

#include "launcher/kinds/ray.hpp"

namespace sparkfabric::launch {

// `commands` from ray_node_commands, for the image's `ray` and `python`; its wait_nodes is
// replaced by the helper's text run with `python -c`. Throws LaunchError when the helper
// (ray_wait_nodes.py, installed with spark-launch) cannot be read.
Argv ray_image_command(const RayNodeCommands& commands, const NodeRole& role, int join_timeout, const std::string& python);

}  // namespace sparkfabric::launch
