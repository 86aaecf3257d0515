// spark-fabric: shows what a job on this node would get, and checks the fabric.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>

#include "fabric/discovery/discovery.hpp"
#include "fabric/facts/facts_json.hpp"
#include "fabric/version.hpp"
#include "tools/spark-fabric/cli.hpp"

namespace sparkfabric::cli {

namespace {

SiteConfig load_config(const Globals& globals, const std::string& hostname) {
    if (!globals.config_explicit && access(globals.config_path.c_str(), F_OK) != 0) {
        return SiteConfig{};  // no site config yet: the built-in defaults
    }
    return load_site_config_file(globals.config_path, hostname);
}

}  // namespace

EnvLookup process_environment() {
    return [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        return value != nullptr ? std::optional<std::string>(value) : std::nullopt;
    };
}

std::string files_root(const Globals& globals) {
    const std::string& sys = globals.sysfs_root;
    if (sys.size() < 4 || sys.compare(sys.size() - 4, 4, "/sys") != 0) return {};
    return sys.size() == 4 ? std::string("/") : sys.substr(0, sys.size() - 4);
}

LoadedNode load_node(const Globals& globals, bool locality) {
    LoadedNode node;
    if (!globals.facts_path.empty()) {
        node.facts = load_facts_file(globals.facts_path);
        node.config = load_config(globals, node.facts.hostname);
        return node;
    }
    node.config = load_config(globals, local_hostname());
    DiscoveryOptions options;
    options.sysfs_root = globals.sysfs_root;
    options.procfs_root = globals.procfs_root;
    options.gpu_cache_path = node.config.gpu_cache_path;
    if (!globals.addresses_path.empty()) options.addresses = load_address_file(globals.addresses_path);
    // NCCL's configuration files, as this user's NCCL reads them: beside the sysfs tree (a
    // replayed tree DIR/sys has its files in DIR/etc), live ones for /sys.
    options.nccl_conf_root = files_root(globals);
    options.nccl_conf_file = process_environment()("NCCL_CONF_FILE").value_or("");
    options.home = process_environment()("HOME").value_or("");
    node.facts = discover_node(options);
    if (locality) {
        if (const auto note = apply_locality(node.facts, globals.sysfs_root)) node.facts.notes.push_back(*note);
    }
    return node;
}

}  // namespace sparkfabric::cli

namespace {

const char* kUsage =
    "usage: spark-fabric [GLOBAL OPTIONS] COMMAND [OPTIONS]\n"
    "\n"
    "Shows the fabric settings a Slurm job on this DGX Spark node gets, and checks the fabric.\n"
    "\n"
    "Commands:\n"
    "  detect [--json]                 what this node has: interfaces, RDMA devices, GIDs, cages, driver\n"
    "  env [--nodes N] [--nccl-mode auto|safe|dmabuf] [--fabric auto|off|IF[,IF]]\n"
    "      [--format sh|json]          exactly the variables a job here would get (json: with reasons)\n"
    "  check [--peer HOST] [--peer-port P] [--timeout-ms MS] [--nodes N] [--format text|json]\n"
    "                                  preflight: findings with severity and fix; exit 0 ok, 1 warnings, 2 errors;\n"
    "                                  --peer: does HOST answer on TCP (port P, default 22) from our fabric address\n"
    "  probe-gpu [--cache FILE] [--print]\n"
    "                                  ask the CUDA driver for DMA-BUF/GPUDirect support, write the node cache\n"
    "  survey [--hostfile F] [--format text|json] [--timeout S] [--probe-timeout-ms MS] [--color auto|always|never]\n"
    "         [--bandwidth] [--container-image IMG [--container-mounts M]]\n"
    "                                  every node of the allocation (or hostfile) checked against its peers: MTU,\n"
    "                                  speed, subnets and ring closure, reachability, NCCL and torch builds, memlock,\n"
    "                                  what each node's jobs get; exit 0 ok, 1 warnings, 2 errors\n"
    "                                  --bandwidth: then spark-nccl-check across the nodes, against the pass mark\n"
    "                                  --container-image: also each node from inside IMG through pyxis (default\n"
    "                                  $PYXIS_CONTAINER_IMAGE), as its jobs there see it: the image's NCCL, torch,\n"
    "                                  nccl.conf, net plugins and environment, judged against the node's plan; its\n"
    "                                  step is bounded by --timeout (60 s when --timeout is not given)\n"
    "  netplan --topology pair|switch|ring --nodes H1,H2,... [--node H] [--cage 0|1] [--subnets CIDR,...]\n"
    "          [--mtu N] [--check | --write | --out-dir DIR] [--root-dir DIR]\n"
    "                                  the netplan file each node of the cabling plan needs: both twins of each\n"
    "                                  cabled cage addressed, each on its own subnet, node N is .N, MTU 9000\n"
    "                                  (the site config's fabric.mtu, or --mtu);\n"
    "                                  printed for this node (or --node H); --out-dir: one DIR/H.yaml per node;\n"
    "                                  --write: ROOT/etc/netplan/60-sparkfabric.yaml (mode 600, old one kept as\n"
    "                                  .bak), never applied; --check: what the node's netplan files and live\n"
    "                                  interfaces lack, with file and fix, exit 1 when something must change;\n"
    "                                  --root-dir: netplan's root (default /)\n"
    "\n"
    "Global options:\n"
    "  --sysfs-root DIR    read sysfs from DIR (default /sys)\n"
    "  --procfs-root DIR   read procfs from DIR (default /proc)\n"
    "  --config FILE       site config (default /etc/slurm/sparkfabric.yaml; built-in defaults if absent)\n"
    "  --facts FILE        plan from a saved `detect --json` instead of the live system\n"
    "  --addresses FILE    interface IPv4 addresses from YAML ({IF: [a.b.c.d/len]}) instead of the live ones\n"
    "  --version           print the version and the Slurm release the plugin was built for\n"
    "  --help              this text\n";

}  // namespace

int main(int argc, char** argv) {
    using namespace sparkfabric::cli;
    Globals globals;
    std::vector<std::string> rest;
    std::string command;
    // Global options may come before or after the command; the rest goes to the command.
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&](const char* name) -> std::string {
            const std::string prefix = std::string(name) + "=";
            if (arg.rfind(prefix, 0) == 0) return arg.substr(prefix.size());
            if (i + 1 >= argc) {
                std::cerr << "spark-fabric: " << name << " needs a value\n";
                std::exit(2);
            }
            return argv[++i];
        };
        auto is = [&](const char* name) { return arg == name || arg.rfind(std::string(name) + "=", 0) == 0; };
        if (is("--sysfs-root")) {
            globals.sysfs_root = value("--sysfs-root");
        } else if (is("--procfs-root")) {
            globals.procfs_root = value("--procfs-root");
        } else if (is("--config")) {
            globals.config_path = value("--config");
            globals.config_explicit = true;
        } else if (is("--addresses")) {
            globals.addresses_path = value("--addresses");
        } else if (is("--facts")) {
            globals.facts_path = value("--facts");
        } else if (arg == "--help" || arg == "-h") {
            std::cout << kUsage;
            return 0;
        } else if (arg == "--version") {
            std::cout << "spark-fabric " << sparkfabric::kVersion << " (plugin built for Slurm "
                      << sparkfabric::kSlurmVersion << ")\n";
            return 0;
        } else if (command.empty() && !arg.empty() && arg[0] != '-') {
            command = arg;
        } else {
            rest.push_back(arg);
        }
    }
    try {
        if (command == "detect") return run_detect(globals, rest);
        if (command == "env") return run_env(globals, rest);
        if (command == "check") return run_check(globals, rest);
        if (command == "probe-gpu") return run_probe_gpu(globals, rest);
        if (command == "survey") return run_survey(globals, rest);
        if (command == "netplan") return run_netplan(globals, rest);
        if (command == "survey-node") return run_survey_node(globals, rest);    // internal: run by survey
        if (command == "survey-probe") return run_survey_probe(globals, rest);  // internal: run by survey
        if (command == "enroot-hook") return run_enroot_hook(globals, rest);    // internal: run by enroot's hooks.d
        std::cerr << "spark-fabric: " << (command.empty() ? "no command given" : "unknown command '" + command + "'")
                  << "\n\n" << kUsage;
        return 2;
    } catch (const UsageError& error) {
        std::cerr << "spark-fabric: " << error.message << "\n";
        return 2;
    } catch (const std::exception& error) {
        std::cerr << "spark-fabric: " << error.what() << "\n";
        return 2;
    }
}
