// Hostfiles (`spark-launch --hostfile`): parse_hostfile. Invariants: only LaunchError escapes,
// naming the source; what parsed is a non-empty list of distinct valid host names.
#include <set>

#include "fabric/common/validate.hpp"
#include "fuzz_support.hpp"
#include "launcher/request/launch_request.hpp"
#include "launcher/run/hosts.hpp"

using namespace sparkfabric;
using namespace sparkfabric::launch;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text = fuzz::as_text(data, size);
    std::vector<HostEntry> hosts;
    try {
        hosts = parse_hostfile(text, "hosts");
    } catch (const LaunchError& error) {
        FUZZ_ASSERT(std::string(error.what()).rfind("hosts", 0) == 0);
        FUZZ_ASSERT(fuzz::is_clean_message(error.what()));
        return 0;
    }
    FUZZ_ASSERT(!hosts.empty());
    std::set<std::string> seen;
    for (const auto& entry : hosts) {
        FUZZ_ASSERT(is_valid_host_name(entry.host));
        FUZZ_ASSERT(entry.slots >= 0 && entry.slots <= 1024);
        FUZZ_ASSERT(seen.insert(entry.host).second);
    }
    return 0;
}
