#!/usr/bin/env bash
# Runs every cluster shape's plan (bench/gpu/shapes/plans/*.env, made by shape_plans.sh) on real
# NCCL: all_reduce, broadcast, all_gather and reduce_scatter through spark-nccl-check, 2 ranks
# that NCCL takes for two hosts (NCCL_HOSTID per rank, P2P and SHM off, so it uses its network
# transport). Rank r uses GPU r modulo the GPUs visible (spark-nccl-check), so one GPU serves
# both ranks: NCCL refuses two ranks on one GPU only when their host hashes match too
# (src/init.cc:807-808 in NCCL v2.28.3-1), and NCCL_HOSTID replaces the string that hash is made
# of (src/misc/utils.cc:87-89). A value NCCL accepts is not a value it can run: this is the
# check that catches an NCCL_ALGO leaving a collective without an algorithm.
#
# Applied from each plan: every NCCL_* variable except NCCL_SOCKET_IFNAME, which names Spark
# interfaces this host lacks and is replaced by lo. NCCL_IB_* are exported too but never reach
# NCCL's IB transport here: no RDMA devices, and with NCCL_IB_DISABLE=1 its init returns
# before it reads NCCL_IB_HCA (src/transport/net_ib.cc:631, 655). Results: $OUT (default
# bench/gpu/results/shapes): summary.md and each plan's JSON there, the logs (setup.log and
# each plan's) packed at the end into raw-logs.tar.xz (pack_logs.sh). Exit 0 when every plan
# ran all four collectives with no wrong value and the old Tree default failed as it must.
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:-bench/gpu/results/shapes}
mkdir -p "$OUT"
rm -f "$OUT"/*.log "$OUT"/*.json "$OUT/raw-logs.tar.xz"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
{ uname -srm; nvidia-smi -L; nvidia-smi --query-gpu=name,pci.bus_id,driver_version --format=csv; } >"$OUT/setup.log" 2>&1
# shellcheck source=bench/gpu/build.sh
source bench/gpu/build.sh "$OUT/setup.log"
# shellcheck source=bench/gpu/pack_logs.sh
source bench/gpu/pack_logs.sh

harness=(NCCL_NVLS_ENABLE=0 NCCL_IB_DISABLE=1 NCCL_P2P_DISABLE=1 NCCL_SHM_DISABLE=1 NCCL_SOCKET_IFNAME=lo
         NCCL_DEBUG=INFO NCCL_DEBUG_SUBSYS=INIT,ENV,NET,TUNING)
status=0
{
    echo "| plan | NCCL_ALGO | applied | ignored here (no RDMA) | exit | all_reduce | broadcast | all_gather | reduce_scatter | result |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
} >"$OUT/summary.md"
for plan in bench/gpu/shapes/plans/*.env; do
    name=$(basename "$plan" .env)
    applied=() ignored=() exports=()
    # The plan is shell (values quoted where needed, e.g. per-collective NCCL_ALGO): let bash
    # read it, in a clean environment, and list what it sets.
    while IFS='=' read -r variable value; do
        case $variable in
            NCCL_SOCKET_IFNAME) continue ;;
            NCCL_IB_*) ignored+=("$variable") ;;
            *) applied+=("$variable=$value") ;;
        esac
        exports+=("$variable=$value")
    done < <(env -i bash -c 'source "$1"; for v in ${!NCCL_@}; do printf "%s=%s\n" "$v" "${!v}"; done' plan "$plan")
    algo=unset
    for pair in "${exports[@]}"; do [[ $pair == NCCL_ALGO=* ]] && algo=${pair#NCCL_ALGO=}; done
    forwarded=()
    for pair in "${harness[@]}" "${exports[@]}"; do forwarded+=(-x "$pair"); done
    echo "=== $name: ${exports[*]}"
    timeout 300 mpirun -np 2 --bind-to none --mca btl_vader_single_copy_mechanism none "${forwarded[@]}" \
        bash -c 'export NCCL_HOSTID=spark-node-$OMPI_COMM_WORLD_RANK; exec "$@"' rank \
        "$CHECK" --min-bytes 1K --max-bytes 64M --iters 5 --warmup 2 --threshold 0 --json "$OUT/$name.json" \
        >"$OUT/$name.log" 2>&1
    rc=$?
    peaks=()
    for collective in all_reduce broadcast all_gather reduce_scatter; do
        if [ -s "$OUT/$name.json" ]; then
            peaks+=("$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); rows=[r for r in d["rows"] if r["collective"]==sys.argv[2]]; print("%.2f GB/s, %d sizes, %d wrong" % (max(r["busbw_gbps"] for r in rows), len(rows), sum(r["wrong"] for r in rows)) if rows else "did not run")' "$OUT/$name.json" "$collective")")
        else
            peaks+=("did not run")
        fi
    done
    ran=yes
    [ $rc -eq 0 ] || ran=no
    for peak in "${peaks[@]}"; do [[ $peak == *", 0 wrong" ]] || ran=no; done
    if [ "$name" = old-default-tree ]; then
        # Must fail, and for the right reason.
        if [ $ran = no ] && grep -q "no algorithm" "$OUT/$name.log"; then result="FAILS as expected (no algorithm)"
        else result="UNEXPECTED: ran"; status=1; fi
    elif [ $ran = yes ]; then result="all four ran"
    else result="FAILED"; status=1; fi
    echo "| $name | $algo | ${applied[*]:-} | ${ignored[*]:-} | $rc | ${peaks[0]} | ${peaks[1]} | ${peaks[2]} | ${peaks[3]} | $result |" >>"$OUT/summary.md"
    echo "$result"
    grep -E "NCCL_ALGO|no algorithm|Using network|NCCL version" "$OUT/$name.log" | sort -u | head -6
done
pack_logs "$OUT"
cat "$OUT/summary.md"
echo "overall: $([ $status -eq 0 ] && echo PASS || echo FAIL)"
exit $status
