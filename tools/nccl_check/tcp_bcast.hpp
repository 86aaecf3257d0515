// Hands a small fixed-size blob (the ncclUniqueId) from rank 0 to every other rank over TCP,
// for launches that give us RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT but no MPI.
// Kept free of NCCL and CUDA so it can be exercised on machines without a GPU.
#pragma once

#include <string>
#include <vector>

namespace sparkfabric::ncclcheck {

struct TcpBroadcastParams {
    int rank = 0;
    int world_size = 1;
    std::string master_addr;  // where rank 0 listens (hostname or address)
    int port = 0;
    int timeout_s = 60;       // whole exchange, for every rank
};

// Rank 0 sends `blob` to ranks 1..world_size-1; the others receive it into `blob`, which must
// already have the agreed size. False with `error` set on timeout, a refused or mismatched
// peer, or a socket error.
bool tcp_broadcast(const TcpBroadcastParams& params, std::vector<char>& blob, std::string& error);

}  // namespace sparkfabric::ncclcheck
