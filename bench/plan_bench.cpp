// What one step costs the plugin on a node: read the site config, discover, plan, check.
// Usage: plan_bench SYSFS_ROOT PROCFS_ROOT ADDRESSES_YAML SITE_CONFIG [ITERATIONS]
// Prints the median and the 90th percentile, in microseconds, of the whole per-step work.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fabric/checks/checks.hpp"
#include "fabric/common/config.hpp"
#include "fabric/discovery/discovery.hpp"
#include "fabric/plan/plan.hpp"

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: plan_bench SYSFS_ROOT PROCFS_ROOT ADDRESSES_YAML SITE_CONFIG [ITERATIONS]\n");
        return 2;
    }
    using namespace sparkfabric;
    const int iterations = argc > 5 ? std::atoi(argv[5]) : 200;
    DiscoveryOptions options;
    options.sysfs_root = argv[1];
    options.procfs_root = argv[2];
    options.addresses = load_address_file(argv[3]);  // getifaddrs is not what we measure
    std::vector<double> micros;
    size_t variables = 0;
    for (int i = 0; i < iterations; ++i) {
        const auto start = std::chrono::steady_clock::now();
        const SiteConfig config = load_site_config_file(argv[4], "spark-dgx-7");
        const NodeFacts facts = discover_node(options);
        JobShape job;
        job.nodes = 10;
        const Plan plan = make_plan(facts, config, job);
        const auto findings = run_checks(facts, config, plan);
        const auto stop = std::chrono::steady_clock::now();
        variables = plan.variables.size() + findings.size();
        micros.push_back(std::chrono::duration<double, std::micro>(stop - start).count());
    }
    std::sort(micros.begin(), micros.end());
    std::printf("{\"iterations\": %d, \"median_us\": %.1f, \"p90_us\": %.1f, \"outputs\": %zu}\n", iterations,
                micros[micros.size() / 2], micros[micros.size() * 9 / 10], variables);
    return 0;
}
