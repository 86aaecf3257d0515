#!/usr/bin/env bash
# The emulated cluster itself: real slurmctld + one slurmd per node namespace, the DGX Spark
# interface names and MTUs, batch jobs, TCP and a torchrun/gloo all_reduce over the fabric,
# link fault injection, and a clean teardown. Usage: harness_test.sh [BUILD_DIR] (unused)
set -euo pipefail
source "$(dirname "$0")/testlib.sh"
cluster_test_begin --no-build
py=/usr/bin/python3        # the interpreter that has torch
torchrun=/usr/bin/torchrun

assert_clean() {  # after a down: no namespaces, bridges, daemons or /etc/hosts lines left
    [ -z "$(ip netns list | grep '^sf-spark-dgx-' || true)" ] || fail "namespaces left after down"
    ! ip link show sfmgmt0 >/dev/null 2>&1 || fail "bridge sfmgmt0 left after down"
    ! grep -q 'sparkfabric-cluster' /etc/hosts || fail "/etc/hosts lines left after down"
    [ -z "$(pgrep -f -- "-f $SF_CLUSTER_STATE/slurm.conf" || true)" ] || fail "slurm daemons left after down"
}

test_case "2 nodes: srun, MTUs, cluster.sh exec"
t0=$SECONDS
sf_cluster_up 2
state=$SF_CLUSTER_STATE
pass "2-node cluster up in $((SECONDS - t0)) s"

out=$(run_with_timeout 30 srun -N2 hostname | sort)
assert_eq "$out" "$(printf 'spark-dgx-1\nspark-dgx-2')" "srun -N2 hostname"
pass "srun -N2 runs one task on each node"

out=$(run_with_timeout 30 srun -N2 -l cat /sys/class/net/enp1s0f1np1/mtu /sys/class/net/enP7s7/mtu | sort)
assert_eq "$out" "$(printf '0: 9000\n0: 1500\n1: 9000\n1: 1500' | sort)" "fabric/management MTU"
pass "enp1s0f1np1 MTU 9000 and enP7s7 MTU 1500 on both nodes"

out=$(sf_cluster exec spark-dgx-2 sh -c 'hostname; cat /sys/class/net/enp1s0f1np1/address >/dev/null && echo if-ok')
assert_eq "$out" "$(printf 'spark-dgx-2\nif-ok')" "cluster.sh exec"
pass "cluster.sh exec runs inside the node"

test_case "sbatch on 2 nodes"
cat > "$state/harness_job.sbatch" <<'JOB'
#!/bin/bash
#SBATCH -N2
echo "batch host=$(hostname) nodes=$SLURM_JOB_NUM_NODES"
srun -N2 -l ip -4 -o addr show enp1s0f1np1
JOB
run_with_timeout 60 sbatch --wait -o "$state/harness_job.out" "$state/harness_job.sbatch" >/dev/null \
    || fail "batch job failed: $(cat "$state/harness_job.out" 2>/dev/null)"
out=$(cat "$state/harness_job.out")
assert_contains "$out" "batch host=spark-dgx-1 nodes=2" "batch script on the first node"
assert_contains "$out" "inet 192.168.200.1/24" "step on node 1"
assert_contains "$out" "inet 192.168.200.2/24" "step on node 2"
pass "sbatch --wait: script on spark-dgx-1, its srun sees both fabric addresses"

test_case "TCP over the fabric"
# A real TCP connection between two nodes over the fabric network.
cat > "$state/tcp_check.py" <<'PY'
import os, socket, sys, time
if os.environ["SLURM_NODEID"] == "0":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("192.168.200.1", 29400)); s.listen(1); s.settimeout(20)
    c, peer = s.accept()
    c.settimeout(10); msg = c.recv(64).decode(); c.sendall(b"pong")
    print(f"TCP_SERVER got={msg} peer={peer[0]} local={c.getsockname()[0]}")
else:
    end = time.time() + 20
    while True:
        try:
            c = socket.create_connection(("192.168.200.1", 29400), timeout=2); break
        except OSError:
            if time.time() > end: raise
            time.sleep(0.2)
    c.settimeout(10); c.sendall(b"ping")
    print(f"TCP_CLIENT got={c.recv(64).decode()} local={c.getsockname()[0]}")
PY
out=$(run_with_timeout 60 srun -N2 "$py" "$state/tcp_check.py" 2>&1)
assert_contains "$out" "TCP_SERVER got=ping peer=192.168.200.2 local=192.168.200.1" "TCP server on node 1"
assert_contains "$out" "TCP_CLIENT got=pong local=192.168.200.2" "TCP client on node 2"
pass "TCP over the fabric between spark-dgx-2 and spark-dgx-1"

test_case "link down and up again"
# Fault injection: with node 1's fabric link down, node 2 cannot reach it; back up, it can.
probe='import socket,sys
s=socket.socket(); s.settimeout(2)
try:
    s.connect(("192.168.200.1", 9)); print("reach")
except ConnectionRefusedError:
    print("reach")   # the host answered (nothing listens on port 9)
except OSError as e:
    print("unreachable", e)'
sf_cluster link-down spark-dgx-1 2>/dev/null
out=$(run_with_timeout 30 srun -w spark-dgx-1 cat /sys/class/net/enp1s0f1np1/operstate)
assert_eq "$out" "down" "operstate after link-down"
out=$(run_with_timeout 20 "$cluster_tools/cluster.sh" exec spark-dgx-2 "$py" -c "$probe")
assert_contains "$out" "unreachable" "fabric with node 1 link down"
sf_cluster link-up spark-dgx-1 2>/dev/null
out=$(run_with_timeout 30 srun -w spark-dgx-1 cat /sys/class/net/enp1s0f1np1/operstate)
assert_eq "$out" "up" "operstate after link-up"
out=$(run_with_timeout 20 "$cluster_tools/cluster.sh" exec spark-dgx-2 "$py" -c "$probe")
assert_eq "$out" "reach" "fabric with node 1 link back up"
pass "link-down/link-up on spark-dgx-1 cuts and restores the fabric"

test_case "torchrun all_reduce over the fabric"
# torchrun c10d rendezvous + gloo all_reduce across the two nodes, over the fabric.
cat > "$state/torchrun_node.sh" <<EOF
#!/bin/bash
# only the first node hosts the c10d store: torchrun does not recognise the fabric IP as its own
host=()
[ "\$SLURM_NODEID" = 0 ] && host=(--rdzv_conf is_host=true)
export GLOO_SOCKET_IFNAME=enp1s0f1np1
exec $torchrun --nnodes=2 --nproc_per_node=1 --rdzv_backend=c10d \\
    --rdzv_endpoint=192.168.200.1:29500 --rdzv_id=harness --redirects=1 --tee=1 \\
    "\${host[@]}" $here/allreduce_check.py
EOF
chmod +x "$state/torchrun_node.sh"
t0=$SECONDS
out=$(run_with_timeout 120 srun -N2 --ntasks-per-node=1 "$state/torchrun_node.sh" 2>&1) \
    || { printf '%s\n' "$out" >&2; fail "torchrun all_reduce failed"; }
assert_contains "$out" "ALLREDUCE_OK rank=0 world=2 sum=3" "rank 0"
assert_contains "$out" "ALLREDUCE_OK rank=1 world=2 sum=3" "rank 1"
assert_contains "$out" "host=spark-dgx-1 iface=enp1s0f1np1 conns=192.168.200.1->192.168.200.2" "rank 0 gloo peer over the fabric"
assert_contains "$out" "host=spark-dgx-2 iface=enp1s0f1np1 conns=192.168.200.2->192.168.200.1" "rank 1 gloo peer over the fabric"
pass "torchrun c10d + gloo all_reduce over the fabric in $((SECONDS - t0)) s"

test_case "down leaves nothing"
t0=$SECONDS
sf_cluster down --state "$state" 2>/dev/null
assert_clean
sf_cluster down --state "$state" 2>/dev/null || fail "second down failed"
pass "down in $((SECONDS - t0)) s leaves nothing behind, and is idempotent"

test_case "10 nodes with twins"
t0=$SECONDS
sf_cluster_up 10 --twins
pass "10-node cluster up in $((SECONDS - t0)) s"
assert_eq "$(sinfo -h -N -o '%t' | grep -c '^idle$')" "10" "idle nodes"
out=$(run_with_timeout 60 srun -N10 hostname | sort -u)
assert_eq "$(echo "$out" | wc -l)" "10" "distinct hostnames"
assert_eq "$out" "$(for k in $(seq 1 10); do echo "spark-dgx-$k"; done | sort)" "node names"
pass "srun -N10 runs on 10 distinct nodes"
out=$(run_with_timeout 60 srun -N10 sh -c 'echo "$(hostname) $(cat /sys/class/net/enP2p1s0f1np1/mtu)"' | sort -u)
assert_eq "$(echo "$out" | grep -c ' 9000$')" "10" "twin interface MTU on every node"
assert_contains "$(getent hosts spark-dgx-10)" "10.77.0.10" "spark-dgx-10 resolves to its management address"
pass "--twins: enP2p1s0f1np1 MTU 9000 on all 10 nodes, names resolve"
t0=$SECONDS
sf_cluster down --state "$state" 2>/dev/null
assert_clean
pass "10-node cluster down in $((SECONDS - t0)) s"
