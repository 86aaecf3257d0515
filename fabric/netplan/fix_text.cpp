#include "fabric/netplan/fix_text.hpp"

#include "fabric/common/join.hpp"
#include "fabric/common/shell_quote.hpp"
#include "fabric/netplan/emit.hpp"

namespace sparkfabric {
namespace {

const std::string kFindIt = " (`spark-fabric netplan --check` names the file that sets it; `--write` writes /etc/netplan/" +
                            std::string(kNetplanFileName) + ")";

}  // namespace

std::string netplan_mtu_change(const std::string& interface, int mtu) {
    return "in netplan: `mtu: " + std::to_string(mtu) + "` under " + interface + kFindIt;
}

std::string netplan_address_change(const std::string& interface, const std::string& subnet) {
    return "in netplan: `addresses:` with an address on " + subnet + " under " + interface + kFindIt;
}

std::string netplan_check_command(Topology topology, const std::vector<std::string>& nodes, const std::string& node) {
    if (topology == Topology::automatic) topology = nodes.size() > 2 ? Topology::switched : Topology::pair;
    return "`" + shell_join({"spark-fabric", "netplan", "--topology", to_string(topology), "--nodes", join(nodes, ","),
                             "--node", node, "--check"}) + "`";
}

}  // namespace sparkfabric
