#!/usr/bin/env bash
# spark-fabric survey on a real Slurm cluster: a healthy 10-node switch and 4-node ring pass;
# each injected fault (an MTU mismatch, a node moved to another subnet, a node that stops
# answering, a ring with one link down) is a FAIL naming the node and the fix, within bounds.
# Usage: survey_test.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/testlib.sh"
cluster_test_begin "$@"

# --timeout 30 on the runs that must pass: Slurm 24.11 (the Debian 13 stage) starts a 10-node
# step so slowly that 5 s per phase failed a healthy cluster (issue 20 item 18: why it is slow is
# open; a probe step started late is now one warning per node saying so, not a FAIL per cable:
# tests/unit/survey_run_launcher_test.cpp). The hung-slurmd case below keeps 5 s.
survey() {  # NODELIST [spark-fabric global options]: runs the survey in an allocation; sets out and rc
    local nodes=$1; shift
    capture run_with_timeout 180 as_user salloc -Q -w "$nodes" "$fabric" "$@" survey --timeout 30 --color never
}

sf_cluster_up 10
printf 'required %s\n' "$plugin" > "$SF_CLUSTER_STATE/plugstack.conf"

test_case "a healthy 10-node switch"
# Healthy: ten nodes on one fabric switch.
survey "spark-dgx-[1-10]"
assert_eq "$rc" "0" "healthy 10-node survey exit status"
assert_contains "$out" "sparkfabric survey: 10 node(s), all checks pass" "healthy summary"
assert_not_contains "$out" "FAIL" "no FAIL cell"
assert_contains "$out" "* SPARKFABRIC_FABRIC_ADDR:" "each node's plan side by side"
pass "healthy 10-node switch: every check passes ($(echo "$out" | grep -o 'survey took [0-9]* ms'))"
capture_stdout run_with_timeout 180 as_user salloc -Q -N3 "$fabric" survey --format json --timeout 30 2>/dev/null
assert_eq "$(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["exit_code"], len(d["nodes"]), d["cells"]["spark-dgx-2"]["reach"])')" "0 3 ok" "JSON for tools"

# --bandwidth runs spark-nccl-check only where it can: these nodes have no GPU, so it says why
# it measured nothing (a warning), and never hangs.
capture run_with_timeout 400 as_user salloc -Q -N2 "$fabric" survey --bandwidth --timeout 30 --color never
assert_eq "$rc" "1" "--bandwidth without GPUs exit status (a warning)"
assert_contains "$out" "bandwidth not measured: spark-nccl-check" "--bandwidth says why nothing was measured"

test_case "an MTU mismatch; --preflight"
# An MTU mismatch on one node; spark-launch --preflight (and the site's check.preflight) stops
# the doomed launch before the program starts.
ip -n sf-spark-dgx-3 link set enp1s0f1np1 mtu 1500
survey "spark-dgx-[1-4]"
assert_eq "$rc" "2" "MTU mismatch exit status"
assert_contains "$out" "FAIL spark-dgx-3: enp1s0f1np1: MTU 1500 while its peers use 9000" "MTU mismatch named"
assert_contains "$out" "fix: \`ip link set dev enp1s0f1np1 mtu 9000\`" "MTU fix"
printf 'check: {preflight: true}\n' > "$SF_USER_DIR/preflight.yaml"
for how in "--preflight" "--config $SF_USER_DIR/preflight.yaml"; do
    # shellcheck disable=SC2086  # $how is two words on purpose
    capture run_with_timeout 180 as_user salloc -Q -w "spark-dgx-[1-4]" "$launch" $how torchrun -- "$check_py"
    assert_eq "$rc" "2" "spark-launch $how with an MTU mismatch: exit status"
    assert_contains "$out" "FAIL spark-dgx-3: enp1s0f1np1: MTU 1500" "spark-launch $how names the fault"
    assert_contains "$out" "nothing was started" "spark-launch $how says nothing started"
    assert_not_contains "$out" "ALLREDUCE" "no rank ran"
done
# --no-preflight: the user skips the site's check.preflight; the program starts on the same nodes.
capture run_with_timeout 180 as_user salloc -Q -w "spark-dgx-[1-4]" "$launch" --config "$SF_USER_DIR/preflight.yaml" \
    --no-preflight srun -- hostname
assert_eq "$rc" "0" "spark-launch --no-preflight with check.preflight on: exit status"
assert_not_contains "$out" "preflight survey" "--no-preflight: no survey ran"
assert_eq "$(echo "$out" | grep -c '^spark-dgx-[1-4]$')" "4" "--no-preflight: the program ran on every node"
ip -n sf-spark-dgx-3 link set enp1s0f1np1 mtu 9000
pass "MTU mismatch: FAIL on spark-dgx-3 with the fix; --preflight and check.preflight start nothing, --no-preflight skips the survey"

test_case "--preflight on a healthy allocation"
# A healthy allocation: --preflight passes and the launch goes on.
capture run_with_timeout 300 as_user salloc -Q -w "spark-dgx-[1-2]" "$launch" --preflight torchrun -- "$check_py"
assert_eq "$rc" "0" "healthy --preflight launch exit status"
assert_contains "$out" "preflight survey passed" "the survey ran first"
assert_contains "$out" "ALLREDUCE_OK rank=1 world=2" "then the program"
pass "--preflight on a healthy allocation: surveyed, then launched"

test_case "a node on another subnet"
# A node moved to another subnet.
ip -n sf-spark-dgx-2 addr flush dev enp1s0f1np1
ip -n sf-spark-dgx-2 addr add 192.168.77.2/24 dev enp1s0f1np1
survey "spark-dgx-[1-4]"
ip -n sf-spark-dgx-2 addr flush dev enp1s0f1np1
ip -n sf-spark-dgx-2 addr add 192.168.200.2/24 dev enp1s0f1np1
assert_eq "$rc" "2" "moved node exit status"
assert_contains "$out" "FAIL spark-dgx-2: 192.168.77.0/24: shares no fabric subnet with spark-dgx-1, spark-dgx-3, spark-dgx-4" "subnet named"
pass "node on another subnet: FAIL on spark-dgx-2"

test_case "a node that stops answering"
# A node that stops answering: its slurmd frozen after the allocation is granted (as root:
# freezing a daemon is no user's business).
slurmd_pid=$(cat "$SF_CLUSTER_STATE/run/slurmd.spark-dgx-4.pid")
capture run_with_timeout 120 salloc -Q -w "spark-dgx-[1-4]" bash -c \
    "kill -STOP $slurmd_pid; '$fabric' survey --timeout 5 --color never; rc=\$?; kill -CONT $slurmd_pid; exit \$rc"
kill -CONT "$slurmd_pid" 2>/dev/null || true
assert_eq "$rc" "2" "dead node exit status"
assert_contains "$out" "FAIL spark-dgx-4: node: gave no report (no answer in time)" "dead node named"
assert_contains "$out" "spark-dgx-1 ok" "the live nodes still answer"
pass "a node that stops answering is a FAIL within the timeout"

test_case "a four-node ring, then a cable down"
# A four-node ring: healthy, then with one cable down.
sf_cluster_down
sf_cluster_up 4 --ring
printf 'required %s\n' "$plugin" > "$SF_CLUSTER_STATE/plugstack.conf"
printf 'fabric: {topology: ring}\n' > "$SF_CLUSTER_STATE/ring.yaml"
chmod 644 "$SF_CLUSTER_STATE/ring.yaml"
survey "spark-dgx-[1-4]" --config "$SF_CLUSTER_STATE/ring.yaml"
# The ring is judged with the NCCL its jobs would load: this machine's libnccl, where it has one
# older than 2.30.7, lacks the ring's subnet-aware routing, a warning in the nccl column of every
# node (issue 20 item 10); the ring itself must pass.
if grep -q "first ship in 2.30.7" <<<"$out"; then
    assert_eq "$rc" "1" "healthy ring with an NCCL before 2.30.7: exit status"
    assert_not_contains "$out" "FAIL" "healthy ring: no FAIL cell"
    assert_eq "$(grep -c '^  warn ' <<<"$out")" "$(grep -c '^  warn .*first ship in 2.30.7' <<<"$out")" \
        "healthy ring: the old NCCL is the only warning"
    assert_eq "$(grep -c '^  warn .*first ship in 2.30.7' <<<"$out")" "4" "the old NCCL named on each ring node"
else
    assert_eq "$rc" "0" "healthy ring exit status"
fi
assert_contains "$out" "SPARKFABRIC_TOPOLOGY=ring" "ring on every node"
ip -n sf-spark-dgx-2 link set enp1s0f0np0 down   # cable 2: node 2 port 0 to node 3 port 1
survey "spark-dgx-[1-4]" --config "$SF_CLUSTER_STATE/ring.yaml"
assert_eq "$rc" "2" "broken ring exit status"
assert_contains "$out" "FAIL spark-dgx-2: 192.168.101.0/24: has 1 ring neighbour(s) (spark-dgx-1) where a closed ring needs 2" "open chain at node 2"
assert_contains "$out" "FAIL spark-dgx-3: 192.168.103.0/24: has 1 ring neighbour(s) (spark-dgx-4)" "open chain at node 3"
pass "ring with one link down: an open chain named at both ends"
