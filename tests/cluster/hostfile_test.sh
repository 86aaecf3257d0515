#!/usr/bin/env bash
# spark-launch --hostfile, as on two Sparks on a desk: no Slurm on the way, real OpenSSH (an sshd
# in each emulated node's network namespace, key login as an ordinary user). Shows that each
# host plans for itself (spark-dgx-2 is cabled on cage 0, so its interface names differ), that
# the first host to fail ends the launch within seconds, and that SIGTERM to spark-launch ends
# the programs on every host. Usage: hostfile_test.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/testlib.sh"
cluster_test_begin "$@"
sleeper="$here/sleep_worker.py"
command -v sshd >/dev/null 2>&1 || command -v /usr/sbin/sshd >/dev/null 2>&1 || fail "no sshd: install openssh-server (scripts/install-deps)"

sf_cluster_up 3 --node-cage spark-dgx-2=0
source "$cluster_tools/node_sshd.sh"
node_sshd_setup
# sshd on spark-dgx-1 and -2 only: spark-dgx-3 refuses connections (the fail-fast case).
for node in spark-dgx-1 spark-dgx-2; do start_node_sshd "$node"; done
# As the test user, on spark-dgx-1 (where the user types spark-launch); an array, not a
# function, so that timeout can run it.
on_node1=("$cluster_tools/cluster.sh" exec spark-dgx-1 runuser -u "$SF_TEST_USER" --)
launch_ok() {  # WHAT CMD...: runs CMD on spark-dgx-1 as the user (300 s at most) into $out; a
               # non-zero status fails the test with what it printed
    local what=$1 status=0
    shift
    out=$(run_with_timeout 300 "${on_node1[@]}" "$@" 2>&1) || status=$?
    [ "$status" = 0 ] || { printf '%s\n' "$out"; fail "$what: exit status $status"; }
}
procs_gone() { [ -z "$(user_procs_on spark-dgx-1 "$1")$(user_procs_on spark-dgx-2 "$1")" ]; }  # PATTERN: none on nodes 1 and 2
wait_until_gone() { wait_until "${2:-30}" procs_gone "$1"; }  # PATTERN [SECONDS]: bounded wait (30 s)
printf '192.168.200.1\n192.168.200.2\n' > "$SF_USER_DIR/hosts"
chown "$SF_TEST_USER" "$SF_USER_DIR/hosts"

test_case "torchrun on two hosts"
# torchrun on two hosts: c10d rendezvous and gloo all_reduce on the fabric; each host's own plan
# reached its torchrun (no plugin here), node 2's with its cage-0 interface.
launch_ok "hostfile torchrun" "$launch" --hostfile "$SF_USER_DIR/hosts" torchrun -- "$check_py"
assert_allreduce "$out" 2
assert_contains "$out" "host=spark-dgx-1 iface=enp1s0f1np1" "host 1 planned for itself"
assert_contains "$out" "host=spark-dgx-2 iface=enp1s0f0np0" "host 2 planned for itself (cage 0)"
pass "hostfile torchrun over ssh: each host its own fabric settings, all_reduce on the fabric"

test_case "spark-fabric survey --hostfile"
# spark-fabric survey --hostfile, as on a desk: each host's report comes over ssh (no Slurm
# step), and the table has both hosts, each with its own cage.
capture run_with_timeout 120 "${on_node1[@]}" "$fabric" survey --hostfile "$SF_USER_DIR/hosts" --timeout 30 --color never
case $rc in 0 | 1) ;; *) printf '%s\n' "$out"; fail "survey --hostfile exit status $rc (0 or 1 expected: no errors)" ;; esac
assert_contains "$out" "sparkfabric survey: 2 node(s)" "survey --hostfile: both hosts answered"
assert_contains "$out" "192.168.200.2" "survey --hostfile: host 2 in the table"
assert_not_contains "$out" "could not start srun or ssh" "survey --hostfile: ssh ran"
pass "survey --hostfile over ssh: both hosts reported, no errors"

test_case "spark-fabric check --peer"
# spark-fabric check --peer: a TCP connect from this node's fabric address to the peer's port 22.
# spark-dgx-2 runs sshd (connected); spark-dgx-3 runs none, but its refusal proves the path
# (reachable); no node has 192.168.200.99, so nothing answers (an error, exit status 2).
peer_check() {  # HOST: "CODE (HOW) STATUS" of `check --peer HOST` on spark-dgx-1, from its JSON
    "${on_node1[@]}" "$fabric" check --peer "$1" --timeout-ms 2000 --format json 2>/dev/null |
        python3 -c 'import json, re, sys
d = json.load(sys.stdin)
peer = [f for f in d["findings"] if f["code"].startswith("peer-")]
how = re.search(r"\((.*)\)$", peer[0]["message"]) if peer else None
print(" ".join(f["code"] for f in peer), how.group(1) if how else "-", d["status"])'
}
assert_eq "$(peer_check 192.168.200.2)" "peer-answers connected 0" "check --peer: spark-dgx-2's sshd answers on the fabric"
assert_eq "$(peer_check 192.168.200.3)" "peer-answers port closed, host reachable 0" "check --peer: spark-dgx-3 refuses, so it is reachable"
assert_eq "$(peer_check 192.168.200.99)" "peer-unreachable - 2" "check --peer: no host at 192.168.200.99 is an error"
capture "${on_node1[@]}" "$fabric" check --peer 'a;b'
assert_eq "$rc" "2" "check --peer with a bad name: exit status"
assert_contains "$out" "check: --peer must be a host name or IPv4 address" "check --peer with a bad name: the message"
pass "check --peer: a peer that answers, one whose port is closed, an address nobody has, and a bad name"

test_case "mpirun on two hosts"
# mpirun on the hosts: each rank plans on its own host before the program starts.
launch_ok "hostfile mpirun" "$launch" --hostfile "$SF_USER_DIR/hosts" mpirun -- "$mpi_check"
assert_contains "$out" "on spark-dgx-1: fabric 192.168.200.1, NCCL_SOCKET_IFNAME==enp1s0f1np1" "rank on host 1"
assert_contains "$out" "on spark-dgx-2: fabric 192.168.200.2, NCCL_SOCKET_IFNAME==enp1s0f0np0" "rank on host 2: its own"
assert_contains "$out" "MPI_FABRIC_OK" "MPI across the hosts"
pass "hostfile mpirun: every rank its own host's values"

test_case "vllm and ray on two hosts"
# vLLM and Ray over ssh, as typed on two Sparks with a venv (stand-ins for vLLM and Ray:
# tests/cluster/standins): each host its own rank, address and plan; Ray stopped everywhere.
standins="$here/standins"
ray_left() { user_procs_on spark-dgx-1 "standins/bin/ray start"; user_procs_on spark-dgx-2 "standins/bin/ray start"; }
ray_gone() { [ -z "$(ray_left)" ]; }
wait_ray_gone() { wait_until 10 ray_gone; }
launch_ok "hostfile vllm" "$launch" --hostfile "$SF_USER_DIR/hosts" vllm -- "$standins/bin/vllm" serve test/model
assert_contains "$out" "VLLM_STANDIN_OK rank=0 nnodes=2 host_ip=192.168.200.1" "vllm on host 1"
assert_contains "$out" "VLLM_STANDIN_OK rank=1 nnodes=2 host_ip=192.168.200.2" "vllm on host 2, its own address"
pass "hostfile vllm: ranks, head address and each host's VLLM_HOST_IP; rendezvous on the fabric"
ray=(--ray "$standins/bin/ray" --python "$standins/bin/python3")
launch_ok "hostfile ray" "$launch" --hostfile "$SF_USER_DIR/hosts" "${ray[@]}" ray -- \
    "$standins/bin/python3" "$here/ray_job_check.py" 2
assert_contains "$out" "RAY_JOB_OK nodes=2" "ray driver sees both hosts"
assert_contains "$out" "spark-launch: spark-dgx-2: Ray stopped here" "host 2 stopped its Ray"
wait_ray_gone || fail "Ray left running: $(ray_left)"
pass "hostfile ray: both hosts joined, the command ran on the head, Ray stopped on both"
"${on_node1[@]}" "$launch" --hostfile "$SF_USER_DIR/hosts" "${ray[@]}" ray -- sleep 600 > "$SF_USER_DIR/ray-term.out" 2>&1 &
launch_job=$!
wait_until 60 grep -qs "2 of 2 nodes joined" "$SF_USER_DIR/ray-term.out" || { cat "$SF_USER_DIR/ray-term.out"; fail "Ray did not come up"; }
kill -TERM $(user_procs_on spark-dgx-1 "spark-launch --hostfile")
keep_status wait "$launch_job"
assert_eq "$rc" "143" "spark-launch ray exit status after SIGTERM"
wait_ray_gone || fail "Ray left running after SIGTERM: $(ray_left)"
pass "hostfile ray, SIGTERM to spark-launch: the command ends and Ray stops on every host"

test_case "a host that fails ends the launch"
# A host whose ssh fails ends the launch at once, naming the host; the head's torchrun, already
# waiting in the rendezvous, is stopped too.
printf '192.168.200.1\n192.168.200.3\n' > "$SF_USER_DIR/hosts-bad"
chown "$SF_TEST_USER" "$SF_USER_DIR/hosts-bad"
started=$SECONDS
capture run_with_timeout 300 "${on_node1[@]}" "$launch" --hostfile "$SF_USER_DIR/hosts-bad" torchrun -- "$check_py"
echo "fail-fast: spark-launch returned after $((SECONDS - started)) s (torch's own rendezvous timeout is minutes)"
# The failing host's own status (ssh's 255), not a success, and not run_with_timeout's 124.
assert_eq "$rc" "255" "exit status of a launch with an unreachable host (ssh's)"
assert_contains "$out" "spark-launch: 192.168.200.3 (host 2 of 2) failed with exit status 255; stopping the others" "names the host"
assert_not_contains "$out" "RendezvousTimeoutError" "ended before torch's rendezvous timed out"
wait_until_gone "torchrun" || fail "torchrun left running on spark-dgx-1 after the launch failed"
pass "hostfile fail-fast: the unreachable host ends the launch, nothing left behind"

test_case "SIGTERM to spark-launch"
# SIGTERM to spark-launch ends the programs on every host.
start_sleepers() {  # NAME [SLEEPER ARGS]: spark-launch torchrun of sleep_worker.py on both hosts, in
                    # the background (launch_job), output in $SF_USER_DIR/NAME.out; returns once both
                    # workers run (bounded), with spark-launch's pid in launcher_pid
    local out="$SF_USER_DIR/$1.out"
    shift
    "${on_node1[@]}" "$launch" --hostfile "$SF_USER_DIR/hosts" torchrun -- "$sleeper" "$@" > "$out" 2>&1 &
    launch_job=$!
    wait_until 120 workers_started "$out" 2 || { cat "$out"; fail "workers did not start"; }
    launcher_pid=$(user_procs_on spark-dgx-1 "spark-launch --hostfile")
    [ -n "$launcher_pid" ] || fail "no spark-launch process found"
}
start_sleepers sigterm
kill -TERM $launcher_pid
keep_status wait "$launch_job"
assert_eq "$rc" "143" "spark-launch exit status after SIGTERM (128 + 15)"
wait_until_gone "sleep_worker.py" || fail "workers left running after SIGTERM"
wait_until_gone "torchrun" || fail "torchrun left running after SIGTERM"
assert_contains "$(cat "$SF_USER_DIR/sigterm.out")" "signal 15: passing it to every host" "says what it does"
pass "SIGTERM to spark-launch stops torchrun and its workers on every host"

test_case "SIGTERM with a worker deaf to it"
# A worker deaf to SIGTERM, with a helper in a session of its own: torchrun gets its own 30 s to
# end its workers (the host waits 45 s before SIGKILL), and whatever is left after it, in any
# session, is ended by the host's spark-launch (a child subreaper).
start_sleepers stubborn --stubborn
[ -n "$(user_procs_on spark-dgx-2 "sleep_worker.py --helper")" ] || fail "the worker's helper did not start on spark-dgx-2"
stopped_at=$SECONDS
kill -TERM $launcher_pid
keep_status wait "$launch_job"
wait_until_gone "sleep_worker.py" 90 || { cat "$SF_USER_DIR/stubborn.out"; fail "a worker or its helper left running $((SECONDS - stopped_at)) s after SIGTERM: $(user_procs_on spark-dgx-2 sleep_worker.py)"; }
echo "stubborn workers: all gone $((SECONDS - stopped_at)) s after SIGTERM"
pass "SIGTERM to spark-launch: a worker that ignores SIGTERM and its helper in its own session end too"

test_case "SIGKILL to spark-launch"
# Even SIGKILL (nothing to forward, no cleanup code runs): spark-launch's stdin pipes close with
# it, each ssh passes the EOF on, and each host's spark-launch stops its torchrun.
start_sleepers sigkill
kill -KILL $launcher_pid
keep_status wait "$launch_job"
wait_until_gone "sleep_worker.py" || fail "workers left running after spark-launch was killed"
wait_until_gone "torchrun" || fail "torchrun left running after spark-launch was killed"
pass "SIGKILL to spark-launch: the programs on every host still end (stdin EOF through ssh)"
