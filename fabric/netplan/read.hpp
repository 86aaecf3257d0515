// Reads a machine's netplan files the way netplan merges them, keeping which file set what, so
// `spark-fabric netplan --check` can name the file behind each difference.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sparkfabric {

// A netplan file that cannot be read or parsed; the message names the file (and line).
struct NetplanFileError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct FromFile {
    std::string value;
    std::string file;
};

// What the files say about one interface (an `ethernets` entry, by name or by `match: name:`).
struct NetplanInterface {
    std::vector<FromFile> addresses;     // "192.168.100.1/24" (IPv6 too), in merge order
    std::optional<FromFile> mtu;         // the last file that sets it wins
    std::optional<FromFile> dhcp4;       // "true"/"false" as written
    std::vector<FromFile> link_local;    // "ipv4", "ipv6"
    std::vector<std::string> default_route_files;  // routes to default/0.0.0.0/0, gateway4
    std::vector<std::string> nameserver_files;
    std::vector<FromFile> member_of;     // bonds or bridges that list it
};

struct NetplanTree {
    std::vector<std::string> files;  // in the order netplan reads them
    std::map<std::string, NetplanInterface> interfaces;
};

// Reads ROOT/{lib,etc,run}/netplan/*.yaml (ROOT "/" or netplan's --root-dir) as
// netplan-generate(8) describes under "HANDLING MULTIPLE FILES" (netplan.io 0.106): a file in
// /run shadows one of the same name in /etc, which shadows /lib; the rest are read in name
// order; a later scalar (mtu, dhcp4) replaces an earlier one and sequences (addresses) are
// appended. Throws NetplanFileError for an unreadable file or malformed YAML.
NetplanTree read_netplan_tree(const std::string& root_dir);

// Adds one file's text, read from `path`, to the tree (read_netplan_tree calls it in netplan's
// order). Throws NetplanFileError naming the path, and the line for malformed YAML.
void add_netplan_file(const std::string& path, const std::string& text, NetplanTree& tree);

// The path of a netplan file under the root: "/etc/netplan/60-sparkfabric.yaml" under "/".
std::string netplan_path(const std::string& root_dir, const std::string& file_name);

}  // namespace sparkfabric
