// The head node's plan as `spark-launch --stage plan` prints it (the one JSON form of a plan),
// read back over srun: plan_from_head, then plan_values. Invariants: only LaunchError escapes,
// naming the head, without control bytes; the values the launcher uses have valid names and
// values; a plan that read is written and read back unchanged, and the port a head adds
// comes back.
#include <nlohmann/json.hpp>

#include "fabric/common/validate.hpp"
#include "fabric/plan/plan_json.hpp"
#include "fabric/plan/plan_report.hpp"
#include "fuzz_support.hpp"
#include "launcher/driver/local_step.hpp"
#include "launcher/run/launch_error.hpp"

using namespace sparkfabric;
using namespace sparkfabric::launch;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text = fuzz::as_text(data, size);
    Plan plan;
    try {
        plan = plan_from_head(text, "spark-head");
    } catch (const LaunchError& error) {
        const std::string message = error.what();
        FUZZ_ASSERT(fuzz::is_clean_message(message));
        FUZZ_ASSERT(message.find("spark-head") != std::string::npos);
        return 0;
    }
    const auto values = plan_values(plan);
    for (const auto& [name, value] : values) {
        FUZZ_ASSERT(is_valid_env_name(name));
        FUZZ_ASSERT(is_valid_env_value(value));
    }
    for (const auto& variable : plan.variables) {
        if (is_valid_env_name(variable.name) && is_valid_env_value(variable.value)) FUZZ_ASSERT(values.count(variable.name) == 1);
    }
    const Plan again = plan_from_head(plan_to_json(plan, "spark-head"), "round trip");
    FUZZ_ASSERT(nlohmann::json(again) == nlohmann::json(plan));
    FUZZ_ASSERT(plan_values(again) == values);
    const auto with_port = plan_values(plan_from_head(plan_to_json(with_launch_port(plan, 20123), "spark-head"), "port"));
    FUZZ_ASSERT(with_port.at("SPARKFABRIC_LAUNCH_PORT") == "20123");
    return 0;
}
