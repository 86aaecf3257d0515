// mpi_fabric_check: every rank checks it got the fabric plan's variables, then the ranks do an
// all-reduce and rank 0 <-> the last rank a ping-pong bandwidth test over MPI.
// It is the CPU stand-in for spark-nccl-check on nodes without a GPU.
#include <mpi.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

int check_variables(int rank) {
    int missing = 0;
    for (const char* name : {"NCCL_SOCKET_IFNAME", "OMPI_MCA_btl_tcp_if_include", "GLOO_SOCKET_IFNAME",
                             "SPARKFABRIC_FABRIC_ADDR", "SPARKFABRIC_MODE"}) {
        const char* value = std::getenv(name);
        if (value == nullptr || *value == '\0') {
            std::printf("rank %d: %s is not set\n", rank, name);
            ++missing;
        }
    }
    return missing;
}

double ping_pong_gbps(int rank, int peer, int bytes, int rounds) {
    std::vector<char> buffer(static_cast<size_t>(bytes), 1);
    MPI_Barrier(MPI_COMM_WORLD);
    const double start = MPI_Wtime();
    for (int i = 0; i < rounds; ++i) {
        if (rank == 0) {
            MPI_Send(buffer.data(), bytes, MPI_CHAR, peer, 0, MPI_COMM_WORLD);
            MPI_Recv(buffer.data(), bytes, MPI_CHAR, peer, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else if (rank == peer) {
            MPI_Recv(buffer.data(), bytes, MPI_CHAR, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Send(buffer.data(), bytes, MPI_CHAR, 0, 0, MPI_COMM_WORLD);
        }
    }
    const double seconds = MPI_Wtime() - start;
    return 2.0 * rounds * bytes / seconds / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    const int missing = check_variables(rank);
    const char* address = std::getenv("SPARKFABRIC_FABRIC_ADDR");
    std::printf("rank %d/%d on %s: fabric %s, NCCL_SOCKET_IFNAME=%s\n", rank, size, host,
                address != nullptr ? address : "-", std::getenv("NCCL_SOCKET_IFNAME") ? std::getenv("NCCL_SOCKET_IFNAME") : "-");
    std::fflush(stdout);

    long long mine = rank + 1, sum = 0;
    MPI_Allreduce(&mine, &sum, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
    int total_missing = 0;
    MPI_Allreduce(&missing, &total_missing, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    const long long expected = static_cast<long long>(size) * (size + 1) / 2;
    double gbps = 0.0;
    if (size > 1) gbps = ping_pong_gbps(rank, size - 1, 1 << 22, 20);
    if (rank == 0) {
        std::printf("allreduce sum %lld (expected %lld), variables missing on %d rank(s), ping-pong %.3f GB/s\n",
                    sum, expected, total_missing, gbps);
        std::printf("%s\n", sum == expected && total_missing == 0 ? "MPI_FABRIC_OK" : "MPI_FABRIC_FAIL");
    }
    MPI_Finalize();
    return sum == expected && total_missing == 0 ? 0 : 1;
}
