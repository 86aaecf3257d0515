#include "launcher/request/launch_request.hpp"

#include <algorithm>

#include "fabric/common/validate.hpp"

namespace sparkfabric::launch {

const char* const kUsage =
    "usage: spark-launch [OPTIONS] torchrun|mpirun|srun|vllm|sglang|ray -- PROGRAM [ARGS]\n"
    "\n"
    "Starts PROGRAM across the nodes of the Slurm allocation (or of --hostfile) on the fabric.\n"
    "\n"
    "  torchrun   one torchrun per node (c10d rendezvous at the head node's address, a port\n"
    "             free on the head and an id unique to this launch, is_host on the head only;\n"
    "             flags the detected torch needs are added for you)\n"
    "  mpirun     Open MPI: -np, --map-by ppr:N:node; every rank keeps its own node's fabric\n"
    "             settings (the plugin's inside Slurm, spark-launch's own on --hostfile hosts)\n"
    "  srun       srun --mpi=pmix, N tasks per node (inside an allocation only)\n"
    "  vllm       PROGRAM is `serve MODEL [vLLM args]`: one vLLM per node in vLLM's own multi-node\n"
    "             mode (--distributed-executor-backend mp --nnodes --node-rank --master-addr\n"
    "             --master-port added unless given, --headless off the head, VLLM_HOST_IP = each\n"
    "             node's own address); vLLM >= 0.12\n"
    "  sglang     PROGRAM is sglang.launch_server's arguments: `python3 -m sglang.launch_server\n"
    "             ... --nnodes N --node-rank R --dist-init-addr HEAD:PORT` on every node,\n"
    "             SGLANG_HOST_IP = each node's own address\n"
    "  ray        a Ray cluster: ray start --head on the head, ray start --address on the others,\n"
    "             waits until every node joined, runs PROGRAM on the head with RAY_ADDRESS set,\n"
    "             then ray stop on every node (also on failure and SIGTERM)\n"
    "\n"
    "Options:\n"
    "  --print                  print the exact commands, shell-quoted, instead of running them\n"
    "  --preflight              survey the allocation first (spark-fabric survey); on errors, print\n"
    "                           them and start nothing (exit 2); warnings are printed, the launch goes on\n"
    "  --no-preflight           skip it where the site config turns it on (check.preflight)\n"
    "  --port P                 rendezvous port (default: a free port on the head, 20000-29999)\n"
    "  --nproc-per-node N       processes per node (default: GPUs per node from Slurm, else 1)\n"
    "  --hostfile F             plain hosts, one per line, optional slots=N, # comments\n"
    "  --allow-large            allow more than 10 nodes\n"
    "  --config FILE            site config used for the fabric plan\n"
    "  --torchrun PATH          torchrun to run (default: torchrun on PATH)\n"
    "  --torchrun-arg ARG       pass ARG to torchrun before PROGRAM (repeatable)\n"
    "  --local-addr auto|on|off pass torchrun --local_addr with the node's fabric address\n"
    "                           (auto: when torch >= 2 is found)\n"
    "  --rdzv-id ID             torchrun rendezvous id (default: slurm-<job>-<step>-<random>,\n"
    "                           or sparkfabric-<random> with --hostfile); letters, digits, - _ .\n"
    "  --mpirun PATH            mpirun to run (default: mpirun on PATH)\n"
    "  --python PATH            sglang: the python that runs it (default: python3); ray: the python\n"
    "                           that has Ray (default: the ray program's own)\n"
    "  --ray PATH               ray to run (default: ray on PATH)\n"
    "  --ray-start-arg ARG      pass ARG to ray start on every node (repeatable)\n"
    "  --join-timeout SECONDS   ray: how long the nodes have to join (default: 300)\n"
    "  --container-image IMG    run PROGRAM in this image on every node (pyxis + enroot; every launcher:\n"
    "                           mpirun's ranks start through srun --mpi=pmix there); PYXIS_CONTAINER_IMAGE\n"
    "                           in the environment does the same\n"
    "  --container-mounts M     pyxis --container-mounts for those steps (or PYXIS_CONTAINER_MOUNTS);\n"
    "                           with --container-runtime, each SRC:DST[:ro] becomes a -v\n"
    "  --container-runtime R    with --hostfile: docker or podman runs the image on each host (--network\n"
    "                           host --ipc host --ulimit memlock=-1, /dev/infiniband and the GPUs where\n"
    "                           the host has them, the host's fabric plan as -e)\n"
    "  --help                   this text\n";

namespace {

int whole_number(const std::string& option, const std::string& text, int low, int high) {
    try {
        size_t used = 0;
        const int value = std::stoi(text, &used);
        if (used == text.size() && value >= low && value <= high) return value;
    } catch (const std::exception&) {
    }
    throw LaunchError(option + ": '" + printable(text) + "' is not a whole number from " + std::to_string(low) +
                      " to " + std::to_string(high));
}

}  // namespace

LaunchRequest parse_launch_args(const std::vector<std::string>& args) {
    LaunchRequest request;
    std::string kind_text;  // as typed; parsed into request.kind once the stage is known
    size_t i = 0;
    auto value = [&](const std::string& option, const std::string& arg) -> std::string {
        const auto equals = arg.find('=');
        if (equals != std::string::npos) return arg.substr(equals + 1);
        if (i + 1 >= args.size()) throw LaunchError(option + " needs a value");
        return args[++i];
    };
    for (; i < args.size(); ++i) {
        const std::string& arg = args[i];
        const std::string name = arg.substr(0, arg.find('='));
        if (arg == "--") {
            request.program.assign(args.begin() + static_cast<long>(i) + 1, args.end());
            break;
        }
        if (parse_stage_arg(name, [&] { return value(name, arg); }, request.stage)) continue;
        if (name == "--print") {
            request.print = true;
        } else if (name == "--preflight") {
            request.preflight = Preflight::on;
        } else if (name == "--no-preflight") {
            request.preflight = Preflight::off;
        } else if (name == "--allow-large") {
            request.allow_large = true;
        } else if (name == "--port") {
            const std::string text = value(name, arg);
            if (!parse_port(text, request.port)) {
                throw LaunchError("--port: '" + printable(text) + "' is not a port from 1 to 65535");
            }
        } else if (name == "--nproc-per-node") {
            request.nproc_per_node = whole_number(name, value(name, arg), 1, 1024);
        } else if (name == "--hostfile") {
            request.hostfile = value(name, arg);
        } else if (name == "--config") {
            request.config_path = value(name, arg);
        } else if (name == "--torchrun") {
            request.torchrun = value(name, arg);
        } else if (name == "--torchrun-arg") {
            request.torchrun_args.push_back(value(name, arg));
        } else if (name == "--mpirun") {
            request.mpirun = value(name, arg);
        } else if (name == "--local-addr") {
            const std::string mode = value(name, arg);
            if (mode == "auto") {
                request.local_addr = LocalAddr::automatic;
            } else if (mode == "on") {
                request.local_addr = LocalAddr::on;
            } else if (mode == "off") {
                request.local_addr = LocalAddr::off;
            } else {
                throw LaunchError("--local-addr: '" + printable(mode) + "' is not auto, on or off");
            }
        } else if (name == "--python") {
            request.python = value(name, arg);
        } else if (name == "--ray") {
            request.ray = value(name, arg);
        } else if (name == "--ray-start-arg") {
            request.ray_start_args.push_back(value(name, arg));
        } else if (name == "--join-timeout") {
            request.join_timeout = whole_number(name, value(name, arg), 1, 86400);
        } else if (name == "--container-image") {
            request.container_image = value(name, arg);
            if (request.container_image.empty()) throw LaunchError("--container-image needs an image");
        } else if (name == "--container-mounts") {
            request.container_mounts = value(name, arg);
        } else if (name == "--container-runtime") {
            request.container_runtime = value(name, arg);
            if (request.container_runtime != "docker" && request.container_runtime != "podman") {
                throw LaunchError("--container-runtime: '" + printable(request.container_runtime) + "' is not docker or podman");
            }
        } else if (name == "--rdzv-id") {
            request.rdzv_id = value(name, arg);
        } else if (!arg.empty() && arg[0] == '-') {
            throw LaunchError("unknown option '" + printable(arg) + "' (see spark-launch --help)");
        } else if (kind_text.empty()) {
            kind_text = arg;
        } else {
            throw LaunchError("unexpected '" + printable(arg) + "': put the program after --, as in "
                              "spark-launch torchrun -- train.py");
        }
    }
    if (request.stage.name == "plan" || request.stage.name == "port") return request;
    if (request.stage.name == "exec" || request.stage.name == "restore") {  // PROGRAM after --, no launcher
        if (request.program.empty() || request.program[0].empty()) {
            throw LaunchError("--stage " + request.stage.name + ": no program");
        }
        return request;
    }
    const auto known = parse_launch_kind(kind_text);
    if (!known) {
        const std::string use = std::string("use ") + kKnownKinds;
        throw LaunchError(kind_text.empty() ? "no launcher given: " + use : "unknown launcher '" + printable(kind_text) + "': " + use);
    }
    request.kind = *known;
    if (request.program.empty() || request.program[0].empty()) {
        throw LaunchError("no program given: spark-launch " + kind_text + " -- PROGRAM [ARGS]");
    }
    if (!request.rdzv_id.empty() &&
        !std::all_of(request.rdzv_id.begin(), request.rdzv_id.end(),
                     [](unsigned char c) { return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.'; })) {
        throw LaunchError("--rdzv-id: use letters, digits, '-', '_' and '.'");
    }
    return request;
}

std::string python_or_default(const LaunchRequest& request) { return request.python.empty() ? "python3" : request.python; }

}  // namespace sparkfabric::launch
