// torchrun: one torchrun per node, meeting through the c10d rendezvous at the head node's
// address, on a port free on the head, under an id unique to this launch. The flags the
// detected torch needs (torch_runtime.hpp) are added for the user.
#pragma once

#include <string>
#include <vector>

namespace sparkfabric::launch {

using Argv = std::vector<std::string>;

struct TorchrunNode {
    std::string torchrun = "torchrun";
    Argv runner;                   // runs torchrun's main instead of `torchrun` (empty: torchrun itself)
    int nnodes = 1;
    int nproc_per_node = 1;
    std::string endpoint_address;  // the head node's fabric address
    std::string port = "29500";   // text: --print shows a placeholder where the port is not known
    std::string rdzv_id;
    bool is_host = false;          // only the head node hosts the c10d store
    std::string local_address;     // empty: not passed (torch < 2 lacks --local_addr)
    std::vector<std::string> rdzv_conf;   // more key=value entries (use_libuv=0)
    std::vector<std::string> quirk_args;  // what the detected torch needs (--redirects ...)
    std::vector<std::string> extra_args;
    Argv program;
};

// torchrun with the underscore spellings, which every torch since 1.10 accepts.
Argv torchrun_command(const TorchrunNode& node);

}  // namespace sparkfabric::launch
