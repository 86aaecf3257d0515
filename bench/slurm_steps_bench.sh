#!/usr/bin/env bash
# Where the 10-node survey's time goes: one-node `srun --overlap` steps in a 10-node allocation of
# the emulated cluster (real slurmctld and slurmd in network namespaces, no plugin loaded), started
# all at once (what spark-fabric survey does in each of its two phases) and one after another.
# For every parallel round it also reports the longest pause between two RPCs that slurmctld
# logged as processed (SlurmctldDebug raised to debug2 for the run): a pause as long as the round
# says the steps waited in slurmctld, not in the nodes or in srun.
#   bench/slurm_steps_bench.sh [ROUNDS]                 on this machine's Slurm
#   bench/slurm_steps_bench.sh --debian13 [ROUNDS]      in the Debian 13 root (Slurm 24.11,
#                                                       tests/debian13/root.sh), the same script
# Appends one section with every round's raw time and the medians to bench/results/slurm_steps.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
result=$root/bench/results/slurm_steps.md

if [ "${1:-}" = --debian13 ]; then
    shift
    source "$root/tests/debian13/mounts.sh"
    d13=${SPARKFABRIC_DEBIAN13_ROOT:-/var/cache/sparkfabric/debian13}
    [ -x "$d13/usr/sbin/slurmctld" ] || { echo "no Debian 13 root at $d13: run tests/debian13/root.sh first" >&2; exit 1; }
    copy=/src/sparkfabric-bench
    rm -rf "${d13:?}$copy"
    mkdir -p "$d13$copy"
    (cd "$root" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) | tar -C "$d13$copy" -xf -
    chroot_mount "$d13"
    trap 'chroot_umount "$d13"' EXIT
    status=0
    flock -o /var/lock/sparkfabric-cluster.lock chroot "$d13" env -i HOME=/root LANG=C.UTF-8 \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        bash "$copy/bench/slurm_steps_bench.sh" "$@" || status=$?
    [ "$status" = 0 ] && cat "$d13$copy/bench/results/slurm_steps.md" >"$result"
    rm -rf "${d13:?}$copy"
    exit "$status"
fi

rounds=${1:-6}
source "$root/tools/cluster/session.sh"
cluster_session_begin
nodes=10
sf_cluster_up "$nodes"
: >"$SF_CLUSTER_STATE/plugstack.conf"  # no plugin: the steps alone
ctld_log=$SF_CLUSTER_STATE/log/slurmctld.log
scontrol setdebug debug2 >/dev/null

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# The longest gap, in ms, between two "Processing RPC" lines of slurmctld's log after line $1.
longest_rpc_pause() {
    tail -n +"$1" "$ctld_log" | sed -n 's/^\[[0-9-]*T\([0-9:.]*\)\] .*Processing RPC.*/\1/p' |
        awk -F: '{ t = ($1 * 3600 + $2 * 60 + $3) * 1000; if (NR > 1 && t - last > max) max = t - last; last = t }
                 END { printf "%d", max }'
}
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# In one allocation (as the survey runs), the test user's steps; each line: KIND MS [PAUSE_MS].
# The function's body runs under salloc; it reports on stdout.
steps_in_allocation() {
    local kind=$1 start i
    start=$(now_ms)
    if [ "$kind" = parallel ]; then
        for ((i = 1; i <= nodes; i++)); do srun --overlap -Q -N1 -n1 -w "spark-dgx-$i" true & done
        wait
    else
        for ((i = 1; i <= nodes; i++)); do srun --overlap -Q -N1 -n1 -w "spark-dgx-$i" true; done
    fi
    echo "$(($(now_ms) - start))"
}
export -f steps_in_allocation now_ms
export nodes

parallel=() serial=() pauses=()
for ((r = 0; r < rounds; r++)); do
    mark=$(($(wc -l <"$ctld_log") + 1))
    parallel+=("$(as_user salloc -Q -N "$nodes" bash -c 'steps_in_allocation parallel')")
    pauses+=("$(longest_rpc_pause "$mark")")
    serial+=("$(as_user salloc -Q -N "$nodes" bash -c 'steps_in_allocation serial')")
done
slurm=$(sinfo --version | awk '{print $2}')
sf_cluster_down

{
    [ -s "$result" ] || {
        echo "# One-node steps in a 10-node allocation: all at once and one after another"
        echo
        echo "Written by \`bench/slurm_steps_bench.sh\` (see its header): emulated 10-node cluster, no plugin,"
        echo "\`srun --overlap -N1 -n1 -w NODE true\` to each node, in a fresh \`salloc -N10\` per round."
        echo "\"pause\": the longest gap between two RPCs slurmctld logged as processed, from the start of a parallel round until its salloc returned."
    }
    echo
    echo "## Slurm $slurm, $(date -u +%Y-%m-%d), $(nproc) cores, $rounds rounds"
    echo
    echo "| | median | every round (ms) |"
    echo "| --- | --- | --- |"
    echo "| 10 steps at once | $(median "${parallel[@]}") ms | ${parallel[*]} |"
    echo "| slurmctld's longest pause in those rounds | $(median "${pauses[@]}") ms | ${pauses[*]} |"
    echo "| 10 steps one after another | $(median "${serial[@]}") ms | ${serial[*]} |"
} >>"$result"
tail -n 8 "$result"
