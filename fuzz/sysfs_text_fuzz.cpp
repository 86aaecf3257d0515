// What sysfs and procfs hand us: port states ("4: ACTIVE"), decimals, GIDs, and every
// validate.hpp grammar, plus printable(), which quotes all of it in messages.
#include <arpa/inet.h>

#include "fabric/common/validate.hpp"
#include "fabric/discovery/sysfs_text.hpp"
#include "fabric/facts/gid.hpp"
#include "fuzz_support.hpp"

using namespace sparkfabric;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text = fuzz::as_text(data, size);

    const std::string state = port_state_name(text);
    FUZZ_ASSERT(state.size() <= text.size());
    if (text.find(':') == std::string::npos) FUZZ_ASSERT(state == text);

    if (const auto value = parse_decimal(text)) {
        FUZZ_ASSERT(*value >= -999999999 && *value <= 999999999);
        FUZZ_ASSERT(std::stol(text) == *value);
    }

    const bool zero = is_zero_gid(text);
    if (const auto ipv4 = ipv4_of_gid(text)) {
        FUZZ_ASSERT(!zero || *ipv4 == "0.0.0.0");
        FUZZ_ASSERT(is_valid_ipv4_cidr(*ipv4 + "/32"));
    }

    if (is_valid_interface_name(text)) {
        FUZZ_ASSERT(!text.empty() && text.size() <= 15 && text.find('/') == std::string::npos);
        FUZZ_ASSERT(!fuzz::has_control_bytes(text) && text.find(',') == std::string::npos);
    }
    if (is_valid_rdma_device_name(text)) {
        FUZZ_ASSERT(text.size() <= 63 && text.find_first_of("/:,") == std::string::npos);
        FUZZ_ASSERT(!fuzz::has_control_bytes(text));
    }
    if (is_valid_host_name(text)) {
        FUZZ_ASSERT(text.size() <= 253 && text.front() != '-' && !fuzz::has_control_bytes(text));
        FUZZ_ASSERT(text.find_first_of("/ ,[]") == std::string::npos);
    }
    if (is_valid_env_name(text)) {
        FUZZ_ASSERT(text.find('=') == std::string::npos && !fuzz::has_control_bytes(text));
    }
    if (is_valid_env_value(text)) {
        FUZZ_ASSERT(text.find_first_of(std::string("\n\r\0", 3)) == std::string::npos);
    }
    if (is_valid_ipv4_cidr(text)) {
        const auto slash = text.find('/');
        in_addr address{};
        FUZZ_ASSERT(slash != std::string::npos);
        FUZZ_ASSERT(inet_pton(AF_INET, text.substr(0, slash).c_str(), &address) == 1);
        FUZZ_ASSERT(std::stoi(text.substr(slash + 1)) <= 32);
    }
    int port = -1;
    if (parse_port(text, port)) FUZZ_ASSERT(port >= 1 && port <= 65535);
    if (is_valid_pci_address(text)) FUZZ_ASSERT(text.size() == 12);

    const std::string shown = printable(text);
    FUZZ_ASSERT(!fuzz::has_control_bytes(shown));
    FUZZ_ASSERT(shown.size() <= 80 + 3 + 3);  // the last escape may pass 80; then "..."
    return 0;
}
