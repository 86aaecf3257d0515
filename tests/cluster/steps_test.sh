#!/usr/bin/env bash
# Each step and each node gets its own plan; launches share an allocation and stop cleanly.
# Three nodes that differ as real ones do: spark-dgx-1 cabled on cage 1 (GID index 3 on both
# twins), spark-dgx-2 cabled on cage 0 (other interface and HCA names), spark-dgx-3 on cage 1
# with its twin's RoCE v2 GID at another index (no common NCCL_IB_GID_INDEX). Each node's slurmd
# sees its own fixture tree through sysfs_root (cluster.sh --node-root). Jobs run as an ordinary
# user. Usage: steps_test.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/testlib.sh"
cluster_test_begin "$@"

sf_cluster_up 3 --twins --node-cage spark-dgx-2=0 \
    --node-root "spark-dgx-1=$fixtures/cage1" --node-root "spark-dgx-2=$fixtures/cage0" \
    --node-root "spark-dgx-3=$fixtures/gid-hole"
state=$SF_CLUSTER_STATE
# A site rule that tells node counts apart: Ring up to two nodes, Tree for all_reduce above.
printf 'nccl:\n  algo:\n    - {max_nodes: 2, algo: Ring}\n    - {algo: "allreduce:tree,ring"}\n' > "$state/site.yaml"
chmod 644 "$state/site.yaml"
printf 'required %s config=%s sysfs_root=%s procfs_root=%s\n' "$plugin" "$state/site.yaml" \
    "$state/node-root/sys" "$state/node-root/proc" > "$state/plugstack.conf"

test_case "nodes that differ, one step"
# Nodes that differ each get their own values, in one step.
out=$(run_with_timeout 60 as_user srun -N3 bash -c \
      'echo "$(hostname) if=$NCCL_SOCKET_IFNAME hca=$NCCL_IB_HCA gid=${NCCL_IB_GID_INDEX:-unset} family=${NCCL_IB_ADDR_FAMILY:-unset}"' 2>&1)
assert_contains "$out" "spark-dgx-1 if==enp1s0f1np1,enP2p1s0f1np1 hca==rocep1s0f1:1,roceP2p1s0f1:1 gid=3 family=unset" "node 1: cage 1, GID 3"
assert_contains "$out" "spark-dgx-2 if==enp1s0f0np0,enP2p1s0f0np0 hca==rocep1s0f0:1,roceP2p1s0f0:1 gid=3 family=unset" "node 2: cage 0"
assert_contains "$out" "spark-dgx-3 if==enp1s0f1np1,enP2p1s0f1np1 hca==rocep1s0f1:1,roceP2p1s0f1:1 gid=unset family=AF_INET" "node 3: GID indexes differ"
pass "heterogeneous nodes: each its own interfaces, HCAs and GID choice in the same step"

test_case "memlock judged from the task"
# The memlock check judges the limit the task gets (srun propagates the submitting shell's),
# not slurmstepd's own.
out=$(run_with_timeout 60 as_user bash -c 'ulimit -l 1024 && srun -N1 -n1 bash -c "ulimit -l"' 2>&1)
assert_contains "$out" "locked-memory limit is 1024 KiB" "the task's limit, from SLURM_RLIMIT_MEMLOCK"
echo "$out" | grep -qx 1024 || { echo "$out" >&2; fail "the task does not have the 1024 KiB limit it was judged by"; }
pass "memlock: judged from what the task gets"

test_case "batch step and later steps"
# The batch step's values do not leak into later steps; a user's export between steps does.
cat > "$SF_USER_DIR/steps.sbatch" <<'JOB'
#!/bin/bash
#SBATCH -N3
#SBATCH --nccl-mode=safe
show() { echo "$1: $(hostname) if=$NCCL_SOCKET_IFNAME hca=${NCCL_IB_HCA:-unset} gid=${NCCL_IB_GID_INDEX:-unset} algo=$NCCL_ALGO gdr=${NCCL_NET_GDR_LEVEL:-unset} timeout=${NCCL_IB_TIMEOUT:-unset} status=$SPARKFABRIC_STATUS"; }
export -f show
show batch
srun -N3 -n3 --fabric=enP7s7 bash -c 'show mgmt-fabric'
srun -N2 -n2 bash -c 'show two-nodes'
srun -N3 -n3 bash -c 'show three-nodes'
srun -N1 -n1 --nccl-mode=dmabuf bash -c 'show dmabuf'
export NCCL_IB_TIMEOUT=18 NCCL_ALGO=Ring
srun -N3 -n3 bash -c 'show exported'
srun -N1 -n1 --fabric=off bash -c 'show off'
JOB
run_batch_job 180 "$SF_USER_DIR/steps.sbatch"
assert_contains "$out" "batch: spark-dgx-1 if==enp1s0f1np1,enP2p1s0f1np1 hca==rocep1s0f1:1,roceP2p1s0f1:1 gid=3 algo=allreduce:tree,ring gdr=LOC timeout=22 status=ok" "batch step"
assert_contains "$out" "mgmt-fabric: spark-dgx-1 if==enP7s7 hca=unset gid=unset" "the step's --fabric wins over the batch step's values"
assert_contains "$out" "two-nodes: spark-dgx-1 if==enp1s0f1np1,enP2p1s0f1np1 hca==rocep1s0f1:1,roceP2p1s0f1:1 gid=3 algo=Ring" "a 2-node step gets Ring, not the batch's Tree rule"
assert_contains "$out" "two-nodes: spark-dgx-2 if==enp1s0f0np0,enP2p1s0f0np0 hca==rocep1s0f0:1,roceP2p1s0f0:1 gid=3 algo=Ring" "node 2 gets its own cage, not the batch node's"
assert_contains "$out" "three-nodes: spark-dgx-3 if==enp1s0f1np1,enP2p1s0f1np1 hca==rocep1s0f1:1,roceP2p1s0f1:1 gid=unset algo=allreduce:tree,ring" "node 3: the batch node's GID index removed"
assert_contains "$out" "dmabuf: spark-dgx-1 if==enp1s0f1np1,enP2p1s0f1np1 hca==rocep1s0f1:1,roceP2p1s0f1:1 gid=3 algo=Ring gdr=SYS" "srun --nccl-mode=dmabuf in a batch script"
assert_contains "$out" "exported: spark-dgx-1 if==enp1s0f1np1,enP2p1s0f1np1 hca==rocep1s0f1:1,roceP2p1s0f1:1 gid=3 algo=Ring gdr=LOC timeout=18" "the user's exports between steps are kept"
assert_contains "$out" "exported: spark-dgx-2 if==enp1s0f0np0,enP2p1s0f0np0" "planned values around the exports are still each node's own"
assert_contains "$out" "off: spark-dgx-1 if= hca=unset gid=unset algo=Ring gdr=unset timeout=18 status=off" "--fabric=off removes what was injected, keeps the user's"
pass "batch vs steps: --fabric, node count and --nccl-mode per step; exports between steps kept"

test_case "mpirun and two torchrun launches in one allocation"
# mpirun gives each rank its own node's values; two torchrun launches in one allocation both
# finish (each waits until the other runs, so they really overlap). Plain command lines.
cat > "$SF_USER_DIR/launch.sbatch" <<JOB
#!/bin/bash
#SBATCH -N3
#SBATCH --ntasks-per-node=2
$launch mpirun -- bash -c 'echo "rank \$OMPI_COMM_WORLD_RANK \$(hostname) if=\$NCCL_SOCKET_IFNAME gid=\${NCCL_IB_GID_INDEX:-unset} btl=\$OMPI_MCA_btl_tcp_if_include"'
$launch mpirun -- $mpi_check
echo "mpirun exit \$?"
mkdir -p $SF_USER_DIR/pair
SF_PAIR=$SF_USER_DIR/pair:first:second $launch torchrun -- $check_py > $SF_USER_DIR/first.out 2>&1 &
first=\$!
SF_PAIR=$SF_USER_DIR/pair:second:first $launch torchrun -- $check_py > $SF_USER_DIR/second.out 2>&1 &
second=\$!
wait \$first; echo "first exit \$?"
wait \$second; echo "second exit \$?"
JOB
run_batch_job 600 "$SF_USER_DIR/launch.sbatch"
assert_contains "$out" "spark-dgx-1 if==enp1s0f1np1,enP2p1s0f1np1 gid=3 btl=enp1s0f1np1,enP2p1s0f1np1" "mpirun rank on node 1"
assert_contains "$out" "spark-dgx-2 if==enp1s0f0np0,enP2p1s0f0np0 gid=3 btl=enp1s0f0np0,enP2p1s0f0np0" "mpirun rank on node 2: its own cage"
assert_contains "$out" "spark-dgx-3 if==enp1s0f1np1,enP2p1s0f1np1 gid=unset btl=enp1s0f1np1,enP2p1s0f1np1" "mpirun rank on node 3: no GID index"
assert_contains "$out" "MPI_FABRIC_OK" "MPI across the three different nodes"
assert_contains "$out" "mpirun exit 0" "mpirun exit"
pass "spark-launch mpirun: every rank its own node's values"
first=$(cat "$SF_USER_DIR/first.out"); second=$(cat "$SF_USER_DIR/second.out")
assert_contains "$out" "first exit 0" "first launch"
assert_contains "$out" "second exit 0" "second launch"
assert_allreduce "$first" 3
assert_allreduce "$second" 3
assert_contains "$first" "PAIR_OK first saw second on spark-dgx-3" "the launches overlapped"
pass "two spark-launch torchrun in one allocation at once: both finish, each its own rendezvous"
