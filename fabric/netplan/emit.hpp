// One node's netplan file, written with yaml-cpp's emitter from its layout.
#pragma once

#include <string>

#include "fabric/netplan/layout.hpp"

namespace sparkfabric {

// Where `--write` puts the file, under netplan's --root-dir (netplan-generate(8), "HANDLING
// MULTIPLE FILES": /etc/netplan/*.yaml are read in name order, so 60- comes after NVIDIA's
// 40-cx7.yaml and before its 99-nvidia-sync-cluster.yaml).
constexpr const char* kNetplanFileName = "60-sparkfabric.yaml";

// The YAML netplan reads (netplan(5), version 2): each planned function with its address and
// MTU, DHCP off, and no routes or nameservers: the fabric carries no default route and no DNS,
// those stay on the management NIC. The keys follow sparkrun's CX7 file
// (spark-arena/sparkrun src/sparkrun/scripts/cx7_configure.sh, the 40-cx7.yaml it writes) and
// NVIDIA's (nvidia/playbook-connect-multiple-sparks/assets/cx7-netplan-example.yaml).
std::string emit_netplan(const NodeLayout& layout);

// "pair of 2 nodes on cage 1" and such, for headers and messages.
std::string describe_layout(const NodeLayout& layout);

}  // namespace sparkfabric
