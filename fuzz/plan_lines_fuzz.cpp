// The head node's plan as NAME=VALUE lines (`spark-launch --stage plan`, read back over srun):
// plan_from_lines. Invariants: only LaunchError escapes; names are valid; values that
// plan_to_lines can write come back unchanged.
#include "fabric/common/validate.hpp"
#include "fuzz_support.hpp"
#include "launcher/driver/plan_lines.hpp"
#include "launcher/request/launch_request.hpp"

using namespace sparkfabric;
using namespace sparkfabric::launch;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text = fuzz::as_text(data, size);
    std::map<std::string, std::string> values;
    try {
        values = plan_from_lines(text, "plan");
    } catch (const LaunchError& error) {
        FUZZ_ASSERT(fuzz::is_clean_message(error.what()));
        return 0;
    }
    Plan plan;
    std::map<std::string, std::string> writable;
    for (const auto& [name, value] : values) {
        FUZZ_ASSERT(is_valid_env_name(name));
        FUZZ_ASSERT(value.find('\n') == std::string::npos);
        plan.variables.push_back({name, value, "fuzz", false});
        if (is_valid_env_value(value)) writable[name] = value;
    }
    FUZZ_ASSERT(plan_from_lines(plan_to_lines(plan), "round trip") == writable);
    return 0;
}
