#!/usr/bin/env bash
# spark-launch on a real Slurm cluster: torchrun c10d + gloo all_reduce, Open MPI, srun --mpi=pmix,
# from an sbatch script (on the head node) and from salloc (off the head node), 2 and 10 nodes.
# Usage: launch_test.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: launch_test.sh BUILD_DIR}" && pwd)
source "$here/testlib.sh"
launch="$build/launcher/spark-launch"
check_py="$here/allreduce_check.py"
mpi_check="$build/examples/mpi_fabric_check"
torchrun_opts=(--torchrun /usr/bin/torchrun --torchrun-arg=--redirects=1 --torchrun-arg=--tee=1)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# Outside any allocation and without a hostfile: a clear error, nothing started.
set +e
out=$(env -u SLURM_JOB_ID "$launch" torchrun -- x.py 2>&1); rc=$?
set -e
assert_eq "$rc" "2" "no allocation exit status"
assert_contains "$out" "not inside a Slurm allocation" "no allocation message"

sf_cluster_up 2
printf 'required %s\n' "$build/spank/sparkfabric.so" > "$SF_CLUSTER_STATE/plugstack.conf"

cat > "$SF_CLUSTER_STATE/launch.sbatch" <<JOB
#!/bin/bash
#SBATCH -N2
$launch --print ${torchrun_opts[*]} torchrun -- $check_py
$launch ${torchrun_opts[*]} torchrun -- $check_py
echo "torchrun exit \$?"
$launch --print mpirun -- $mpi_check
$launch mpirun -- $mpi_check
echo "mpirun exit \$?"
$launch srun -- $mpi_check
echo "srun exit \$?"
JOB
run_with_timeout 300 sbatch --wait -o "$SF_CLUSTER_STATE/launch.out" "$SF_CLUSTER_STATE/launch.sbatch" >/dev/null || true
out=$(cat "$SF_CLUSTER_STATE/launch.out")
assert_contains "$out" "--head-address 192.168.200.1 --rdzv-id slurm-" "print: head fabric address and job id"
assert_contains "$out" "torchrun exit 0" "torchrun exit"
assert_allreduce "$out" 2
pass "sbatch: spark-launch torchrun, c10d rendezvous on the fabric, all_reduce checked by every rank"
assert_contains "$out" "-x NCCL_SOCKET_IFNAME==enp1s0f1np1" "print: mpirun -x"
assert_contains "$out" "--mca btl_tcp_if_include enp1s0f1np1" "print: mpirun btl"
assert_contains "$out" "--map-by ppr:1:node" "print: map-by"
assert_contains "$out" "mpirun exit 0" "mpirun exit"
assert_eq "$(echo "$out" | grep -c MPI_FABRIC_OK)" "2" "mpirun and srun ranks got the plan's variables"
assert_contains "$out" "srun exit 0" "srun --mpi=pmix exit"
pass "spark-launch mpirun and srun --mpi=pmix: every rank has the plan's variables"

# salloc keeps its shell here, off the head node: the head's address is asked of the head.
out=$(run_with_timeout 300 salloc -N2 "$launch" "${torchrun_opts[@]}" torchrun -- "$check_py" 2>&1)
assert_allreduce "$out" 2
pass "salloc off the head node: head address found through the head"

sf_cluster_down
sf_cluster_up 10
printf 'required %s\n' "$build/spank/sparkfabric.so" > "$SF_CLUSTER_STATE/plugstack.conf"
out=$(run_with_timeout 600 salloc -N10 "$launch" "${torchrun_opts[@]}" torchrun -- "$check_py" 2>&1)
assert_allreduce "$out" 10
pass "ten nodes: torchrun all_reduce across every node on the fabric"
out=$(run_with_timeout 300 salloc -N10 "$launch" mpirun -- "$mpi_check" 2>&1)
assert_contains "$out" "MPI_FABRIC_OK" "ten-node mpirun"
pass "ten nodes: mpirun"
