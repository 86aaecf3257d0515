// What the plugin adds to each task inside a container: restore the owned names over the
// image's environment, then judge the image's NCCL from the task's view (library search in the
// loader's directories and python3's, nccl.conf, net plugins, interfaces). Run against an
// unpacked image root; the plan is a real Spark layout's (a fixture tree).
// Usage: container_task_bench IMAGE_ROOT SYSFS_ROOT PROCFS_ROOT ADDRESSES_YAML [ITERATIONS]
// Prints the median, the 90th percentile and every run's time, in microseconds.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "fabric/common/env_lookup.hpp"
#include "fabric/plan/container_task.hpp"

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: container_task_bench IMAGE_ROOT SYSFS_ROOT PROCFS_ROOT ADDRESSES_YAML [ITERATIONS]\n");
        return 2;
    }
    using namespace sparkfabric;
    const int iterations = argc > 5 ? std::atoi(argv[5]) : 200;
    StepRequest step;
    step.sysfs_root = argv[2];
    step.procfs_root = argv[3];
    step.addresses = load_address_file(argv[4]);
    step.config_path = "/nonexistent/sparkfabric.yaml";
    step.nodes = 2;
    const StepOutcome outcome = plan_step(step);
    // The job as pyxis leaves it: the plan's values, then an image's over them.
    std::map<std::string, std::string> env;
    for (const auto& variable : outcome.to_set) env[variable.name] = variable.value;
    env["NCCL_SOCKET_IFNAME"] = "eth0";
    env["GLOO_SOCKET_IFNAME"] = "eth0";
    env["NCCL_IB_HCA"] = "mlx5_9";
    const EnvLookup lookup = lookup_in(env);
    ContainerTaskRequest request;
    request.owned = owned_values(outcome, [](const std::string&) { return std::nullopt; });
    request.plan = outcome.plan;
    request.node = "spark-dgx-1";
    request.root = argv[1];
    std::vector<double> micros;
    size_t outputs = 0;
    for (int i = 0; i < iterations; ++i) {
        const auto start = std::chrono::steady_clock::now();
        const ContainerTaskOutcome inside = container_task(request, lookup);
        const auto stop = std::chrono::steady_clock::now();
        outputs = inside.to_set.size() + inside.to_unset.size() + inside.messages.size();
        micros.push_back(std::chrono::duration<double, std::micro>(stop - start).count());
    }
    std::string raw;
    for (const double value : micros) raw += (raw.empty() ? "" : ", ") + std::to_string(static_cast<int>(value));
    std::sort(micros.begin(), micros.end());
    std::printf("{\"iterations\": %d, \"median_us\": %.1f, \"p90_us\": %.1f, \"outputs\": %zu, \"raw_us\": [%s]}\n", iterations,
                micros[micros.size() / 2], micros[micros.size() * 9 / 10], outputs, raw.c_str());
    return 0;
}
