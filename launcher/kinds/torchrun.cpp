// The torchrun kind: its command line, what the torch found needs, and its --print lines.
#include "launcher/kinds/torchrun.hpp"

#include <cstdlib>
#include <optional>

#include "fabric/common/shell_quote.hpp"
#include "fabric/discovery/discovery.hpp"
#include "launcher/container/container_launch.hpp"
#include "launcher/kinds/per_node_kind.hpp"
#include "launcher/kinds/torch_runtime.hpp"
#include "launcher/run/process.hpp"

namespace sparkfabric::launch {
namespace {

// What the detected torch needs: decided once (on the launching side, or in the image) and
// handed to every node as the stage arguments --torch-version and --torch-libuv.
struct TorchChoice {
    std::optional<TorchVersion> version;
    Libuv libuv = Libuv::unknown;
};

TorchChoice torch_of(const LaunchRequest& request) {
    TorchChoice choice;
    if (!request.stage.torch_version.empty()) choice.version = parse_version_text(request.stage.torch_version);
    choice.libuv = request.stage.torch_libuv == "yes" ? Libuv::yes : request.stage.torch_libuv == "no" ? Libuv::no : Libuv::unknown;
    return choice;
}

// --local-addr on asks for torchrun's --local_addr, which torch 1.x's torchrun lacks (Debian 12's
// 1.13 exits "unrecognized arguments" on every node): said once, before anything starts.
void refuse_local_addr_without_support(const LaunchRequest& request, const TorchChoice& torch) {
    if (request.local_addr != LocalAddr::on || !torch.version || torch.version->major >= 2) return;
    throw LaunchError("--local-addr on: this torch (" + std::to_string(torch.version->major) + "." +
                      std::to_string(torch.version->minor) +
                      ") has no torchrun --local_addr: use --local-addr auto (the default) or off, or torch 2");
}

// Every torch choice (the launching host's, or an image's) passes here on its way to the nodes.
void record_torch(LaunchRequest& request, const TorchChoice& choice) {
    refuse_local_addr_without_support(request, choice);
    request.stage.torch_version = choice.version ? to_string(*choice.version) : std::string();
    request.stage.torch_libuv = choice.libuv == Libuv::yes ? "yes" : choice.libuv == Libuv::no ? "no" : "unknown";
}

TorchrunQuirks quirks_of(const LaunchRequest& request) {
    const TorchChoice torch = torch_of(request);
    return torchrun_quirks(torch.version, torch.libuv, request.torchrun_args);
}

bool passes_local_addr(const LaunchRequest& request) {
    return request.local_addr == LocalAddr::on || (request.local_addr == LocalAddr::automatic && quirks_of(request).local_addr);
}

// "torch=1.13.1\nlibuv=no" from the probe (container_launch.cpp); refuses a torch that needs
// spark-launch's legacy-store helper, which is not in the image.
TorchChoice torch_from_probe(const LaunchRequest& request, const std::string& out) {
    TorchChoice choice;
    const auto at = out.find("torch=");
    if (at == std::string::npos) return choice;
    choice.version = parse_version_text(out.substr(at + 6, out.find_first_of("\n+", at) - at - 6));
    choice.libuv = out.find("libuv=yes") != std::string::npos  ? Libuv::yes
                   : out.find("libuv=no") != std::string::npos ? Libuv::no
                                                                : Libuv::unknown;
    if (torchrun_quirks(choice.version, choice.libuv, request.torchrun_args).legacy_store) {
        throw LaunchError("the torch in " + request.container_image +
                          " is built without libuv; spark-launch runs such a torchrun through its legacy-store helper, "
                          "which is not in the image: pass --torchrun-arg=--rdzv_conf=use_libuv=0 yourself, or use an "
                          "image whose torch has libuv (NGC's have)");
    }
    return choice;
}

// What a failed probe in a docker or podman image means, by the runtime's exit status (podman-run(1)
// "Exit Status", as docker run's: 125 the runtime's own error, such as an image it neither has
// nor can pull; 126 the command cannot be invoked; 127 it is not in the image). The runtime's own
// message is on stderr above. Empty: nothing the status alone says.
std::string runtime_probe_failure(const LaunchRequest& request, const std::string& host, int status) {
    const std::string& runtime = request.container_runtime;
    const std::string& image = request.container_image;
    const std::string where = " on " + host + " (" + runtime + " exited " + std::to_string(status) + "; its message is above)";
    if (status == 125) {
        return runtime + " could not run the image " + image + where +
               ": an image this host does not have and cannot pull (check its name; `" + runtime + " pull " + image +
               "` on every host), or a problem with " + runtime + " itself";
    }
    if (status == 126 || status == 127) {
        return "the image " + image + " has no " + python_or_default(request) + " that " + runtime + " can start" + where +
               ": use an image with python3 and torch, or name its interpreter with --python";
    }
    return "";
}

// The image's torch, from a probe that runs python in it (a step on the head, or docker/podman here).
TorchChoice probe_image_torch(const LaunchRequest& request, const std::string& where, const Argv& probe) {
    const Captured answer = run_capture(probe, 300);
    if (answer.status != 0 || answer.out.find("torch=") == std::string::npos) {
        if (!request.container_runtime.empty() && answer.status != 0) {
            if (std::string why = runtime_probe_failure(request, where, answer.status); !why.empty()) throw LaunchError(why);
        }
        throw LaunchError("cannot start python3 with torch in the image " + request.container_image + " on " + where + " (" +
                          shell_join({probe.begin(), probe.begin() + 5}) + " ... exited " + std::to_string(answer.status) +
                          "; the runtime's or python's message is above): check the image and that it has torch");
    }
    return torch_from_probe(request, answer.out);
}

class Torchrun final : public SingleProgramKind {
public:
    void find_runtime(LaunchRequest& request, RuntimeSite site, const std::string& head) const override {
        switch (site) {
            case RuntimeSite::launching_host: {
                TorchChoice choice;
                const TorchInstall install = find_torch(request.torchrun);
                choice.version = install.version;
                // Only a torch whose default is libuv needs asking, and --print runs no interpreter.
                if (libuv_is_default(choice.version) && !request.print) choice.libuv = probe_libuv(install, 60);
                record_torch(request, choice);
                return;
            }
            case RuntimeSite::pyxis_image:
                if (request.print) return;  // --print runs nothing: unknown
                record_torch(request, probe_image_torch(request, head, torch_probe_command(request, head)));
                return;
            case RuntimeSite::runtime_image:
                record_torch(request, probe_image_torch(request, local_hostname(), runtime_torch_probe_command(request)));
                return;
        }
    }

    // The own address goes to --local_addr, only where this torch takes it.
    bool wants_own_address(const LaunchRequest& request) const override { return passes_local_addr(request); }

    void add_stage_args(const LaunchRequest& request, Argv& stage) const override {
        stage.insert(stage.end(), {"--rdzv-id", request.rdzv_id, "--local-addr",
                                   request.local_addr == LocalAddr::on ? "on" : request.local_addr == LocalAddr::off ? "off" : "auto",
                                   "--torchrun", request.torchrun});
        if (!request.stage.torch_version.empty()) stage.insert(stage.end(), {"--torch-version", request.stage.torch_version});
        stage.insert(stage.end(), {"--torch-libuv", request.stage.torch_libuv});
        for (const auto& arg : request.torchrun_args) stage.push_back("--torchrun-arg=" + arg);
    }

    NodeCommand node_command(const LaunchRequest& request, int procs, const NodeRole& role) const override {
        NodeCommand command;
        command.argv = torchrun_line(request, procs, role);
        // Only where the user has not set them: these are the detected torch's needs, not values.
        for (const auto& [name, value] : quirks_of(request).environment) {
            if (std::getenv(name.c_str()) == nullptr) command.environment.emplace_back(name, value);
        }
        return command;
    }

    // On the hosts the environment is decided where the node runs: only the torchrun line.
    std::string print_lines(const LaunchRequest& request, int procs, const NodeRole& role, bool in_image) const override {
        if (in_image) return SingleProgramKind::print_lines(request, procs, role, in_image);
        return shell_join(torchrun_line(request, procs, role)) + "\n";
    }

    std::string print_note(const LaunchRequest& request, bool in_image) const override {
        if (in_image) return "# torchrun's flags for the image's torch are decided at launch\n";
        const TorchChoice torch = torch_of(request);
        if (!libuv_is_default(torch.version)) return {};
        return "# torch " + to_string(*torch.version) +
               ": whether it was built with libuv is asked at launch; without libuv, torchrun runs "
               "through torchrun_legacy_store.py with USE_LIBUV=0 and TORCH_DISABLE_SHARE_RDZV_TCP_STORE=1\n";
    }

private:
    // The torchrun line of one node. The role's own_address goes to --local_addr where this
    // torch takes it (empty: not passed).
    static Argv torchrun_line(const LaunchRequest& request, int procs, const NodeRole& role) {
        const TorchrunQuirks quirks = quirks_of(request);
        TorchrunNode node;
        node.torchrun = request.torchrun;
        node.nnodes = role.nnodes;
        node.nproc_per_node = procs;
        node.endpoint_address = role.head_address;
        node.port = role.port;
        node.rdzv_id = request.rdzv_id;
        node.is_host = role.rank == 0;
        if (passes_local_addr(request)) node.local_address = role.own_address;
        node.rdzv_conf = quirks.rdzv_conf;
        node.quirk_args = quirks.arguments;
        if (quirks.legacy_store) {
            const TorchInstall install = find_torch(request.torchrun);
            node.runner = {install.interpreter.empty() ? std::string("python3") : install.interpreter, legacy_store_script()};
        }
        node.extra_args = request.torchrun_args;
        node.program = request.program;
        return torchrun_command(node);
    }
};

}  // namespace

Argv torchrun_command(const TorchrunNode& node) {
    Argv argv = node.runner.empty() ? Argv{node.torchrun} : node.runner;
    argv.insert(argv.end(), {"--nnodes=" + std::to_string(node.nnodes),
                             "--nproc_per_node=" + std::to_string(node.nproc_per_node), "--rdzv_backend=c10d",
                             "--rdzv_endpoint=" + node.endpoint_address + ":" + node.port,
                             "--rdzv_id=" + node.rdzv_id});
    // c10d decides who hosts the store by hostname; a fabric address matches nobody, so the
    // head says so explicitly and everyone else connects.
    std::vector<std::string> conf;
    if (node.is_host) conf.push_back("is_host=true");
    conf.insert(conf.end(), node.rdzv_conf.begin(), node.rdzv_conf.end());
    if (!conf.empty()) {  // one --rdzv_conf: torchrun keeps only the last one given
        std::string joined;
        for (const auto& entry : conf) joined += (joined.empty() ? "" : ",") + entry;
        argv.push_back("--rdzv_conf=" + joined);
    }
    if (!node.local_address.empty()) argv.push_back("--local_addr=" + node.local_address);
    argv.insert(argv.end(), node.quirk_args.begin(), node.quirk_args.end());
    argv.insert(argv.end(), node.extra_args.begin(), node.extra_args.end());
    argv.insert(argv.end(), node.program.begin(), node.program.end());
    return argv;
}

const Kind& torchrun_kind() {
    static const Torchrun kind;
    return kind;
}

}  // namespace sparkfabric::launch
