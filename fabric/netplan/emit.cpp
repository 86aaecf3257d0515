#include "fabric/netplan/emit.hpp"

#include <yaml-cpp/yaml.h>

#include "fabric/common/join.hpp"

namespace sparkfabric {

std::string describe_layout(const NodeLayout& layout) {
    std::string text = std::string(to_string(layout.topology)) + " of " + std::to_string(layout.nodes.size()) + " nodes";
    if (layout.topology != Topology::ring && !layout.interfaces.empty()) {
        text += " on cage " + std::to_string(layout.interfaces.front().cage);
    }
    return text;
}

std::string emit_netplan(const NodeLayout& layout) {
    YAML::Emitter out;
    out << YAML::Comment("Written by spark-fabric netplan for " + layout.node + " (node " + std::to_string(layout.index) +
                         "): " + describe_layout(layout) + ": " + join(layout.nodes, ","));
    out << YAML::Newline;
    out << YAML::Comment("Every fabric function on its own subnet, MTU " + std::to_string(layout.mtu) +
                         ", no default route or DNS. Regenerate it rather than edit it.");
    out << YAML::Newline;
    out << YAML::BeginMap << YAML::Key << "network" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "version" << YAML::Value << 2;
    out << YAML::Key << "ethernets" << YAML::Value << YAML::BeginMap;
    for (const auto& interface : layout.interfaces) {
        out << YAML::Key << interface.name << YAML::Value << YAML::BeginMap;
        out << YAML::Key << "dhcp4" << YAML::Value << false;
        out << YAML::Key << "dhcp6" << YAML::Value << false;
        out << YAML::Key << "mtu" << YAML::Value << layout.mtu;
        out << YAML::Key << "addresses" << YAML::Value << YAML::BeginSeq
            << interface.address.address + "/" + std::to_string(interface.address.prefix_length) << YAML::EndSeq;
        out << YAML::Comment(interface.role);
        out << YAML::EndMap;
    }
    out << YAML::EndMap << YAML::EndMap << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

}  // namespace sparkfabric
