#!/usr/bin/env bash
# A four-node switchless ring on a real Slurm cluster: node K's port 0 cabled to node K+1's
# port 1, each cable its own subnet, no fabric switch (cluster.sh up --ring). Node 1 and node 3
# are not neighbours, so a rendezvous on a CX-7 address would hang; the plugin must find the
# ring, put bootstrap on the management NIC, and spark-launch torchrun must rendezvous there.
# Usage: ring_test.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/testlib.sh"
cluster_test_begin "$@"

sf_cluster_up 4 --ring
printf 'required %s\n' "$plugin" > "$SF_CLUSTER_STATE/plugstack.conf"

test_case "every node finds the ring"
# Every node finds the ring from its own facts and gets the ring's rules.
out=$(run_with_timeout 60 as_user srun -N4 bash -c 'echo "$(hostname) $SPARKFABRIC_TOPOLOGY $NCCL_SOCKET_IFNAME $GLOO_SOCKET_IFNAME $OMPI_MCA_btl_tcp_if_include $SPARKFABRIC_BOOTSTRAP_ADDR $SPARKFABRIC_FABRIC_ADDR $NCCL_ALGO ${NCCL_IB_SUBNET_AWARE_ROUTING:-unset} ${NCCL_IB_HCA:-unset}"' 2>&1)
for k in 1 2 3 4; do
    # These emulated nodes have no RDMA devices, so no NCCL_IB_* (the ring's RDMA variables are
    # asserted on the ring fixtures in tests/unit/shapes_test.cpp).
    assert_contains "$out" "spark-dgx-$k ring =enP7s7 enP7s7 enP7s7 10.77.0.$k 192.168.$((100 + k)).1 Ring unset unset" "node $k"
done
pass "four ring nodes: topology ring, bootstrap on enP7s7, Ring"

test_case "spark-launch torchrun on the ring"
# The plain launch line a user types: the rendezvous must use the management addresses.
cat > "$SF_USER_DIR/ring.sbatch" <<JOB
#!/bin/bash
#SBATCH -N4
$launch --print torchrun -- $check_py
$launch torchrun -- $check_py
echo "torchrun exit \$?"
JOB
chmod 644 "$SF_USER_DIR/ring.sbatch"
run_batch_job 300 "$SF_USER_DIR/ring.sbatch"
assert_contains "$out" "--rdzv_endpoint=10.77.0.1:" "rendezvous on the head's management address"
assert_contains "$out" "torchrun exit 0" "torchrun exit"
for rank in 0 1 2 3; do
    assert_contains "$out" "ALLREDUCE_OK rank=$rank world=4 sum=10" "rank $rank all_reduce"
    assert_contains "$out" "COLLECTIVES_OK rank=$rank world=4" "rank $rank broadcast and all_gather"
done
assert_eq "$(echo "$out" | grep -c 'conns=10\.77\.0\.')" "4" "every rank's gloo traffic on the management network"
pass "spark-launch torchrun across a four-node ring: rendezvous and gloo on enP7s7"
