#include "launcher/kinds/kind.hpp"

#include "launcher/kinds/per_node_kind.hpp"

namespace sparkfabric::launch {

int Kind::run_node_stage(const LaunchRequest& request) const {
    throw LaunchError("--stage node: " + kind_name(request.kind) + " runs no per-node stage");
}

const Kind& kind_of(LaunchKind kind) {
    switch (kind) {
        case LaunchKind::torchrun: return torchrun_kind();
        case LaunchKind::mpirun: return mpirun_kind();
        case LaunchKind::srun: return srun_kind();
        case LaunchKind::vllm: return vllm_kind();
        case LaunchKind::sglang: return sglang_kind();
        case LaunchKind::ray: return ray_kind();
    }
    throw LaunchError("unknown launch kind");  // not reached: the switch names every kind
}

bool is_per_node_launcher(LaunchKind kind) { return dynamic_cast<const PerNodeKind*>(&kind_of(kind)) != nullptr; }

const PerNodeKind& per_node_kind(LaunchKind kind) {
    const auto* per_node = dynamic_cast<const PerNodeKind*>(&kind_of(kind));
    if (per_node == nullptr) throw LaunchError(kind_name(kind) + " runs no program per node around a head node");
    return *per_node;
}

}  // namespace sparkfabric::launch
