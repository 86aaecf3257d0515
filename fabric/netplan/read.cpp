#include "fabric/netplan/read.hpp"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace sparkfabric {
namespace {

namespace fs = std::filesystem;

// A missing key of a const node is an invalid node, whose type yaml-cpp refuses to tell: test it first.
std::string scalar(const YAML::Node& node) { return node.IsDefined() && node.IsScalar() ? node.Scalar() : std::string(); }

bool is_default_route(const YAML::Node& route) {
    if (!route.IsMap() || !route["to"]) return false;
    const std::string to = scalar(route["to"]);
    return to == "default" || to == "0.0.0.0/0" || to == "::/0";
}

// `ethernets: {ID: {set-name: NAME}}` or `{ID: {match: {name: NAME}}}` configures NAME;
// otherwise ID is the name (netplan(5), "Device configuration IDs").
std::string interface_name(const std::string& id, const YAML::Node& entry) {
    if (!entry.IsMap()) return id;
    if (const std::string renamed = scalar(entry["set-name"]); !renamed.empty()) return renamed;
    if (entry["match"] && entry["match"].IsMap() && entry["match"]["name"]) {
        const std::string name = scalar(entry["match"]["name"]);
        if (!name.empty() && name.find_first_of("*?[") == std::string::npos) return name;
    }
    return id;
}

void read_ethernet(const std::string& file, const YAML::Node& entry, NetplanInterface& interface) {
    if (!entry.IsMap()) return;
    if (const auto addresses = entry["addresses"]; addresses && addresses.IsSequence()) {
        for (const auto& item : addresses) {
            // An address is "a.b.c.d/len", or since netplan 0.104 a map {"a.b.c.d/len": {label: ...}}.
            if (item.IsScalar()) interface.addresses.push_back({item.Scalar(), file});
            if (item.IsMap() && item.begin() != item.end()) {
                interface.addresses.push_back({scalar(item.begin()->first), file});
            }
        }
    }
    if (entry["mtu"]) interface.mtu = FromFile{scalar(entry["mtu"]), file};
    if (entry["dhcp4"]) interface.dhcp4 = FromFile{scalar(entry["dhcp4"]), file};
    if (const auto link_local = entry["link-local"]; link_local && link_local.IsSequence()) {
        for (const auto& item : link_local) interface.link_local.push_back({scalar(item), file});
    }
    bool default_route = entry["gateway4"].IsDefined();
    if (const auto routes = entry["routes"]; routes && routes.IsSequence()) {
        for (const auto& route : routes) default_route = default_route || is_default_route(route);
    }
    if (default_route) interface.default_route_files.push_back(file);
    if (entry["nameservers"]) interface.nameserver_files.push_back(file);
}

void read_document(const std::string& path, const YAML::Node& document, NetplanTree& tree) {
    if (document.IsNull()) return;  // an empty file is allowed
    const auto network = document.IsMap() ? document["network"] : YAML::Node();
    if (!network || !network.IsMap()) {
        throw NetplanFileError(path + ": no `network:` mapping at the top, as netplan(5) requires");
    }
    if (const auto ethernets = network["ethernets"]; ethernets && ethernets.IsMap()) {
        for (const auto& item : ethernets) {
            const std::string id = scalar(item.first);
            read_ethernet(path, item.second, tree.interfaces[interface_name(id, item.second)]);
        }
    }
    for (const char* kind : {"bonds", "bridges"}) {
        const auto groups = network[kind];
        if (!groups || !groups.IsMap()) continue;
        for (const auto& group : groups) {
            const auto members = group.second.IsMap() ? group.second["interfaces"] : YAML::Node();
            if (!members || !members.IsSequence()) continue;
            for (const auto& member : members) {
                tree.interfaces[scalar(member)].member_of.push_back({scalar(group.first), path});
            }
        }
    }
}

void read_file(const std::string& path, NetplanTree& tree) {
    std::ifstream stream(path);
    std::stringstream text;
    if (stream && stream.peek() != std::ifstream::traits_type::eof()) text << stream.rdbuf();
    if (!stream.is_open() || stream.bad()) {
        throw NetplanFileError(path + ": cannot be read (netplan files are root's, mode 600: run as root, or "
                               "point --root-dir at a copy)");
    }
    add_netplan_file(path, text.str(), tree);
}

}  // namespace

void add_netplan_file(const std::string& path, const std::string& text, NetplanTree& tree) {
    YAML::Node document;
    try {
        document = YAML::Load(text);
    } catch (const YAML::Exception& error) {
        throw NetplanFileError(path + " line " + std::to_string(error.mark.line + 1) + ": not valid YAML (" + error.msg +
                               "); `netplan generate` refuses it too: fix the file first");
    }
    tree.files.push_back(path);
    try {
        read_document(path, document, tree);
    } catch (const YAML::Exception& error) {  // a shape yaml-cpp will not walk: say where
        throw NetplanFileError(path + " line " + std::to_string(error.mark.line + 1) + ": " + error.msg);
    }
}

std::string netplan_path(const std::string& root_dir, const std::string& file_name) {
    return (fs::path(root_dir) / "etc/netplan" / file_name).lexically_normal().string();
}

NetplanTree read_netplan_tree(const std::string& root_dir) {
    // Name -> path; later directories shadow earlier ones of the same name.
    std::map<std::string, std::string> by_name;
    for (const char* dir : {"lib/netplan", "etc/netplan", "run/netplan"}) {
        const fs::path path = fs::path(root_dir) / dir;
        std::error_code error;
        if (!fs::is_directory(path, error)) continue;
        for (const auto& entry : fs::directory_iterator(path, error)) {
            if (entry.path().extension() != ".yaml") continue;
            by_name[entry.path().filename().string()] = entry.path().lexically_normal().string();
        }
    }
    NetplanTree tree;
    for (const auto& [name, path] : by_name) read_file(path, tree);
    return tree;
}

}  // namespace sparkfabric
