// `spark-fabric netplan`: the netplan file each node of a cabling plan needs (printed, written
// for this node, or one per node into a folder), and `--check` of the files a node already has.
// The layout, the YAML, the check and the write are fabric/netplan's; this file reads options.
#include <filesystem>
#include <iostream>

#include "fabric/common/shell_quote.hpp"
#include "fabric/common/validate.hpp"
#include "fabric/netplan/check.hpp"
#include "fabric/netplan/emit.hpp"
#include "fabric/netplan/write.hpp"
#include "tools/spark-fabric/command_flags.hpp"

namespace sparkfabric::cli {
namespace {

Topology parse_topology(const std::string& text) {
    const auto topology = topology_named(text);
    if (topology && *topology != Topology::automatic) return *topology;
    throw UsageError{"netplan: --topology must be pair, switch or ring (got '" + printable(text) + "')"};
}

std::vector<std::string> split_commas(const std::string& text) {
    std::vector<std::string> items;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t comma = std::min(text.find(',', start), text.size());
        items.push_back(text.substr(start, comma - start));
        start = comma + 1;
    }
    return items;
}

int parse_number(const std::string& flag, const std::string& text) {
    if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos) {
        throw UsageError{"netplan: " + flag + " takes a number (got '" + printable(text) + "')"};
    }
    return std::stoi(text);
}

NetplanRequest read_request(const std::map<std::string, std::string>& flags) {
    for (const char* required : {"--topology", "--nodes"}) {
        if (flags.count(required) == 0) {
            throw UsageError{std::string("netplan: ") + required + " is required, e.g. `spark-fabric netplan --topology "
                             "pair --nodes spark-1,spark-2`"};
        }
    }
    NetplanRequest request;
    request.topology = parse_topology(flags.at("--topology"));
    request.nodes = parse_netplan_nodes(flags.at("--nodes"));
    if (const auto cage = flags.find("--cage"); cage != flags.end()) {
        if (request.topology == Topology::ring) {
            throw UsageError{"netplan: a ring uses both cages (port 0 to the next node, port 1 from the previous): drop --cage"};
        }
        request.cage = parse_number("--cage", cage->second);
    }
    if (const auto subnets = flags.find("--subnets"); subnets != flags.end()) request.subnets = split_commas(subnets->second);
    if (const auto mtu = flags.find("--mtu"); mtu != flags.end()) request.mtu = parse_number("--mtu", mtu->second);
    return request;
}

// The command that makes this node's file, for fixes: what the user typed, for that node.
std::string write_command(const std::map<std::string, std::string>& flags, const std::string& node) {
    std::vector<std::string> argv{"spark-fabric", "netplan"};
    for (const char* name : {"--topology", "--nodes", "--cage", "--subnets", "--mtu"}) {
        if (const auto found = flags.find(name); found != flags.end()) {
            argv.push_back(name);
            argv.push_back(found->second);
        }
    }
    argv.insert(argv.end(), {"--node", node});
    if (const auto root = flags.find("--root-dir"); root != flags.end()) argv.insert(argv.end(), {"--root-dir", root->second});
    argv.push_back("--write");
    return "`sudo " + shell_join(argv) + "`";
}

int write_all_nodes(const NetplanRequest& request, const std::string& dir) {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) throw UsageError{"netplan: cannot create --out-dir " + dir + ": " + error.message()};
    for (const auto& node : request.nodes) {
        const std::string path = (std::filesystem::path(dir) / (node + ".yaml")).string();
        write_private_file(path, emit_netplan(layout_node(request, node)));
        std::cout << "wrote " << path << "\n";
    }
    std::cout << "copy each to its node as /etc/netplan/" << kNetplanFileName
              << " (mode 600), then on each node: `sudo netplan try`, and `sudo netplan apply` once it holds\n";
    return 0;
}

int check_node(const NodeLayout& layout, const std::string& root_dir, const std::string& command, const NodeFacts* live) {
    const NetplanTree tree = read_netplan_tree(root_dir);
    NetplanCheckInput input;
    input.layout = &layout;
    input.tree = &tree;
    input.root_dir = root_dir;
    input.write_command = command;
    input.live = live;
    const auto findings = check_netplan(input);
    std::cout << "netplan check of " << layout.node << " (node " << layout.index << ", " << describe_layout(layout)
              << "): " << tree.files.size() << " netplan file(s) read under " << root_dir
              << (live != nullptr ? ", and the live interfaces" : ", not the live interfaces (another machine)") << "\n";
    for (const auto& finding : findings) {
        std::cout << to_string(finding.severity) << ": " << finding.subject << ": " << finding.message << "\n"
                  << "    fix: " << finding.fix << "\n";
    }
    if (findings.empty()) {
        std::cout << "ok: the files give every fabric function its address and MTU " << layout.mtu << "\n";
        return 0;
    }
    std::cout << findings.size() << " thing(s) to change\n";
    return 1;
}

int write_node(const NodeLayout& layout, const std::string& root_dir, const NodeFacts* live) {
    if (live == nullptr) {
        throw UsageError{"netplan: --write writes this machine's file, and " + layout.node + " is not this machine; use "
                         "--out-dir DIR for other nodes, or --facts FILE (their `spark-fabric detect --json`)"};
    }
    if (const auto missing = missing_interfaces(layout, *live); !missing.empty()) {
        std::vector<std::string> have;
        for (const auto& device : live->netdevs) have.push_back(device.name);
        throw UsageError{"netplan: refusing to write: " + shell_join(missing) + " not an interface of " + layout.node +
                         " (it has: " + shell_join(have) + "); sparkfabric plans a DGX Spark's ConnectX-7 names"};
    }
    const auto result = write_netplan_file(root_dir, emit_netplan(layout));
    if (result.unchanged) {
        std::cout << result.path << " already holds this plan: nothing written\n";
    } else {
        std::cout << "wrote " << result.path << " (mode 600)"
                  << (result.backup.empty() ? std::string() : "; the previous one is " + result.backup) << "\n";
    }
    std::cout << "nothing is applied yet: run `sudo netplan try` (it rolls back unless you confirm), then "
                 "`sudo netplan apply`";
    if (root_dir != "/") std::cout << " on that machine; `netplan generate --root-dir " << shell_quote(root_dir) << "` checks the files here";
    std::cout << "\n";
    return 0;
}

}  // namespace

int run_netplan(const Globals& globals, const std::vector<std::string>& args) {
    const auto flags = parse_command_flags(args,
                                           {{"--topology"}, {"--nodes"}, {"--node"}, {"--cage"}, {"--subnets"}, {"--mtu"},
                                            {"--out-dir"}, {"--root-dir"}, {"--check", false}, {"--write", false}},
                                           "netplan");
    const int modes = static_cast<int>(flags.count("--check") + flags.count("--write") + flags.count("--out-dir"));
    if (modes > 1) throw UsageError{"netplan: --check, --write and --out-dir are separate runs: give one"};
    try {
        NetplanRequest request = read_request(flags);
        // This machine's facts: which node it is (without --node) and, for that node, its live
        // interfaces (--facts, --sysfs-root and --addresses replay another machine's); and the
        // site config, whose fabric.mtu is the MTU unless --mtu says otherwise.
        const LoadedNode local = load_node(globals, false);
        if (flags.count("--mtu") == 0 && local.config.expected_mtu > 0) request.mtu = local.config.expected_mtu;
        if (const auto dir = flags.find("--out-dir"); dir != flags.end()) {
            if (flags.count("--node") != 0 || flags.count("--root-dir") != 0) {
                throw UsageError{"netplan: --out-dir writes every node's file into DIR: drop --node and --root-dir"};
            }
            return write_all_nodes(request, dir->second);
        }
        const std::string node = flags.count("--node") != 0 ? flags.at("--node") : local.facts.hostname;
        const NodeLayout layout = layout_node(request, node);
        const NodeFacts* live = node == local.facts.hostname ? &local.facts : nullptr;
        const std::string root_dir = flags.count("--root-dir") != 0 ? flags.at("--root-dir") : "/";
        if (!std::filesystem::is_directory(root_dir)) {
            throw UsageError{"netplan: --root-dir " + printable(root_dir) + " is not a directory"};
        }
        if (flags.count("--check") != 0) return check_node(layout, root_dir, write_command(flags, node), live);
        if (flags.count("--write") != 0) return write_node(layout, root_dir, live);
        std::cout << emit_netplan(layout);
        return 0;
    } catch (const NetplanInputError& error) {
        throw UsageError{"netplan: " + std::string(error.what())};
    }
}

}  // namespace sparkfabric::cli
