// The parts of make_plan (interfaces and HCAs, bootstrap, mode), one file each, and what they
// share; not part of the public interface (a job step's plan is step_plan.hpp).
#pragma once

#include <string>
#include <vector>

#include "fabric/common/join.hpp"
#include "fabric/plan/plan.hpp"
#include "fabric/topology/topology.hpp"

namespace sparkfabric::detail {

struct ChosenHca {
    std::string device;
    int port = 0;
    int gid_index = -1;  // -1: an unaddressed twin, NCCL picks its GID
    std::string gid_ipv4;
    int prefix_length = 0;  // of the netdev address the GID carries, 0 when unknown
};

struct FabricChoice {
    std::vector<const NetDevice*> interfaces;
    std::vector<ChosenHca> hcas;
    std::string reason;  // why these interfaces
    TopologyChoice topology;
};

struct BootstrapChoice {
    const NetDevice* interface = nullptr;  // null: none usable (an error finding says why)
    std::string reason;
};

// A ConnectX function, an RDMA-backed netdev, or a name the site says is the fabric (emulated
// nodes and containers have no PCI device behind the interface).
bool is_fabric_candidate(const NodeFacts& facts, const SiteConfig& config, const NetDevice& device);

// plan_interfaces.cpp: which netdevs carry the job, and which HCAs (twins) go with them.
FabricChoice choose_fabric(const NodeFacts& facts, const SiteConfig& config, const JobShape& job,
                           std::vector<Finding>& findings);

// plan_bootstrap.cpp: the interface every node of the job can reach, for NCCL's bootstrap,
// gloo, tensorpipe, Open MPI's TCP and the rendezvous address.
BootstrapChoice choose_bootstrap(const NodeFacts& facts, const SiteConfig& config, const FabricChoice& fabric,
                                 std::vector<Finding>& findings);

// plan_mode.cpp: safe (CPU-staged) or dmabuf (GPUDirect), and why.
NcclMode choose_mode(const NodeFacts& facts, const SiteConfig& config, const JobShape& job,
                     std::string& reason, std::vector<Finding>& findings);

}  // namespace sparkfabric::detail
