// Internal steps of make_plan, one file each; not part of the public interface.
#pragma once

#include <string>
#include <vector>

#include "fabric/plan.hpp"

namespace sparkfabric::detail {

struct ChosenHca {
    std::string device;
    int port = 0;
    int gid_index = -1;
    std::string gid_ipv4;
    int prefix_length = 0;  // of the netdev address the GID carries, 0 when unknown
};

struct FabricChoice {
    std::vector<const NetDevice*> interfaces;
    std::vector<ChosenHca> hcas;
    std::string reason;  // why these interfaces
};

// plan_interfaces.cpp: which netdevs carry the job, and which HCAs (twins) go with them.
FabricChoice choose_fabric(const NodeFacts& facts, const SiteConfig& config, const JobShape& job,
                           std::vector<Finding>& findings);

// plan_mode.cpp: safe (CPU-staged) or dmabuf (GPUDirect), and why.
NcclMode choose_mode(const NodeFacts& facts, const SiteConfig& config, const JobShape& job,
                     std::string& reason, std::vector<Finding>& findings);

// "a,b,c" for variable values; pass ", " for messages.
std::string join(const std::vector<std::string>& items, const char* separator = ",");

// The smallest CIDR that covers every address (for NCCL_IB_ADDR_RANGE).
std::string covering_cidr(const std::vector<std::string>& addresses, int narrowest_prefix);

}  // namespace sparkfabric::detail
