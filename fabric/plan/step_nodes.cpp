#include "fabric/plan/step_nodes.hpp"

#include <charconv>

namespace sparkfabric {
namespace {

std::optional<int> node_count(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    int value = 0;
    const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (error != std::errc() || end != text->data() + text->size() || value < 1 || value > 100000) return std::nullopt;
    return value;
}

std::string base_name(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Open MPI's daemons: mpirun starts them with one srun over the nodes that have no daemon yet,
// which leaves out mpirun's own node (open-mpi/ompi v4.1.4, orte/mca/plm/slurm/plm_slurm_module.c
// lines 311 and 332: nodes flagged ORTE_NODE_FLAG_DAEMON_LAUNCHED, mpirun's among them, are
// skipped and --nodes is the rest). Its ranks there run in the step mpirun runs in, which plans
// for the job; so must the daemons' step, or ranks of one job disagree (NCCL_ALGO by node count).
// Open MPI 5 starts PRRTE's prted the same way.
bool is_open_mpi_daemon(const std::string& program) {
    const std::string name = base_name(program);
    return name == "orted" || name == "prted";
}

}  // namespace

int step_node_count(const StepNodeInputs& inputs) {
    const auto job = node_count(inputs.job_nodes);
    // The batch step spans the job. Its environment may carry SLURM_STEP_NUM_NODES of the step
    // that ran sbatch (sbatch passes the submitting environment on); Slurm sets the job's count
    // for a batch script but never a step count (slurm-22-05-8-1 src/common/env.c:1192,
    // env_array_for_batch_job).
    if ((inputs.batch_step || is_open_mpi_daemon(inputs.program)) && job) return *job;
    if (const auto step = node_count(inputs.step_nodes)) return *step;
    if (job) return *job;
    return inputs.slurm_nodes > 0 ? inputs.slurm_nodes : 1;
}

}  // namespace sparkfabric
