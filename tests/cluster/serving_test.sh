#!/usr/bin/env bash
# spark-launch vllm, sglang and ray on a real Slurm cluster, with the command lines a user types.
# vLLM, SGLang and Ray do not install here: stand-ins come first on PATH and PYTHONPATH (as a
# venv's would). Each checks the flags and environment it was given, then does for real what the
# program does underneath: a torch.distributed rendezvous and gloo collectives at the head's
# address (vLLM, SGLang), a head that every worker must reach and join (Ray).
# 2 nodes from sbatch (on the head), 10 nodes from salloc (off the head).
# Usage: serving_test.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/testlib.sh"
cluster_test_begin "$@"
standins="$here/standins"
venv="export PATH=$standins/bin:\$PATH PYTHONPATH=$standins/python:$here"

ray_left_on() {  # NODE...: the stand-in Ray daemons (forked from `ray start`) still running
    local node
    for node in "$@"; do user_procs_on "$node" "standins/bin/ray start"; done
}
nodes_of() { local k; for ((k = 1; k <= $1; k++)); do echo "spark-dgx-$k"; done; }
ray_gone_on() { [ -z "$(ray_left_on "$@")" ]; }  # NODE...
# shellcheck disable=SC2046  # one node name a word
wait_ray_gone() { wait_until 10 ray_gone_on $(nodes_of "$1"); }  # NODES: bounded wait until no node runs one

test_case "2 nodes from sbatch: vllm, sglang, ray"
sf_cluster_up 2
printf 'required %s\n' "$plugin" > "$SF_CLUSTER_STATE/plugstack.conf"

cat > "$SF_USER_DIR/serving.sbatch" <<JOB
#!/bin/bash
#SBATCH -N2
$venv
$launch --print vllm -- serve test/model --tensor-parallel-size 1
$launch vllm -- serve test/model --tensor-parallel-size 1
echo "vllm exit \$?"
$launch --print sglang -- --model-path test/model --tp 2
$launch sglang -- --model-path test/model --tp 2
echo "sglang exit \$?"
$launch --print ray -- python3 $here/ray_job_check.py 2
$launch ray -- python3 $here/ray_job_check.py 2
echo "ray exit \$?"
$launch ray -- false
echo "ray failing command exit \$?"
$launch vllm -- serve test/model --node-rank 1
echo "vllm node-rank exit \$?"
SF_STANDIN_RAY_JOIN_DELAY=15 $launch --join-timeout 2 ray -- python3 $here/ray_job_check.py 2
echo "ray late worker exit \$?"
JOB
run_batch_job 400 "$SF_USER_DIR/serving.sbatch"

# vLLM: --print shows each node's line; the run starts both, each with its own address.
assert_contains "$out" "VLLM_HOST_IP=192.168.200.1 vllm serve test/model --tensor-parallel-size 1 --distributed-executor-backend mp --nnodes 2 --node-rank 0 --master-addr 192.168.200.1 --master-port " "print: the head's vllm line"
assert_contains "$out" "--node-rank 1 --master-addr 192.168.200.1 --master-port" "print: node 2 joins the head"
assert_eq "$(echo "$out" | grep '^VLLM_HOST_IP=' | grep -c -- '--headless')" "1" "print: --headless on the worker only"
assert_contains "$out" "VLLM_ARGS host=spark-dgx-1 rank=0 nnodes=2 master=192.168.200.1:" "vllm on the head: rank 0, the head's address"
assert_contains "$out" "VLLM_ARGS host=spark-dgx-2 rank=1 nnodes=2 master=192.168.200.1:" "vllm on node 2: rank 1"
assert_contains "$out" "host_ip=192.168.200.2 headless=1" "node 2's VLLM_HOST_IP is its own fabric address"
assert_contains "$out" "VLLM_STANDIN_OK rank=0 nnodes=2 host_ip=192.168.200.1" "vllm head rendezvous"
assert_contains "$out" "VLLM_STANDIN_OK rank=1 nnodes=2 host_ip=192.168.200.2" "vllm worker rendezvous"
assert_contains "$out" "vllm exit 0" "vllm exit"
pass "vllm: both nodes started with consistent ranks, the head's address, their own VLLM_HOST_IP; rendezvous on the fabric"

assert_contains "$out" "python3 -m sglang.launch_server --model-path test/model --tp 2 --nnodes 2 --node-rank 1 --dist-init-addr 192.168.200.1:" "print: sglang's line"
assert_contains "$out" "SGLANG_STANDIN_OK rank=0 nnodes=2" "sglang head"
assert_contains "$out" "SGLANG_STANDIN_OK rank=1 nnodes=2" "sglang node 2"
assert_contains "$out" "sglang exit 0" "sglang exit"
assert_eq "$(echo "$out" | grep -c 'ALLREDUCE_OK rank=. world=2')" "4" "vllm and sglang: every rank's all_reduce"
assert_eq "$(echo "$out" | grep 'ALLREDUCE_OK\|conns=' | grep -c 'conns=192\.168\.200\.')" "4" "their traffic on the fabric"
pass "sglang: launch_server on both nodes, --dist-init-addr at the head, rendezvous on the fabric"

assert_contains "$out" "VLLM_HOST_IP=192.168.200.1 ray start --head --node-ip-address=192.168.200.1 --port=" "print: the head's ray start"
assert_contains "$out" "ray start --address=192.168.200.1:" "print: node 2 joins"
assert_contains "$out" "RAY_ADDRESS=192.168.200.1:" "print: the command gets RAY_ADDRESS"
assert_contains "$out" "2 of 2 nodes joined Ray at 192.168.200.1:" "the head waited for every node"
assert_contains "$out" "RAY_JOB nodes=2 addresses=192.168.200.1,192.168.200.2 hosts=spark-dgx-1,spark-dgx-2" "the driver sees both nodes at their fabric addresses"
assert_contains "$out" "RAY_JOB_OK nodes=2" "ray driver"
assert_contains "$out" "ray exit 0" "ray exit"
assert_contains "$out" "ray failing command exit 1" "the command's failure is the launch's (the worker, stopped by srun, reports nothing)"
assert_contains "$out" "spark-launch: spark-dgx-2: Ray stopped here" "the worker stopped its Ray after the good run"
wait_ray_gone 2 || fail "Ray left running: $(ray_left_on spark-dgx-1 spark-dgx-2)"
pass "ray: head and worker joined at their fabric addresses, command ran with RAY_ADDRESS, Ray stopped on every node"

assert_contains "$out" "spark-launch: --node-rank differs from node to node: spark-launch vllm sets it on each node; remove it" "a per-node flag from the user"
assert_contains "$out" "vllm node-rank exit 2" "refused before starting"
pass "a flag that cannot be the same on every node is refused with the fix"

test_case "--join-timeout"
# --join-timeout: node 2's Ray joins 15 s late; the head gives up after 2 s and says so.
assert_contains "$out" "only 1 of 2 nodes joined Ray at 192.168.200.1:" "--join-timeout 2: the head's count"
assert_contains "$out" "within 2 s; the others' output says why" "--join-timeout 2: the bound the user set"
assert_not_contains "$out" "RAY_JOB_OK nodes=1" "the command did not run on a partial cluster"
assert_contains "$out" "ray late worker exit 1" "--join-timeout: the launch fails"
wait_ray_gone 2 || fail "Ray left running after the join timed out: $(ray_left_on spark-dgx-1 spark-dgx-2)"
pass "--join-timeout: a late node fails the launch after the user's bound, Ray stopped on every node"

test_case "scancel while ray runs"
# scancel while the command runs: Slurm's SIGTERM reaches every node's stage, which stops Ray.
cat > "$SF_USER_DIR/ray-cancel.sbatch" <<JOB
#!/bin/bash
#SBATCH -N2
$venv
$launch ray -- sleep 600
JOB
job=$(as_user sbatch --parsable -o "$SF_USER_DIR/ray-cancel.out" "$SF_USER_DIR/ray-cancel.sbatch")
wait_until 60 grep -qs "2 of 2 nodes joined" "$SF_USER_DIR/ray-cancel.out" || { cat "$SF_USER_DIR/ray-cancel.out"; fail "Ray did not come up"; }
[ -n "$(ray_left_on spark-dgx-1)" ] && [ -n "$(ray_left_on spark-dgx-2)" ] || fail "Ray not running on both nodes"
as_user scancel "$job"
job_gone() { [ -z "$(squeue -h -j "$1" 2>/dev/null)" ]; }
wait_until 30 job_gone "$job" || fail "job $job did not end after scancel"
cancel_out=$(cat "$SF_USER_DIR/ray-cancel.out")
assert_contains "$cancel_out" "spark-launch: spark-dgx-1: Ray stopped here" "the head stopped its Ray"
assert_contains "$cancel_out" "spark-launch: spark-dgx-2: Ray stopped here" "the worker stopped its Ray"
wait_ray_gone 2 || fail "Ray left running after scancel: $(ray_left_on spark-dgx-1 spark-dgx-2)"
pass "scancel during the command: Ray stopped on both nodes"

test_case "sbatch --export=NONE"
# sbatch --export=NONE, a common site policy: the script sets up its own PATH and PYTHONPATH (a
# venv's), and spark-launch's own steps (the node stage that starts vllm) must get them.
cat > "$SF_USER_DIR/export-none.sbatch" <<JOB
#!/bin/bash
#SBATCH -N2
$venv
$launch vllm -- serve test/model
echo "export-none vllm exit \$?"
JOB
run_batch_job 300 "$SF_USER_DIR/export-none.sbatch" --export=NONE
assert_contains "$out" "VLLM_STANDIN_OK rank=1 nnodes=2" "--export=NONE: vllm from the script's PATH on node 2"
assert_contains "$out" "export-none vllm exit 0" "--export=NONE: spark-launch vllm exit status"
assert_contains "$out" "submitted with --export=NONE" "--export=NONE: spark-launch says what it passes on"
pass "sbatch --export=NONE: spark-launch's steps get the script's PATH and PYTHONPATH"

test_case "10 nodes from salloc: vllm, sglang, ray"
sf_cluster_down
sf_cluster_up 10
printf 'required %s\n' "$plugin" > "$SF_CLUSTER_STATE/plugstack.conf"
ten() {  # COMMAND...: under salloc -N10 with the stand-ins, into $out; its time on stderr. A
          # non-zero status (run_with_timeout's 124 included) fails the test with the output.
    local started=$SECONDS status=0
    out=$(run_with_timeout 600 as_user salloc -N10 bash -c "$venv; $*" 2>&1) || status=$?
    echo "ten nodes: '$*' took $((SECONDS - started)) s, exit status $status" >&2
    [ "$status" = 0 ] || { printf '%s\n' "$out"; fail "ten nodes: '$*' exited with status $status"; }
}
ten "$launch" vllm -- serve test/model
for ((r = 0; r < 10; r++)); do
    assert_contains "$out" "VLLM_STANDIN_OK rank=$r nnodes=10 host_ip=192.168.200.$((r + 1))" "vllm rank $r at its own address"
done
assert_eq "$(echo "$out" | grep -c 'headless=1')" "9" "--headless on the nine workers"
pass "ten nodes: vllm ranks 0-9, each at its own fabric address, rendezvous at the head"
ten "$launch" sglang -- --model-path test/model
assert_eq "$(echo "$out" | grep -c 'SGLANG_STANDIN_OK rank=[0-9]* nnodes=10')" "10" "sglang on ten nodes"
pass "ten nodes: sglang"
ten "$launch" ray -- python3 "$here/ray_job_check.py" 10
assert_contains "$out" "10 of 10 nodes joined Ray" "ten nodes joined"
assert_contains "$out" "RAY_JOB_OK nodes=10" "ray driver on ten nodes"
wait_ray_gone 10 || fail "Ray left running on ten nodes: $(ray_left_on $(nodes_of 10))"
pass "ten nodes: ray cluster of ten, command run, Ray stopped everywhere"
