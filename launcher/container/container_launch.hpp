// Launches whose program runs in a container image (pyxis + enroot) inside a Slurm allocation.
//
// Where spark-launch's own per-node work runs: on the hosts, never in the image. An image has
// no spark-launch (and usually no srun), so the head's plan and port come from host steps as
// for any launch, the image's torch is asked by one probe in the image on the head, and every
// node's exact command is computed here. One container step then starts on every node a
// constant POSIX sh script (no shell text is built from input: the commands are its
// arguments) that picks its node's command by SLURM_NODEID and puts the node's own address
// where the command asks for it: SPARKFABRIC_BOOTSTRAP_ADDR, which the plugin plans on that
// node, inside that container. So each node's values are planned on that node, and the
// container step's plugin plans for the launch's node count.
#pragma once

#include <string>
#include <vector>

#include "launcher/request/launch_request.hpp"
#include "launcher/run/process.hpp"

namespace sparkfabric::launch {

// Stands for "this node's own address" in a node's command; replaced inside the container.
inline constexpr const char* kOwnAddressToken = "@SPARKFABRIC_OWN_ADDRESS@";

// Fills request.container_image/mounts from pyxis's environment variables (PYXIS_CONTAINER_IMAGE,
// PYXIS_CONTAINER_MOUNTS) when the options are not given, then removes every PYXIS_CONTAINER_*
// variable from this process: pyxis puts every srun step whose environment has them in the
// image (pyxis args.c, pyxis_args_check_environment_variables), spark-launch's host steps too.
// Refuses launchers that cannot run in an image yet, naming what works, and a runtime where
// there is no choice of one (pyxis inside Slurm; docker or podman on --hostfile hosts).
void resolve_container(LaunchRequest& request);

// --container-image=IMG [--container-mounts=M] for srun.
Argv pyxis_options(const LaunchRequest& request);

// One task per node in the image; `node_commands[i]` is node i's command (SLURM_NODEID i).
Argv container_step_command(const LaunchRequest& request, const std::vector<Argv>& node_commands);

// The image's torch on `head`: "torch=2.6.0 libuv=no" lines from a probe step in the image.
Argv torch_probe_command(const LaunchRequest& request, const std::string& head);

// The same probe with docker or podman on this host.
Argv runtime_torch_probe_command(const LaunchRequest& request);

// On a --hostfile host: `docker|podman run` of the image with what NVIDIA's playbooks pass
// (--network host --ipc host --ulimit memlock=-1; --device /dev/infiniband and --gpus all where
// this host has them), a -v per mount, and `environment` as -e: the host's own plan, planned
// here, and the node's launch values. `name` lets the stage remove the container afterwards.
Argv runtime_run_command(const LaunchRequest& request, const std::string& name,
                         const std::vector<std::pair<std::string, std::string>>& environment, const Argv& program);

}  // namespace sparkfabric::launch
