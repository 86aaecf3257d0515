#include "bootstrap.hpp"

#include <mpi.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "tcp_bcast.hpp"

namespace sparkfabric::ncclcheck {
namespace {

const char* env(const char* name) {
    const char* value = std::getenv(name);
    return (value != nullptr && *value != '\0') ? value : nullptr;
}

bool env_int(const char* name, long low, long high, int& out) {
    const char* text = env(name);
    if (text == nullptr) return false;
    char* end = nullptr;
    errno = 0;
    long value = std::strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || value < low || value > high) return false;
    out = static_cast<int>(value);
    return true;
}

// Variables that MPI launchers (mpirun, srun --mpi=pmix|pmi2, hydra) put in each rank.
const char* mpi_launch_variable() {
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
        if (env(name) != nullptr) return name;
    return nullptr;
}

bool has_env_launch() {
    return env("RANK") != nullptr && env("WORLD_SIZE") != nullptr &&
           env("MASTER_ADDR") != nullptr && env("MASTER_PORT") != nullptr;
}

int local_rank_from_env() {
    int value = 0;
    for (const char* name : {"LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID"})
        if (env_int(name, 0, 1 << 20, value)) return value;
    return 0;
}

std::string mpi_error(int code) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) return "MPI error " + std::to_string(code);
    return std::string(text, static_cast<std::size_t>(length));
}

bool start_mpi(Launch& launch, std::string& error) {
    int rc = MPI_Init(nullptr, nullptr);
    if (rc != MPI_SUCCESS) {
        error = "MPI_Init failed: " + mpi_error(rc);
        return false;
    }
    launch.kind = LaunchKind::Mpi;
    MPI_Comm_rank(MPI_COMM_WORLD, &launch.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &launch.world_size);
    launch.local_rank = local_rank_from_env();
    return true;
}

bool start_env(const CheckOptions& options, Launch& launch, std::string& error) {
    if (!has_env_launch()) {
        error = "env bootstrap needs RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT";
        return false;
    }
    int master_port = 0;
    if (!env_int("WORLD_SIZE", 1, 1 << 24, launch.world_size) ||
        !env_int("RANK", 0, launch.world_size - 1, launch.rank) ||
        !env_int("MASTER_PORT", 1, 65535, master_port)) {
        error = "bad RANK/WORLD_SIZE/MASTER_PORT: need integers with 0 <= RANK < WORLD_SIZE and "
                "a port in 1..65535";
        return false;
    }
    launch.kind = LaunchKind::Env;
    launch.master_addr = env("MASTER_ADDR");
    launch.local_rank = local_rank_from_env();
    launch.port = master_port;
    if (options.port != 0) {
        launch.port = options.port;
    } else if (const char* agent_store = env("TORCHELASTIC_USE_AGENT_STORE");
               agent_store != nullptr && (std::strcmp(agent_store, "True") == 0 ||
                                          std::strcmp(agent_store, "1") == 0)) {
        // torchrun's agent already serves its TCPStore on MASTER_PORT, so take the next one.
        launch.port = master_port == 65535 ? master_port - 1 : master_port + 1;
        launch.note = "torchrun agent store holds MASTER_PORT; using port " +
                      std::to_string(launch.port);
    }
    return true;
}

}  // namespace

const char* launch_kind_name(LaunchKind kind) {
    switch (kind) {
        case LaunchKind::Mpi: return "mpi";
        case LaunchKind::Env: return "env";
        case LaunchKind::Single: break;
    }
    return "single";
}

bool start_launch(const CheckOptions& options, Launch& launch, std::string& error) {
    switch (options.bootstrap) {
        case BootstrapMode::Mpi:
            launch.note = "--bootstrap=mpi";
            return start_mpi(launch, error);
        case BootstrapMode::Env:
            launch.note = "--bootstrap=env";
            return start_env(options, launch, error);
        case BootstrapMode::Auto: break;
    }
    if (const char* name = mpi_launch_variable()) {
        launch.note = std::string("MPI launch (") + name + " set)";
        return start_mpi(launch, error);
    }
    if (has_env_launch()) {
        launch.note = "RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT set";
        return start_env(options, launch, error);
    }
    // srun without an MPI plugin starts N independent copies that would each think they are
    // rank 0 of 1 and "pass" alone; refuse instead of measuring nothing.
    int tasks = 1;
    if (env_int("SLURM_NTASKS", 1, 1 << 24, tasks) && tasks > 1) {
        error = "started by srun with " + std::to_string(tasks) +
                " tasks but no MPI (PMI) or RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT variables: "
                "use srun --mpi=pmix, or a launcher that sets those variables";
        return false;
    }
    launch.kind = LaunchKind::Single;
    launch.local_rank = local_rank_from_env();
    launch.note = "no launcher variables: single process";
    return true;
}

bool share_unique_id(const Launch& launch, const CheckOptions& options, ncclUniqueId& id,
                     std::string& error) {
    if (launch.rank == 0) {
        ncclResult_t rc = ncclGetUniqueId(&id);
        if (rc != ncclSuccess) {
            // Under MPI the others wait in MPI_Bcast; the caller aborts them all.
            error = std::string("ncclGetUniqueId failed: ") + ncclGetErrorString(rc);
            return false;
        }
    }
    switch (launch.kind) {
        case LaunchKind::Single: return true;
        case LaunchKind::Mpi: {
            int rc = MPI_Bcast(&id, static_cast<int>(sizeof id), MPI_BYTE, 0, MPI_COMM_WORLD);
            if (rc != MPI_SUCCESS) {
                error = "MPI_Bcast of the NCCL id failed: " + mpi_error(rc);
                return false;
            }
            return true;
        }
        case LaunchKind::Env: {
            std::vector<char> blob(sizeof id);
            std::memcpy(blob.data(), &id, sizeof id);
            TcpBroadcastParams params;
            params.rank = launch.rank;
            params.world_size = launch.world_size;
            params.master_addr = launch.master_addr;
            params.port = launch.port;
            params.timeout_s = options.bootstrap_timeout_s;
            if (!tcp_broadcast(params, blob, error)) return false;
            std::memcpy(&id, blob.data(), sizeof id);
            return true;
        }
    }
    return false;
}

void abort_launch(const Launch& launch, int exit_code) {
    if (launch.kind == LaunchKind::Mpi) MPI_Abort(MPI_COMM_WORLD, exit_code);
    std::exit(exit_code);
}

void finish_launch(const Launch& launch) {
    if (launch.kind == LaunchKind::Mpi) MPI_Finalize();
}

}  // namespace sparkfabric::ncclcheck
