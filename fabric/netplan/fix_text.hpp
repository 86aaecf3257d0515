// The netplan side of a fix: what the checks and the survey tell an owner to change in netplan
// for an MTU, subnet or addressing fault, and the `spark-fabric netplan` line that finds the file
// (`--check`) and writes the change (`--write`). Text only: nothing here reads or writes files.
#pragma once

#include <string>
#include <vector>

#include "fabric/common/config.hpp"

namespace sparkfabric {

// "`mtu: 9000` under enp1s0f1np1 in its netplan file (`spark-fabric netplan ... --check` names it)".
std::string netplan_mtu_change(const std::string& interface, int mtu);

// "`addresses: [an address on S]` under IF in its netplan file, ...".
std::string netplan_address_change(const std::string& interface, const std::string& subnet);

// "`spark-fabric netplan --topology switch --nodes a,b,c --node b --check`", shell-quoted; the
// topology "automatic" reads as a switch for 3+ nodes and a pair for 2.
std::string netplan_check_command(Topology topology, const std::vector<std::string>& nodes, const std::string& node);

}  // namespace sparkfabric
