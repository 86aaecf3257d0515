// Site config (/etc/slurm/sparkfabric.yaml): parse_site_config, then a plan from it.
// Invariants: only ConfigError escapes, its message is safe to print, and a config that parsed
// holds only values its grammar allows, so the plan built from it sets only valid variables.
#include <fstream>
#include <sstream>

#include "fabric/common/config.hpp"
#include "fabric/common/validate.hpp"
#include "fabric/facts/facts_json.hpp"
#include "fabric/plan/nccl_algo.hpp"
#include "fabric/plan/plan.hpp"
#include "fuzz_support.hpp"

using namespace sparkfabric;

namespace {

NodeFacts reference_facts;  // a real two-node Spark's facts, to plan against

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    reference_facts = load_facts_file(SPARKFABRIC_FUZZ_FACTS);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text = fuzz::as_text(data, size);
    SiteConfig config;
    try {
        config = parse_site_config(text, "fuzz.yaml", "spark-dgx-1");
    } catch (const ConfigError& error) {
        FUZZ_ASSERT(std::string(error.what()).rfind("fuzz.yaml", 0) == 0);
        FUZZ_ASSERT(fuzz::is_clean_message(error.what()));
        return 0;
    }
    for (const auto& name : config.interfaces) FUZZ_ASSERT(is_valid_interface_name(name));
    FUZZ_ASSERT(config.expected_mtu >= 0 && config.expected_mtu <= 65535);
    FUZZ_ASSERT(config.ib_timeout >= 1 && config.ib_timeout <= 31);
    // No rules (NCCL chooses), or a last rule that covers every larger job; none strands a collective.
    FUZZ_ASSERT(config.algo_rules.empty() || config.algo_rules.back().max_nodes == 0);
    for (const auto& rule : config.algo_rules) {
        FUZZ_ASSERT(!rule.algo.empty() && is_valid_env_value(rule.algo));
        FUZZ_ASSERT(!nccl_algo_problem(rule.algo).has_value());
    }
    for (const auto& name : config.enforced_variables) FUZZ_ASSERT(is_valid_env_name(name));
    for (const auto& [name, value] : config.extra_env) {
        FUZZ_ASSERT(is_valid_env_name(name));
        FUZZ_ASSERT(is_valid_env_value(value));
    }
    FUZZ_ASSERT(config.min_busbw_gbps >= 0.0 && config.min_busbw_gbps <= 10000.0);
    FUZZ_ASSERT(config.min_busbw_ring_gbps >= 0.0 && config.min_busbw_ring_gbps <= 10000.0);
    FUZZ_ASSERT(!config.gpu_cache_path.empty() && config.gpu_cache_path.front() == '/');

    for (const int nodes : {1, 2, 16}) {
        JobShape job;
        job.nodes = nodes;
        const Plan plan = make_plan(reference_facts, config, job);
        for (const auto& variable : plan.variables) {
            FUZZ_ASSERT(is_valid_env_name(variable.name));
            FUZZ_ASSERT(is_valid_env_value(variable.value));
            if (variable.name == "NCCL_ALGO") FUZZ_ASSERT(!nccl_algo_problem(variable.value).has_value());
        }
    }
    return 0;
}
