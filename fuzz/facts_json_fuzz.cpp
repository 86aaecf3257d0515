// Facts files (`spark-fabric detect --json`, replayed with --facts): facts_from_json, then the
// plan and the checks on what it read. Invariants: only std::runtime_error escapes; facts that
// loaded carry only valid names and survive a round trip; the plan from them sets only valid
// variables, and its explanation and the checks' findings print without control bytes.
#include "fabric/checks/checks.hpp"
#include "fabric/common/config.hpp"
#include "fabric/common/validate.hpp"
#include "fabric/facts/facts_json.hpp"
#include "fabric/plan/plan.hpp"
#include "fabric/plan/plan_report.hpp"
#include "fuzz_support.hpp"

using namespace sparkfabric;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text = fuzz::as_text(data, size);
    NodeFacts facts;
    try {
        facts = facts_from_json(text, "fuzz.json");
    } catch (const std::runtime_error& error) {
        FUZZ_ASSERT(std::string(error.what()).rfind("fuzz.json", 0) == 0);
        return 0;
    }
    for (const auto& device : facts.netdevs) FUZZ_ASSERT(is_valid_interface_name(device.name));
    for (const auto& device : facts.rdma_devices) {
        FUZZ_ASSERT(is_valid_rdma_device_name(device.name));
        for (const auto& netdev : device.netdevs) FUZZ_ASSERT(is_valid_interface_name(netdev));
    }
    FUZZ_ASSERT(facts_from_json(facts_to_json(facts), "round trip") == facts);

    const SiteConfig config;
    for (const int nodes : {1, 2}) {
        JobShape job;
        job.nodes = nodes;
        const Plan plan = make_plan(facts, config, job);
        for (const auto& name : plan.interfaces) FUZZ_ASSERT(is_valid_interface_name(name));
        for (const auto& variable : plan.variables) {
            FUZZ_ASSERT(is_valid_env_name(variable.name));
            FUZZ_ASSERT(is_valid_env_value(variable.value));
        }
        for (const auto& finding : run_checks(facts, config, plan)) {
            FUZZ_ASSERT(fuzz::is_clean_message(format_finding(finding, facts.hostname)));
        }
        (void)plan_to_shell(plan);
        (void)plan_to_json(plan, facts.hostname);
        for (const auto& line : explain_lines(plan, facts.hostname)) FUZZ_ASSERT(fuzz::is_clean_message(line));
    }
    return 0;
}
