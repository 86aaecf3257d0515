#!/usr/bin/env bash
# Smoke test of sparkfabric's GPU pieces on a machine with 2+ NVIDIA GPUs, CUDA, NCCL and
# OpenMPI: builds tools/gpu_probe and tools/nccl_check standalone (bench/gpu/CMakeLists.txt,
# so yaml-cpp, hwloc and Slurm are not needed), probes the GPUs, then runs spark-nccl-check
# with 2 ranks twice: launched by mpirun, and as two plain processes using the
# RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT bootstrap. Run from the repository root.
# Results go to $OUT (default bench/gpu/results/latest): probe.json, mpi.json, env.json, and the
# logs (setup, mpi, env, checks) packed at the end into raw-logs.tar.xz (pack_logs.sh).
# Exit status: 0 when every step passed.
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:-bench/gpu/results/latest}
PORT=${PORT:-29533}
mkdir -p "$OUT"
# NVLink multicast (NVLS) stays off: on shared multi-GPU hosts it can take the GPUs down.
export NCCL_NVLS_ENABLE=0
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
status=0
step() { echo; echo "=== $*"; }

{
    step "machine"
    uname -srm; nproc
    nvidia-smi -L 2>&1; nvidia-smi topo -m 2>&1 | head -8
    step "toolchain"
    command -v nvcc cmake mpicxx mpirun
    nvcc --version 2>&1 | tail -1; cmake --version | head -1
    mpicxx --showme 2>&1; mpirun --version 2>&1 | head -1
    step "NCCL"
    ls /usr/include/nccl.h /usr/local/cuda/include/nccl.h 2>&1
    ls /usr/lib/x86_64-linux-gnu/libnccl* /usr/local/cuda/lib*/libnccl* 2>&1
} >"$OUT/setup.log" 2>&1

# shellcheck source=bench/gpu/build.sh
source bench/gpu/build.sh "$OUT/setup.log"
# shellcheck source=bench/gpu/pack_logs.sh
source bench/gpu/pack_logs.sh

step "probe"
timeout 60 "$PROBE" >"$OUT/probe.json" 2>&1 || status=1
cat "$OUT/probe.json"

step "spark-nccl-check via mpirun, 2 ranks"
NCCL_DEBUG=INFO timeout 240 mpirun -np 2 --bind-to none \
    --mca btl_vader_single_copy_mechanism none -x NCCL_NVLS_ENABLE -x NCCL_DEBUG \
    "$CHECK" --json "$OUT/mpi.json" >"$OUT/mpi.log" 2>&1
rc=$?; echo "exit $rc" >>"$OUT/mpi.log"; [ $rc -eq 0 ] || status=1
grep -v "NCCL INFO" "$OUT/mpi.log"

step "spark-nccl-check via RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT, 2 ranks"
pids=()
for r in 0 1; do
    RANK=$r LOCAL_RANK=$r WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$PORT \
        timeout 240 "$CHECK" --json "$OUT/env.json" >"$OUT/env_rank$r.tmp" 2>&1 &
    pids+=($!)
done
rcs=()
for p in "${pids[@]}"; do wait "$p"; rcs+=($?); done
{ cat "$OUT/env_rank0.tmp"; echo "--- rank 1"; cat "$OUT/env_rank1.tmp"; echo "exit ${rcs[*]}"; } >"$OUT/env.log"
rm -f "$OUT"/env_rank*.tmp
[ "${rcs[*]}" = "0 0" ] || status=1
cat "$OUT/env.log"

# Expected failures: each must end with the documented exit status and a clear message.
step "checks of the failure paths"
expect() {  # expect STATUS command...
    local want=$1; shift
    "$@" >"$OUT/check.tmp" 2>&1; local got=$?
    echo "--- expect exit $want, got $got: $*"; head -c 600 "$OUT/check.tmp"
    [ "$got" -eq "$want" ] || status=1
}
{
    expect 2 "$CHECK" --max-bytes 2G
    expect 2 env RANK=1 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$((PORT + 1)) \
        "$CHECK" --bootstrap-timeout 3
    # An unreachable threshold must give exit 1 (bandwidth), not 2.
    pids=()
    for r in 0 1; do
        RANK=$r LOCAL_RANK=$r WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$((PORT + 2)) \
            timeout 120 "$CHECK" --max-bytes 1M --threshold 1e6 >"$OUT/thr$r.tmp" 2>&1 &
        pids+=($!)
    done
    rcs=(); for p in "${pids[@]}"; do wait "$p"; rcs+=($?); done
    echo "--- expect exit 1 1 (threshold 1e6 GB/s), got ${rcs[*]}"; tail -3 "$OUT/thr0.tmp"
    [ "${rcs[*]}" = "1 1" ] || status=1
    rm -f "$OUT"/thr*.tmp "$OUT/check.tmp"
} >"$OUT/checks.log" 2>&1
cat "$OUT/checks.log"

pack_logs "$OUT"
step "overall: $([ $status -eq 0 ] && echo PASS || echo FAIL)"
exit $status
