// The kinds that run one program per node around a head node: torchrun, vllm, sglang and ray.
// The shared driver (driver/node_launch.cpp) finds the head, its address and a port free on
// it, and starts `spark-launch --stage node` on every node (srun inside Slurm, ssh with
// --hostfile); there it asks the kind for that node's part. A kind says only what differs:
// its checks, what it must know of its runtime, its stage options, one node's command (on the
// host, in a pyxis image) and its --print lines.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "fabric/plan/plan.hpp"
#include "launcher/kinds/kind.hpp"

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

// Where a kind's runtime is asked what it is (torchrun: which torch, with or without libuv).
enum class RuntimeSite {
    launching_host,  // the launching side, for every node (--print runs no interpreter)
    pyxis_image,     // in the image on the head, through a probe step
    runtime_image,   // in the docker/podman image of this --hostfile host (its node stage)
};

class PerNodeKind : public Kind {
public:
    int launch_in_allocation(const LaunchRequest& request) const override;
    int launch_on_hosts(const LaunchRequest& request) const override;
    int run_node_stage(const LaunchRequest& request) const override;

    // Refuses what cannot be the same on every node, naming the option and the fix (LaunchError).
    virtual void check_program(const Argv& program, int nnodes) const;
    // What this kind must know of its runtime before any node starts, found once at `site`
    // (`head`: the head node, for pyxis_image) and written into the request's stage arguments,
    // which every node stage receives.
    virtual void find_runtime(LaunchRequest& request, RuntimeSite site, const std::string& head) const;
    // Whether a node needs its own address (then it is planned where the node runs).
    virtual bool wants_own_address(const LaunchRequest& request) const;
    // This kind's options for the node stage.
    virtual void add_stage_args(const LaunchRequest& request, Argv& stage) const;
    // One node's command in a pyxis image: argv only (env(1) sets its environment there).
    virtual Argv image_command(const LaunchRequest& request, int procs, const NodeRole& role) const = 0;
    // --print: what one node runs, as shell lines (in_image: in a pyxis image).
    virtual std::string print_lines(const LaunchRequest& request, int procs, const NodeRole& role, bool in_image) const = 0;
    // --print inside an allocation: a closing note, if any (in_image: in a pyxis image).
    virtual std::string print_note(const LaunchRequest& request, bool in_image) const;
    // --stage node: runs this node's part. `plan` is this node's (empty unless it was planned
    // here: for its own address, or where no plugin ran).
    virtual int run_node(const LaunchRequest& request, int procs, const NodeRole& role, const Plan& plan) const = 0;
};

// The kinds whose node part is one program (torchrun, vllm, sglang): from that program's
// command, the image command, the --print lines and the node stage are the same for all.
class SingleProgramKind : public PerNodeKind {
public:
    virtual NodeCommand node_command(const LaunchRequest& request, int procs, const NodeRole& role) const = 0;

    Argv image_command(const LaunchRequest& request, int procs, const NodeRole& role) const override;
    std::string print_lines(const LaunchRequest& request, int procs, const NodeRole& role, bool in_image) const override;
    int run_node(const LaunchRequest& request, int procs, const NodeRole& role, const Plan& plan) const override;
};

// The kind, for the driver and the node stage; throws LaunchError for mpirun and srun.
const PerNodeKind& per_node_kind(LaunchKind kind);

// In a pyxis image: `env NAME=VALUE... PROGRAM...`, env(1) being in every image, spark-launch in none.
Argv image_argv(const NodeCommand& command);

// NAME=VALUE ... ARGV, shell-quoted: a --print line with the environment the command gets.
std::string with_environment(const std::vector<std::pair<std::string, std::string>>& environment, const Argv& argv);

}  // namespace sparkfabric::launch
