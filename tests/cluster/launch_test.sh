#!/usr/bin/env bash
# spark-launch on a real Slurm cluster: torchrun c10d + gloo all_reduce, Open MPI, srun --mpi=pmix,
# from an sbatch script (on the head node) and from salloc (off the head node), 2 and 10 nodes.
# Jobs run as an ordinary user, with the command lines a user types (no torchrun flags).
# Usage: launch_test.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/testlib.sh"
cluster_test_begin "$@"

test_case "outside any allocation"
# Outside any allocation and without a hostfile: a clear error, nothing started.
capture as_user env -u SLURM_JOB_ID "$launch" torchrun -- x.py
assert_eq "$rc" "2" "no allocation exit status"
assert_contains "$out" "not inside a Slurm allocation" "no allocation message"

test_case "2 nodes from sbatch: torchrun, mpirun, srun"
sf_cluster_up 2
printf 'required %s\n' "$plugin" > "$SF_CLUSTER_STATE/plugstack.conf"

cat > "$SF_USER_DIR/launch.sbatch" <<JOB
#!/bin/bash
#SBATCH -N2
$launch --print torchrun -- $check_py
$launch torchrun -- $check_py
echo "torchrun exit \$?"
$launch --print mpirun -- $mpi_check
$launch mpirun -- $mpi_check
echo "mpirun exit \$?"
$launch srun -- $mpi_check
echo "srun exit \$?"
$launch --rdzv-id sf-chosen-7 --local-addr off torchrun -- $check_py
echo "torchrun chosen id exit \$?"
$launch --local-addr on torchrun -- $check_py
echo "torchrun local-addr on exit \$?"
JOB
run_batch_job 300 "$SF_USER_DIR/launch.sbatch"
assert_contains "$out" "--rdzv_endpoint=192.168.200.1:" "print: the head's fabric address (the batch step runs on the head)"
assert_contains "$out" "--rdzv_id=slurm-" "print: a job-unique rendezvous id"
torch_python=$(sed -n '1s/^#! *//p' "$(command -v torchrun)")  # the torch torchrun runs, as spark-launch finds it
torch_major=$("$torch_python" -c 'import torch; print(torch.__version__.split(".")[0])')
if [ "$torch_major" = 1 ]; then
    assert_contains "$out" "--redirects=2 --tee=2" "print: what Debian 12's torch 1.13 needs, added for the user"
else
    assert_not_contains "$out" "--redirects" "print: torch $torch_major needs no --redirects"
fi
assert_contains "$out" "torchrun exit 0" "torchrun exit"
assert_allreduce "$(echo "$out" | sed -n '1,/^torchrun exit/p')" 2
pass "sbatch: spark-launch torchrun, c10d rendezvous on the fabric, all_reduce checked by every rank"
assert_not_contains "$out" " -x " "print: mpirun passes no node's values to every rank"
assert_contains "$out" "--map-by ppr:1:node" "print: map-by"
assert_contains "$out" "mpirun exit 0" "mpirun exit"
assert_eq "$(echo "$out" | grep -c MPI_FABRIC_OK)" "2" "mpirun and srun ranks got the plan's variables"
assert_contains "$out" "srun exit 0" "srun --mpi=pmix exit"
pass "spark-launch mpirun and srun --mpi=pmix: every rank has the plan's variables"

test_case "--rdzv-id and --local-addr"
# --rdzv-id and --local-addr, as the ranks see them. The agent hands the ranks MASTER_ADDR: the
# head's --local_addr where torchrun got one, else its host name (torch 2.6:
# distributed/elastic/rendezvous/api.py:89 `local_addr or socket.getfqdn()`; torch 1.13, which
# has no --local_addr: distributed/elastic/agent/server/api.py:515 `_get_fq_hostname()`).
default_runs=$(echo "$out" | sed -n '1,/^torchrun exit/p' | grep 'conns=')
assert_contains "$default_runs" "run_id=slurm-" "default: the job-unique rendezvous id reaches the ranks"
chosen=$(echo "$out" | sed -n '/^torchrun exit/,/^torchrun chosen id exit/p')
assert_eq "$(echo "$chosen" | grep -c 'conns=.* run_id=sf-chosen-7 master=spark-dgx-1')" "2" \
    "--rdzv-id sf-chosen-7 --local-addr off: every rank's run id, and the head by name"
assert_contains "$out" "torchrun chosen id exit 0" "--rdzv-id: exit status"
local_on=$(echo "$out" | sed -n '/^torchrun chosen id exit/,/^torchrun local-addr on exit/p')
if [ "$torch_major" = 1 ]; then
    assert_contains "$default_runs" "master=spark-dgx-1" "torch 1.13: no --local_addr by default"
    assert_contains "$local_on" "--local-addr on: this torch (1.13" "torch 1.13: --local-addr on refused, saying why"
    assert_contains "$out" "torchrun local-addr on exit 2" "torch 1.13: --local-addr on exit status"
else
    assert_contains "$default_runs" "master=192.168.200.1" "torch $torch_major: --local_addr by default: the head's fabric address"
    assert_eq "$(echo "$local_on" | grep -c 'conns=.* master=192\.168\.200\.1$')" "2" "--local-addr on: the head's fabric address"
    assert_contains "$out" "torchrun local-addr on exit 0" "--local-addr on: exit status"
fi
pass "--rdzv-id and --local-addr: the id and the head's address every rank was given"

test_case "salloc off the head node"
# salloc keeps its shell here, off the head node: the head's address is asked of the head.
out=$(run_with_timeout 300 as_user salloc -N2 "$launch" torchrun -- "$check_py" 2>&1)
assert_allreduce "$out" 2
pass "salloc off the head node: head address found through the head"

test_case "--print off the head node"
# --print runs nothing: off the head it cannot know the head's address, and says so.
out=$(run_with_timeout 120 as_user salloc -N2 "$launch" --print torchrun -- "$check_py" 2>&1)
assert_contains "$out" "# spark-dgx-1" "print: the head's line"
assert_contains "$out" "# spark-dgx-2" "print: the other node's line"
assert_contains "$out" "<fabric address of spark-dgx-1>:<free port on spark-dgx-1 from " "print: placeholders for the head's address and port"
assert_not_contains "$out" "srun" "print: no srun"
pass "--print off the head: each node's torchrun line, placeholders for what only a launch finds out"

test_case "10 nodes: torchrun and mpirun"
sf_cluster_down
sf_cluster_up 10
printf 'required %s\n' "$plugin" > "$SF_CLUSTER_STATE/plugstack.conf"
out=$(run_with_timeout 600 as_user salloc -N10 "$launch" torchrun -- "$check_py" 2>&1)
assert_allreduce "$out" 10
pass "ten nodes: torchrun all_reduce across every node on the fabric"
out=$(run_with_timeout 300 as_user salloc -N10 "$launch" mpirun -- "$mpi_check" 2>&1)
assert_contains "$out" "MPI_FABRIC_OK" "ten-node mpirun"
# MPI_FABRIC_OK comes from rank 0 alone and holds for any world size: the ranks say where they ran.
assert_eq "$(echo "$out" | sed -n 's|^rank \([0-9]*\)/10 on \(spark-dgx-[0-9]*\):.*|\1 \2|p' | sort -u | wc -l)" "10" \
    "ten ranks in a world of ten"
assert_eq "$(echo "$out" | sed -n 's|^rank [0-9]*/10 on \(spark-dgx-[0-9]*\):.*|\1|p' | sort -u | wc -l)" "10" \
    "one rank on each of the ten nodes"
pass "ten nodes: mpirun"
