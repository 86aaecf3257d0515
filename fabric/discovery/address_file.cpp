// Interface addresses from a YAML file ({IF: [a.b.c.d/len, ...]}), to replay a fixture's
// addresses without a network namespace that carries them.
#include <yaml-cpp/yaml.h>

#include <stdexcept>

#include "fabric/common/validate.hpp"
#include "fabric/discovery/discovery.hpp"

namespace sparkfabric {

AddressMap load_address_file(const std::string& path) {
    AddressMap addresses;
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::Exception& error) {
        throw std::runtime_error(path + ":" + std::to_string(error.mark.line + 1) + ": " + printable(error.msg));
    }
    if (root.IsNull()) return addresses;
    if (!root.IsMap()) throw std::runtime_error(path + ": must be a mapping of interface: [address/len, ...]");
    for (const auto& item : root) {
        // A sequence or mapping as a key is no interface name (and no yaml-cpp conversion error).
        const std::string name = item.first.IsScalar() ? item.first.Scalar() : std::string();
        const int line = item.first.Mark().line + 1;
        if (!is_valid_interface_name(name) || !item.second.IsSequence()) {
            throw std::runtime_error(path + ":" + std::to_string(line) + ": '" + printable(name) +
                                     "' must be an interface name with a list of address/len");
        }
        for (const auto& entry : item.second) {
            const std::string cidr = entry.IsScalar() ? entry.Scalar() : std::string();
            if (!is_valid_ipv4_cidr(cidr)) {
                throw std::runtime_error(path + ":" + std::to_string(entry.Mark().line + 1) + ": '" + printable(cidr) +
                                         "' is not an IPv4 address/len such as 192.168.200.1/24");
            }
            const auto slash = cidr.find('/');
            addresses[name].push_back({cidr.substr(0, slash), std::stoi(cidr.substr(slash + 1))});
        }
    }
    return addresses;
}

}  // namespace sparkfabric
