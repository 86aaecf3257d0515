// Slurm node lists (SLURM_JOB_NODELIST, "spark-dgx-[1-10]"): expand_nodelist, which goes
// through libslurm's hostlist API. Invariants: only LaunchError escapes; what expanded is a
// non-empty list of valid host names.
#include "fabric/common/validate.hpp"
#include "fuzz_support.hpp"
#include "launcher/request/launch_request.hpp"
#include "launcher/run/hosts.hpp"

using namespace sparkfabric;
using namespace sparkfabric::launch;

// libslurm 22.05 leaks a few bytes inside slurm_hostlist_create() when it refuses a range
// ("Invalid range"): its own error path, not sparkfabric's, and spark-launch reads one list per
// run. Leaks from anywhere else still fail the target.
extern "C" const char* __lsan_default_suppressions() { return "leak:libslurm.so\n"; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text = fuzz::as_text(data, size);
    std::vector<std::string> names;
    try {
        names = expand_nodelist(text);
    } catch (const LaunchError& error) {
        FUZZ_ASSERT(fuzz::is_clean_message(error.what()));
        return 0;
    }
    FUZZ_ASSERT(!names.empty());
    for (const auto& name : names) FUZZ_ASSERT(is_valid_host_name(name));
    return 0;
}
