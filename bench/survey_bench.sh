#!/usr/bin/env bash
# Wall time of `spark-fabric survey` over a healthy emulated cluster of 2 and 10 nodes (all
# nodes' slurmd share this machine's cores), RUNS times each; the median goes to
# bench/results/survey.md. Goal: 10 nodes in at most 5 s.
#   bench/survey_bench.sh [BUILD_DIR] [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
runs=${2:-5}
source "$root/tools/cluster/session.sh"
require_build_visible_to_nodes "$build"
cluster_session_begin
result=$root/bench/results/survey.md
{
    echo "# spark-fabric survey, wall time"
    echo
    echo "\`bench/survey_bench.sh $runs\` on $(nproc) cores, $(date -u +%Y-%m-%d): healthy emulated cluster"
    echo "(real slurmctld and slurmd in network namespaces, the plugin loaded), \`salloc -N N spark-fabric"
    echo "survey\`, time as the survey reports it (both phases: reports, then TCP probes). $runs runs each."
    echo
    echo "| nodes | median | min | max | goal |"
    echo "| --- | --- | --- | --- | --- |"
} >"$result"
for nodes in 2 10; do
    sf_cluster_up "$nodes"
    printf 'required %s\n' "$build/spank/sparkfabric.so" >"$SF_CLUSTER_STATE/plugstack.conf"
    times=()
    for ((i = 0; i < runs; i++)); do
        out=$(salloc -Q -N "$nodes" "$build/tools/spark-fabric/spark-fabric" survey --color never 2>&1) ||
            { echo "$out" >&2; echo "survey failed" >&2; exit 1; }
        times+=("$(echo "$out" | sed -n 's/^survey took \([0-9]*\) ms$/\1/p')")
    done
    sorted=($(printf '%s\n' "${times[@]}" | sort -n))
    median=${sorted[$((runs / 2))]}
    goal="-"
    if [ "$nodes" = 10 ]; then goal=$([ "$median" -le 5000 ] && echo "met (<= 5000 ms)" || echo "MISSED by $((median - 5000)) ms"); fi
    echo "| $nodes | ${median} ms | ${sorted[0]} ms | ${sorted[$((runs - 1))]} ms | $goal |" >>"$result"
    sf_cluster_down
done
cat "$result"
