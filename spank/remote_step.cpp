#include "spank/remote_step.hpp"


#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "fabric/discovery/task_limits.hpp"
#include "fabric/plan/container_task.hpp"
#include "fabric/plan/step_nodes.hpp"
#include "fabric/plan/step_plan.hpp"
#include "spank/options.hpp"

namespace sparkfabric::spank {
namespace {

// Survives from user_init (once per step) to task_init (once per task) in this slurmstepd.
struct StepState {
    bool active = false;  // false for the extern step and before user_init
    std::string failure;
    std::vector<std::string> messages;
    // For task_init inside a container: what user_init left in the job, and where it ran.
    ContainerTaskRequest container;
    std::string mount_namespace;
};

StepState& step_state() {
    static StepState state;
    return state;
}

std::optional<std::string> job_env_value(spank_t sp, const char* name) {
    char buffer[16384];  // SPARKFABRIC_INJECTED is the longest we read; larger is not ours
    if (spank_getenv(sp, name, buffer, sizeof buffer) != ESPANK_SUCCESS) return std::nullopt;
    return std::string(buffer);
}

std::string job_env(spank_t sp, const char* name) { return job_env_value(sp, name).value_or(""); }

// What the step's collectives span: the decision is the core library's (step_nodes.hpp).
int step_node_count(spank_t sp, uint32_t step_id) {
    StepNodeInputs inputs;
    inputs.batch_step = step_id == SLURM_BATCH_SCRIPT;
    int argc = 0;
    char** argv = nullptr;
    if (spank_get_item(sp, S_JOB_ARGV, &argc, &argv) == ESPANK_SUCCESS && argc > 0 && argv != nullptr &&
        argv[0] != nullptr) {
        inputs.program = argv[0];
    }
    inputs.step_nodes = job_env_value(sp, "SLURM_STEP_NUM_NODES");
    inputs.job_nodes = job_env_value(sp, "SLURM_JOB_NUM_NODES");
    if (!inputs.job_nodes) inputs.job_nodes = job_env_value(sp, "SLURM_NNODES");
    uint32_t nodes = 1;
    if (spank_get_item(sp, S_JOB_NNODES, &nodes) == ESPANK_SUCCESS) inputs.slurm_nodes = static_cast<int>(nodes);
    return sparkfabric::step_node_count(inputs);
}

// A task whose mount namespace differs from slurmstepd's runs inside a container that a plugin
// listed before this one (pyxis joins the container's namespaces in its task_init).
std::string mount_namespace() {
    char target[128] = {};
    const ssize_t length = readlink("/proc/self/ns/mnt", target, sizeof target - 1);
    return length > 0 ? std::string(target, static_cast<size_t>(length)) : std::string();
}

void say(const std::string& text) {
    // slurm_spank_log reaches the job's stderr (srun's terminal) without an "error:" prefix.
    size_t start = 0;
    while (start <= text.size()) {
        const auto end = text.find('\n', start);
        slurm_spank_log("%s", text.substr(start, end - start).c_str());
        if (end == std::string::npos) break;
        start = end + 1;
    }
}

}  // namespace

int remote_user_init(spank_t sp) {
    StepState& state = step_state();
    uint32_t step_id = 0;
    if (spank_get_item(sp, S_JOB_STEPID, &step_id) == ESPANK_SUCCESS && step_id == SLURM_EXTERN_CONT) {
        return 0;  // the extern step runs no user code
    }
    // From here on every path settles what an earlier step injected: plan_step never throws, and
    // whatever throws in this glue is caught below after the earlier step's values are gone.
    state.active = true;
    bool settled = false;               // the earlier step's values are dealt with
    std::vector<std::string> set_here;  // what this step injected so far
    try {
        const OptionValues& options = option_values();
        const PluginArguments& arguments = plugin_arguments();
        StepRequest request;
        request.fabric_option = options.fabric;
        request.nccl_mode_option = options.nccl_mode;
        request.check_option = options.check;
        request.explain = options.explain;
        request.config_path = arguments.config_path;
        request.config_explicit = arguments.config_explicit;
        request.sysfs_root = arguments.sysfs_root;
        request.procfs_root = arguments.procfs_root;
        request.nodes = step_node_count(sp, step_id);
        request.environment = [sp](const std::string& name) { return job_env_value(sp, name.c_str()); };
        request.task_memlock_kib = memlock_kib_from_slurm_env(job_env(sp, "SLURM_RLIMIT_MEMLOCK"));
        const StepOutcome outcome = plan_step(request);  // never throws: an internal error is in it
        // What an earlier step injected and this one does not plan goes, even when this step
        // fails: a job that runs anyway (optional plugin) must not carry another node's values.
        for (const auto& name : outcome.to_unset) spank_unsetenv(sp, name.c_str());
        settled = true;
        state.failure = outcome.failure;
        state.messages = outcome.messages;
        state.mount_namespace = mount_namespace();
        state.container.owned = owned_values(outcome, request.environment);
        state.container.plan = outcome.plan;
        state.container.check_level = outcome.check_level;
        state.container.explain = options.explain;
        state.container.node = outcome.node;
        if (!outcome.failure.empty()) return 0;  // reported and failed in task_init
        for (const auto& variable : outcome.to_set) {
            if (spank_setenv(sp, variable.name.c_str(), variable.value.c_str(), 1) != ESPANK_SUCCESS) {
                state.failure = "sparkfabric: " + outcome.node + ": cannot set " + variable.name;
                break;
            }
            set_here.push_back(variable.name);
        }
    } catch (const std::exception& error) {
        // Something in this glue threw: the step gets nothing of ours (neither this step's
        // values set so far nor an earlier step's), says so, and fails only under strict.
        for (const auto& name : set_here) spank_unsetenv(sp, name.c_str());
        if (!settled) {
            for (const auto& name : earlier_injection([sp](const std::string& name) { return job_env_value(sp, name.c_str()); })) {
                spank_unsetenv(sp, name.c_str());
            }
        }
        state.messages.clear();
        state.container = ContainerTaskRequest{};
        const std::string text = std::string("sparkfabric: internal error: ") + error.what() +
                                 "; no fabric settings injected";
        if (option_values().check == "strict") {
            state.failure = text;
        } else {
            state.messages.push_back(text);
        }
    }
    return 0;  // failing here would not fail an srun job and can drain the node
}

int remote_task_init(spank_t sp) {
    const StepState& state = step_state();
    if (!state.active) return 0;
    uint32_t local_task = 0;
    spank_get_item(sp, S_TASK_ID, &local_task);
    const bool first_task_here = local_task == 0;  // report once per node, not per task
    if (!state.failure.empty()) {
        if (first_task_here) slurm_error("%s", state.failure.c_str());
        return -1;
    }
    if (first_task_here) {
        for (const auto& message : state.messages) say(message);
    }
    const std::string here = mount_namespace();
    if (here.empty() || here == state.mount_namespace) return 0;
    // Every task: each gets the container's environment from pyxis anew.
    const ContainerTaskOutcome inside =
        container_task(state.container, [sp](const std::string& name) { return job_env_value(sp, name.c_str()); });
    for (const auto& name : inside.to_unset) spank_unsetenv(sp, name.c_str());
    for (const auto& [name, value] : inside.to_set) {
        if (spank_setenv(sp, name.c_str(), value.c_str(), 1) != ESPANK_SUCCESS) {
            slurm_error("sparkfabric: %s: cannot set %s inside the container", state.container.node.c_str(), name.c_str());
            return -1;
        }
    }
    if (!inside.failure.empty()) {
        if (first_task_here) slurm_error("%s", inside.failure.c_str());
        return -1;
    }
    if (first_task_here) {
        for (const auto& message : inside.messages) say(message);
    }
    return 0;
}

}  // namespace sparkfabric::spank
