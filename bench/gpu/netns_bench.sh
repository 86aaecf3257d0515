#!/usr/bin/env bash
# Two emulated DGX Spark nodes on one multi-GPU host: two network namespaces (spark-a,
# spark-b), each with a fabric veth named like a Spark's ConnectX-7 port (enp1s0f1np1,
# MTU 9000, 192.168.200.0/24) and a management veth named like its Realtek NIC (enP7s7,
# 10.77.0.0/24, limited to 1 Gbit/s with tbf on both ends). One GPU per namespace, and
# NCCL_HOSTID differs per namespace, so NCCL treats the two ranks as two hosts and moves data
# through its socket transport (IB, P2P, SHM and NVLS off).
#
# Run A: each rank sources what `spark-fabric env` prints inside its namespace.
# Run B: NCCL's own defaults (no NCCL_SOCKET_IFNAME); enP7s7 is created before the fabric
#        interface, so it comes first in the interface list NCCL walks.
# Both runs use spark-nccl-check with the RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT bootstrap.
#
# Needs root, CUDA, NCCL and CMake. `ip`, `tc` and `spark-fabric` come from $CARRY/bin with
# their libraries in $CARRY/lib when the host has none. Run from the repository root:
#     OUT=<dir> bash bench/gpu/netns_bench.sh
# Files in $OUT: probe.json, fabric.txt (detect and env per namespace, link counters),
# runA.json, runB.json, and the logs (setup.log, runA.log, runB.log) packed at the end into
# raw-logs.tar.xz (pack_logs.sh). Exit 0 when both runs gave results.
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:-bench/gpu/results/netns}
CARRY=$(realpath "${CARRY:-.carry/gpu}")
BUILD=${BUILD:-build-gpu}
PORT=${PORT:-29611}
SWEEP=(${SWEEP:---min-bytes 1M --max-bytes 256M --warmup 2 --iters 5})
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
WORK=$(mktemp -d)
# NVLink multicast (NVLS) stays off: on shared multi-GPU hosts it can take the GPUs down.
export NCCL_NVLS_ENABLE=0
BASE_LD=${LD_LIBRARY_PATH:-}
CARRY_LD=$CARRY/lib${BASE_LD:+:$BASE_LD}
tool() {  # tool NAME: the host's command, else the carried one
    if [ -x "$CARRY/bin/$1" ]; then echo "$CARRY/bin/$1"; else command -v "$1"; fi
}
IP_BIN=$(tool ip); TC_BIN=$(tool tc); SF_BIN=$(tool spark-fabric)
ip() { LD_LIBRARY_PATH=$CARRY_LD "$IP_BIN" "$@"; }
tc() { LD_LIBRARY_PATH=$CARRY_LD "$TC_BIN" "$@"; }
sf() { LD_LIBRARY_PATH=$CARRY_LD "$SF_BIN" "$@"; }
NS=(spark-a spark-b)
FABRIC_IF=enp1s0f1np1
MGMT_IF=enP7s7
step() { echo; echo "=== $*"; }
cleanup() { for ns in "${NS[@]}"; do ip netns del "$ns" 2>/dev/null; done; }
finish() { cleanup; rm -rf "$WORK"; }
trap finish EXIT

# --- build spark-nccl-check (as device_smoke.sh does), unless CHECK names one already -------
{
    step "machine"
    uname -srm; nproc
    nvidia-smi -L 2>&1; nvidia-smi topo -m 2>&1 | head -8
    step "tools"
    echo "ip: $IP_BIN"; echo "tc: $TC_BIN"; echo "spark-fabric: $SF_BIN"
    sf --version 2>&1
    ls /usr/include/nccl.h /usr/local/cuda/include/nccl.h 2>&1
} >"$OUT/setup.log" 2>&1
if [ -z "${CHECK:-}" ]; then
    cmake_args=()
    if [ ! -e /usr/include/nccl.h ] && [ ! -e /usr/local/cuda/include/nccl.h ]; then
        wheel=$(python3 -c 'import importlib.util as u; s = u.find_spec("nvidia.nccl"); print(list(s.submodule_search_locations)[0])' 2>/dev/null)
        if [ -n "$wheel" ] && [ -e "$wheel/include/nccl.h" ]; then
            cmake_args+=("-DNCCL_ROOT=$wheel")
            BASE_LD="$wheel/lib${BASE_LD:+:$BASE_LD}"
        fi
    fi
    {
        step "configure ${cmake_args[*]:-}"
        cmake -S bench/gpu -B "$BUILD" -DCMAKE_BUILD_TYPE=Release "${cmake_args[@]}" &&
            step "build" && cmake --build "$BUILD" -j "$(nproc)"
    } >>"$OUT/setup.log" 2>&1 || { echo "build failed, see setup.log"; exit 2; }
    CHECK=$BUILD/nccl_check/spark-nccl-check
fi
CHECK=$(realpath "$CHECK")

# --- GPU capability: print it, then write the node cache that `spark-fabric env` reads -----
step "spark-fabric probe-gpu --print"
sf probe-gpu --print >"$OUT/probe.json" 2>&1
echo "exit $?" >>"$OUT/probe.json"
cat "$OUT/probe.json"
sf probe-gpu >>"$OUT/setup.log" 2>&1

# --- the two "nodes" ---------------------------------------------------------------------
step "namespaces"
{
    cleanup
    for ns in "${NS[@]}"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
    # Management first: the lower interface index puts it first in NCCL's interface walk.
    ip link add "$MGMT_IF" netns spark-a type veth peer name "$MGMT_IF" netns spark-b
    ip link add "$FABRIC_IF" netns spark-a mtu 9000 type veth peer name "$FABRIC_IF" netns spark-b mtu 9000
    i=1
    for ns in "${NS[@]}"; do
        ip -n "$ns" addr add "10.77.0.$i/24" dev "$MGMT_IF"
        ip -n "$ns" addr add "192.168.200.$i/24" dev "$FABRIC_IF"
        ip -n "$ns" link set "$MGMT_IF" up
        ip -n "$ns" link set "$FABRIC_IF" up
        tc -n "$ns" qdisc add dev "$MGMT_IF" root tbf rate 1gbit burst 256kb latency 50ms
        i=2
    done
    ok=0
    for ns in "${NS[@]}"; do
        echo "--- $ns"; ip -n "$ns" -d addr show; tc -n "$ns" qdisc show
        for dev in "$MGMT_IF" "$FABRIC_IF"; do
            ip -n "$ns" -4 addr show dev "$dev" up | grep -q inet || ok=1
        done
        tc -n "$ns" qdisc show dev "$MGMT_IF" | grep -q tbf || ok=1
    done
    exit_ok() { return $ok; }; exit_ok
} >>"$OUT/setup.log" 2>&1 || { echo "namespace setup failed, see setup.log"; tail -5 "$OUT/setup.log"; exit 2; }
grep -E "^(qdisc tbf|[0-9]+: en|    inet )" "$OUT/setup.log"

fab=$OUT/fabric.txt
: >"$fab"
step "spark-fabric detect / env inside each namespace"
for ns in "${NS[@]}"; do
    {
        echo "=== ip netns exec $ns spark-fabric detect"
        ip netns exec "$ns" "$SF_BIN" detect 2>&1
        echo "=== ip netns exec $ns spark-fabric env --nodes 2 --format sh"
        ip netns exec "$ns" "$SF_BIN" env --nodes 2 --format sh 2>"$WORK/env_$ns.err" | tee "$WORK/env_$ns.sh"
        cat "$WORK/env_$ns.err"
        echo "=== ip netns exec $ns spark-fabric env --nodes 2 --format json"
        ip netns exec "$ns" "$SF_BIN" env --nodes 2 --format json 2>&1
    } >>"$fab"
done
grep -E "^(===|export NCCL|export SPARKFABRIC_(MODE|INTERFACES)=|#)" "$fab"
: >"$WORK/env_none.sh"

counters() {  # counters LABEL: bytes sent on each interface of each namespace
    for ns in "${NS[@]}"; do
        for dev in "$MGMT_IF" "$FABRIC_IF"; do
            printf '%s %s %s tx_bytes %s\n' "$1" "$ns" "$dev" \
                "$(ip netns exec "$ns" cat "/sys/class/net/$dev/statistics/tx_bytes")"
        done
    done >>"$fab"
}

# run_pair NAME ENV_PREFIX PORT: rank r in ${NS[r]} on GPU r, sourcing $WORK/${ENV_PREFIX}_<ns>.sh
run_pair() {
    local name=$1 prefix=$2 port=$3 pids=() rcs=() r ns envfile
    step "run $name ($prefix)"
    counters "before-$name"
    for r in 0 1; do
        ns=${NS[$r]}
        envfile=$WORK/${prefix}_$ns.sh
        [ "$prefix" = env_none ] && envfile=$WORK/env_none.sh
        ip netns exec "$ns" env LD_LIBRARY_PATH="$BASE_LD" \
            RANK=$r LOCAL_RANK=0 WORLD_SIZE=2 MASTER_ADDR=192.168.200.1 MASTER_PORT=$port \
            CUDA_VISIBLE_DEVICES=$r NCCL_HOSTID="sparkfabric-$ns" \
            ENVFILE="$envfile" CHECK="$CHECK" JSON="$OUT/$name.json" \
            bash -c 'unset NCCL_SOCKET_IFNAME NCCL_ALGO NCCL_IB_HCA
                     . "$ENVFILE"
                     export NCCL_IB_DISABLE=1 NCCL_P2P_DISABLE=1 NCCL_SHM_DISABLE=1 \
                            NCCL_NVLS_ENABLE=0 NCCL_DEBUG=INFO
                     echo "rank $RANK in $(cat /proc/self/net/dev | sed 1,2d | cut -d: -f1 | tr -s " \n" " ")"
                     env | grep -E "^(NCCL|SPARKFABRIC|CUDA_VISIBLE|RANK|MASTER)" | sort
                     exec timeout 200 "$CHECK" '"${SWEEP[*]}"' --bootstrap env --json "$JSON"' \
            >"$OUT/$name.rank$r.tmp" 2>&1 &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; rcs+=($?); done
    counters "after-$name"
    {
        echo "# exit status rank0 rank1: ${rcs[*]} (0 pass, 1 below the 21.875 GB/s Spark mark, 2 error)"
        echo "# interface choice:"
        grep -hE "NET/Socket : Using|Bootstrap( :|:) Using|via NET/Socket|NCCL_SOCKET_IFNAME" \
            "$OUT/$name.rank0.tmp" "$OUT/$name.rank1.tmp" | sort | uniq -c
        echo "=== rank 0"; cat "$OUT/$name.rank0.tmp"
        echo "=== rank 1"; cat "$OUT/$name.rank1.tmp"
    } >"$OUT/$name.log"
    rm -f "$OUT/$name".rank*.tmp
    sed -n '1,/^=== rank 0/p' "$OUT/$name.log"
    sed -n '/^=== rank 0/,/^=== rank 1/p' "$OUT/$name.log" | grep -v "NCCL INFO" | grep -vE "^[A-Z_]+=" | tail -n 40
    local worst=0
    for rc in "${rcs[@]}"; do [ "$rc" -gt 1 ] && worst=1; done
    return $worst
}

status=0
run_pair runA env "$PORT" || status=1
run_pair runB env_none "$((PORT + 1))" || status=1
grep -E "^(before|after)-run" "$fab"
step "peak bus bandwidth (GB/s)"
python3 - "$OUT" <<'PY' || true
import json, sys, os
for run in ("runA", "runB"):
    path = os.path.join(sys.argv[1], run + ".json")
    try:
        doc = json.load(open(path))
    except Exception as e:
        print(run, "no results:", e); continue
    for coll in ("all_reduce", "all_gather"):
        rows = [r for r in doc.get("rows", []) if r.get("collective") == coll]
        if rows:
            best = max(rows, key=lambda r: r["busbw_gbps"])
            print(f"{run} {coll}: peak busbw {best['busbw_gbps']:.3f} at {best['size_bytes']} B, "
                  f"{best['time_us']:.1f} us, wrong {sum(r['wrong'] for r in rows)}")
PY
# shellcheck source=bench/gpu/pack_logs.sh
source bench/gpu/pack_logs.sh
pack_logs "$OUT"
step "overall: $([ $status -eq 0 ] && echo "both runs gave results" || echo FAIL)"
exit $status
