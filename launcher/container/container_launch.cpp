#include "launcher/container/container_launch.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "fabric/discovery/discovery.hpp"
#include "launcher/kinds/kind.hpp"

namespace sparkfabric::launch {
namespace {

// Picks this node's command: the arguments are TOKEN, then one "COUNT ARG..." group per node.
// ${SLURM_NODEID} indexes the groups; an argument ending in TOKEN gets the node's own address.
constexpr const char* kNodeScript =
    "token=$1; shift\n"
    "skip=${SLURM_NODEID:?sparkfabric: SLURM_NODEID is not set in the container}\n"
    "while [ \"$skip\" -gt 0 ]; do n=$1; shift; shift \"$n\"; skip=$((skip - 1)); done\n"
    "n=$1; shift; total=$#; k=0\n"
    "for a do\n"
    "  if [ \"$k\" -lt \"$n\" ]; then\n"
    "    case $a in *\"$token\")\n"
    "      if [ -z \"${SPARKFABRIC_BOOTSTRAP_ADDR:-}\" ]; then\n"
    "        echo \"sparkfabric: $(hostname): SPARKFABRIC_BOOTSTRAP_ADDR is not set in the container: is the sparkfabric \"\\\n"
    "             \"plugin loaded (after pyxis in plugstack.conf) and the fabric on (no --fabric=off)?\" >&2; exit 2; fi\n"
    "      a=${a%\"$token\"}$SPARKFABRIC_BOOTSTRAP_ADDR;;\n"
    "    esac\n"
    "    set -- \"$@\" \"$a\"\n"
    "  fi\n"
    "  k=$((k + 1))\n"
    "done\n"
    "shift \"$total\"\n"
    "exec \"$@\"\n";

constexpr const char* kTorchProbe =
    "import torch, torch.distributed as d\n"
    "print('torch=' + torch.__version__)\n"
    "try:\n"
    "    d.TCPStore('127.0.0.1', 0, 1, True, use_libuv=True)\n"
    "    print('libuv=yes')\n"
    "except Exception as e:\n"
    "    print('libuv=no' if 'libuv' in str(e) else 'libuv=unknown')\n";

// docker's daemon sets limits as root: unlimited always works. podman passes an explicit --ulimit
// to the OCI runtime as given (podman 4.3.1 pkg/specgen/generate/oci.go addRlimits: only the
// nofile/nproc defaults are capped at the caller's hard limit), and without CAP_SYS_RESOURCE the
// runtime cannot raise the hard limit (runc: "error setting rlimit type 8: operation not
// permitted"): the container would not start. It gets this login's hard limit instead, and the
// user is told once per launch, by the first host (the probe and the run both build a command,
// and the hosts of one launch are set up alike as a rule). One write, so that hosts' lines that
// share spark-launch's stderr through ssh do not interleave inside it.
std::string memlock_limit(const LaunchRequest& request) {
    rlimit limit{};
    if (request.container_runtime == "docker" || getrlimit(RLIMIT_MEMLOCK, &limit) != 0 || limit.rlim_max == RLIM_INFINITY) {
        return "memlock=-1";
    }
    static bool told = false;
    if (!told && request.stage.node_rank <= 0) {
        told = true;
        const std::string where = request.stage.node_rank == 0 ? local_hostname() + ": " : std::string();
        const std::string text = "spark-launch: " + where +
                                 "podman cannot give the container unlimited locked memory: this login's hard limit is " +
                                 std::to_string(limit.rlim_max / 1024) +
                                 " KiB (RDMA registration needs unlimited: raise memlock in /etc/security/limits.conf, "
                                 "or use docker)\n";
        std::cerr << text << std::flush;
    }
    const std::string bytes = std::to_string(limit.rlim_max);
    return "memlock=" + bytes + ":" + bytes;
}

}  // namespace

void resolve_container(LaunchRequest& request) {
    if (request.container_image.empty()) {
        if (const char* image = std::getenv("PYXIS_CONTAINER_IMAGE"); image != nullptr) request.container_image = image;
    }
    if (request.container_mounts.empty()) {
        if (const char* mounts = std::getenv("PYXIS_CONTAINER_MOUNTS"); mounts != nullptr) request.container_mounts = mounts;
    }
    std::vector<std::string> names;
    for (char** entry = ::environ; *entry != nullptr; ++entry) {
        if (std::strncmp(*entry, "PYXIS_CONTAINER_", 16) != 0) continue;
        const char* equals = std::strchr(*entry, '=');
        if (equals != nullptr) names.emplace_back(*entry, static_cast<size_t>(equals - *entry));
    }
    for (const auto& name : names) unsetenv(name.c_str());
    if (request.container_image.empty()) {
        if (!request.container_mounts.empty()) throw LaunchError("--container-mounts needs --container-image");
        if (!request.container_runtime.empty()) throw LaunchError("--container-runtime needs --container-image");
        return;
    }
    if (!request.hostfile.empty() && request.container_runtime.empty()) {
        throw LaunchError("--hostfile with --container-image needs --container-runtime docker or podman: plain hosts "
                          "have no pyxis");
    }
    if (request.hostfile.empty() && !request.container_runtime.empty()) {
        throw LaunchError("--container-runtime is for --hostfile hosts; inside a Slurm allocation the image runs "
                          "through pyxis (drop --container-runtime)");
    }
    if (!request.container_runtime.empty() && !kind_of(request.kind).runs_in_runtime_image()) {
        const std::string kind = kind_name(request.kind);
        throw LaunchError(kind + " in a " + request.container_runtime + " image on --hostfile hosts is not " +
                          "supported: run " + kind + " on the hosts, or in the image under Slurm (pyxis)");
    }
}

Argv pyxis_options(const LaunchRequest& request) {
    Argv options{"--container-image=" + request.container_image};
    if (!request.container_mounts.empty()) options.push_back("--container-mounts=" + request.container_mounts);
    return options;
}

Argv container_step_command(const LaunchRequest& request, const std::vector<Argv>& node_commands) {
    const std::string nodes = std::to_string(node_commands.size());
    Argv argv{"srun", "--nodes=" + nodes, "--ntasks=" + nodes, "--ntasks-per-node=1", "--kill-on-bad-exit=1", "--overlap"};
    const Argv options = pyxis_options(request);
    argv.insert(argv.end(), options.begin(), options.end());
    argv.insert(argv.end(), {"sh", "-c", kNodeScript, "sparkfabric-node", kOwnAddressToken});
    for (const auto& command : node_commands) {
        argv.push_back(std::to_string(command.size()));
        argv.insert(argv.end(), command.begin(), command.end());
    }
    return argv;
}

Argv runtime_torch_probe_command(const LaunchRequest& request) {
    return runtime_run_command(request, "", {}, {python_or_default(request), "-c", kTorchProbe});
}

Argv runtime_run_command(const LaunchRequest& request, const std::string& name,
                         const std::vector<std::pair<std::string, std::string>>& environment, const Argv& program) {
    Argv argv{request.container_runtime, "run", "--rm"};
    if (!name.empty()) argv.insert(argv.end(), {"--name", name});
    // NVIDIA's playbooks (connect-two-sparks, nccl): the host's network and IPC, RDMA devices,
    // unlimited locked memory for registered buffers, the GPUs. A device the host lacks would
    // only make the runtime refuse to start.
    argv.insert(argv.end(), {"--network", "host", "--ipc", "host", "--ulimit", memlock_limit(request)});
    if (access("/dev/infiniband", F_OK) == 0) argv.insert(argv.end(), {"--device", "/dev/infiniband"});
    if (access("/dev/nvidiactl", F_OK) == 0) argv.insert(argv.end(), {"--gpus", "all"});
    std::string mounts = request.container_mounts;
    for (size_t start = 0; !mounts.empty() && start <= mounts.size();) {
        const size_t comma = std::min(mounts.find(',', start), mounts.size());
        if (comma > start) argv.insert(argv.end(), {"-v", mounts.substr(start, comma - start)});
        start = comma + 1;
    }
    for (const auto& [variable, value] : environment) argv.insert(argv.end(), {"-e", variable + "=" + value});
    argv.push_back(request.container_image);
    argv.insert(argv.end(), program.begin(), program.end());
    return argv;
}

Argv torch_probe_command(const LaunchRequest& request, const std::string& head) {
    Argv argv{"srun", "--nodes=1", "--ntasks=1", "--nodelist=" + head, "--overlap"};
    const Argv options = pyxis_options(request);
    argv.insert(argv.end(), options.begin(), options.end());
    argv.insert(argv.end(), {python_or_default(request), "-c", kTorchProbe});
    return argv;
}

}  // namespace sparkfabric::launch
