#!/usr/bin/env bash
# What counts as injected and what as the user's, across the steps of one job, and which node
# count each step plans for. Three alike nodes (cage 1), a site rule that tells node counts
# apart (Ring up to two nodes, Tree for all_reduce above) and a per-node extra_env on the batch
# node. Jobs run as an ordinary user. Usage: injection_test.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/testlib.sh"
cluster_test_begin "$@"

sf_cluster_up 3 --twins
state=$SF_CLUSTER_STATE
cat > "$state/site.yaml" <<'YAML'
nccl:
  algo:
    - {max_nodes: 2, algo: Ring}
    - {algo: "allreduce:tree,ring"}
  extra_env: {CUDA_DEVICE_MAX_CONNECTIONS: "32"}
nodes:
  spark-dgx-1:
    nccl: {extra_env: {CUDA_DEVICE_MAX_CONNECTIONS: "1"}}
YAML
chmod 644 "$state/site.yaml"
printf 'required %s config=%s\n' "$plugin" "$state/site.yaml" > "$state/plugstack.conf"

test_case "the user's values and per-node extra_env across steps"
# A value the user submitted with stays theirs, even where it equals the plan's: a later
# --fabric=off step keeps it (and loses what the plugin injected). A per-node extra_env outside
# the NCCL_/UCX_/... prefixes: each node of a later step gets its own, not the batch node's as if
# it were the user's.
cat > "$SF_USER_DIR/values.sbatch" <<'JOB'
#!/bin/bash
#SBATCH -N3
echo "batch: gloo=$GLOO_SOCKET_IFNAME tp=$TP_SOCKET_IFNAME cuda=$CUDA_DEVICE_MAX_CONNECTIONS"
srun -N1 -n1 --fabric=off bash -c 'echo "off: gloo=${GLOO_SOCKET_IFNAME:-unset} tp=${TP_SOCKET_IFNAME:-unset} cuda=${CUDA_DEVICE_MAX_CONNECTIONS:-unset}"'
srun -N3 -n3 bash -c 'echo "step: $(hostname) cuda=${CUDA_DEVICE_MAX_CONNECTIONS:-unset}"'
JOB
GLOO_SOCKET_IFNAME=enp1s0f1np1 run_batch_job 120 "$SF_USER_DIR/values.sbatch"
assert_contains "$out" "batch: gloo=enp1s0f1np1 tp=enp1s0f1np1 cuda=1" "batch step"
assert_contains "$out" "off: gloo=enp1s0f1np1 tp=unset" "--fabric=off keeps the user's value that equals the plan's"
pass "a submitted value equal to the plan's stays the user's"
assert_contains "$out" "off: gloo=enp1s0f1np1 tp=unset cuda=unset" "--fabric=off removes the batch node's extra_env"
assert_contains "$out" "step: spark-dgx-1 cuda=1" "the batch node's own override"
assert_contains "$out" "step: spark-dgx-2 cuda=32" "node 2: the site-wide extra_env, not the batch node's"
assert_contains "$out" "step: spark-dgx-3 cuda=32" "node 3: the site-wide extra_env, not the batch node's"
pass "extra_env outside the plugin's prefixes: each node its own"

test_case "sbatch from inside a one-node step"
# A batch job submitted from inside a one-node srun step inherits SLURM_STEP_NUM_NODES=1; its
# batch step still plans for the job's three nodes.
cat > "$SF_USER_DIR/nested.sbatch" <<'JOB'
#!/bin/bash
#SBATCH -N3
echo "nested batch: inherited=${SLURM_STEP_NUM_NODES:-unset} algo=${NCCL_ALGO:-unset}"
JOB
run_with_timeout 120 as_user srun -N1 -n1 sbatch --wait -o "$SF_USER_DIR/nested.out" "$SF_USER_DIR/nested.sbatch" >/dev/null || true
out=$(cat "$SF_USER_DIR/nested.out")
assert_contains "$out" "nested batch: inherited=1 algo=allreduce:tree,ring" "the job's node count, not the inherited step's"
pass "sbatch from inside a step: the batch step plans for the job's nodes"

test_case "mpirun's ranks and daemons plan for one node count"
# mpirun runs its ranks on its own node from the batch step and starts its daemons on the
# other two in a 2-node step: every rank must plan for the same (the job's) node count.
cat > "$SF_USER_DIR/mpi.sbatch" <<JOB
#!/bin/bash
#SBATCH -N3
#SBATCH --ntasks-per-node=1
$launch mpirun -- bash -c 'echo "rank \$OMPI_COMM_WORLD_RANK \$(hostname) algo=\${NCCL_ALGO:-unset}"'
echo "mpirun exit \$?"
JOB
run_batch_job 300 "$SF_USER_DIR/mpi.sbatch"
assert_contains "$out" "mpirun exit 0" "mpirun"
for node in 1 2 3; do
    assert_contains "$out" "spark-dgx-$node algo=allreduce:tree,ring" "rank on node $node: the job's node count"
done
pass "mpirun: ranks on mpirun's node and on its daemons' nodes plan for the same node count"
