// IPv4 addresses come from getifaddrs, not sysfs: sysfs does not carry them.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include "fabric/discovery/discovery.hpp"

namespace sparkfabric {

AddressMap live_ipv4_addresses() {
    AddressMap addresses;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return addresses;
    for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
        if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET) continue;
        const auto* address = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
        char text[INET_ADDRSTRLEN] = {};
        if (inet_ntop(AF_INET, &address->sin_addr, text, sizeof text) == nullptr) continue;
        int prefix = 0;
        if (entry->ifa_netmask != nullptr) {
            const auto* mask = reinterpret_cast<const sockaddr_in*>(entry->ifa_netmask);
            prefix = __builtin_popcount(mask->sin_addr.s_addr);
        }
        addresses[entry->ifa_name].push_back({text, prefix});
    }
    freeifaddrs(list);
    return addresses;
}

}  // namespace sparkfabric
