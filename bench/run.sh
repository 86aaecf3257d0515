#!/usr/bin/env bash
# sparkfabric CPU benchmarks, one command: bench/run.sh [BUILD_DIR]
# Writes bench/results/cpu.md, cpu.json, cpu_raw.tsv and cpu.png (plot_cpu.sh, needs gnuplot). Every figure is a ratio measured within
# this one run, on the emulated cluster (real slurmctld/slurmd in network namespaces).
#   1. step overhead: srun -N2 true and srun -N10 true with no plugin, with sparkfabric, and
#      with a TaskProlog shell script doing the same discovery, written to be fast
#      (bench/taskprolog_seed.sh; same fixture tree for both)
#   2. discovery + plan + checks per step on the largest fixture with a 10-node site config
#   3. launch to first collective: from a timestamp taken inside the allocation just before the
#      launch line starts to rank 0's return from its first all_reduce (bench/first_collective.py),
#      spark-launch torchrun vs a hand-written torchrun line; the whole salloc is recorded too
# Every run's raw timing goes to cpu_raw.tsv and cpu.json beside the medians, and the load
# average (uptime) before and after each section to both, since the machine is shared.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
results="$here/results"
mkdir -p "$results"
source "$root/tools/cluster/session.sh"
require_build_visible_to_nodes "$build"
cluster_session_begin
STEP_RUNS=${BENCH_STEP_RUNS:-200}  # a step is ~50-150 ms; the noise between two runs is ~1 ms
LAUNCH_RUNS=${BENCH_LAUNCH_RUNS:-5}
PROLOG_RUNS=${BENCH_PROLOG_RUNS:-50}
fixture="$build/fixtures/two-cables"
plugin="$build/spank/sparkfabric.so"
json="$results/cpu.json"
raw="$results/cpu_raw.tsv"
printf 'section\tnodes\trun\tvariant\tms\n' >"$raw"
declare -A load
load_now() { uptime | sed 's/.*load average: //'; }
raw_rows() {  # SECTION NODES VARIANT...: "v1 v2 ..." per run on stdin -> rows of cpu_raw.tsv
    awk -v sec="$1" -v n="$2" -v names="${*:3}" 'BEGIN{k = split(names, v, " ")}
        {for (i = 1; i <= k; i++) printf "%s\t%s\t%d\t%s\t%s\n", sec, n, NR, v[i], $i}' >>"$raw"
}
json_list() {  # the column COLUMN of stdin as a JSON list
    awk -v c="$1" '{printf "%s%s", (NR > 1 ? ", " : "["), $c} END{printf "]"}'
}
pct() {  # P: the P-th percentile (nearest rank) of stdin
    sort -n | awk -v p="$1" '{a[NR]=$1} END{i = int(NR * p / 100 + 0.5); if (i < 1) i = 1; print a[i]}'
}

median() { sort -n | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
column_median() {  # COLUMN: the median of that column of stdin's rows (one run a row)
    awk -v c="$1" '{print $c}' | median
}
now_ms() { date +%s%N | awk '{printf "%.3f", $1/1e6}'; }
time_ms() {  # CMD...: wall milliseconds of one run
    local start end
    start=$(now_ms)
    if ! "$@" >/dev/null 2>&1; then
        echo "bench: '$*' failed; the log of that try follows" >&2
        "$@" >&2 || true
        exit 1
    fi
    end=$(now_ms)
    awk -v a="$start" -v b="$end" 'BEGIN{printf "%.3f\n", b-a}'
}
set_plugstack() {  # none | plugin: srun and each new slurmstepd read plugstack.conf afresh
    if [ "$1" = plugin ]; then
        echo "required $plugin sysfs_root=$fixture/sys procfs_root=$fixture/proc" > "$SF_CLUSTER_STATE/plugstack.conf"
    else
        : > "$SF_CLUSTER_STATE/plugstack.conf"
    fi
}
set_prolog() {  # on | off: TaskProlog lives in slurm.conf, so the daemons must reread it
    sed -i '/^TaskProlog=/d' "$SF_CLUSTER_STATE/slurm.conf"
    if [ "$1" = on ]; then
        printf '#!/bin/bash\n[ -e %s ] || exit 0\nSEED_SYSFS_ROOT=%s exec %s\n' "$SF_CLUSTER_STATE/prolog.on" \
            "$fixture/sys" "$here/taskprolog_seed.sh" > "$SF_CLUSTER_STATE/taskprolog.sh"
        touch "$SF_CLUSTER_STATE/prolog.on"
        chmod +x "$SF_CLUSTER_STATE/taskprolog.sh"
        echo "TaskProlog=$SF_CLUSTER_STATE/taskprolog.sh" >> "$SF_CLUSTER_STATE/slurm.conf"
    fi
    scontrol reconfigure >/dev/null
    sleep 2
    srun -N10 true >/dev/null 2>&1  # warm
}

echo "bench: 1. step overhead ($STEP_RUNS paired runs per figure)"
sf_cluster_up 10
declare -A step rawstep
load[step_before]=$(load_now)
for n in 2 10; do
    # Paired runs: no plugin and sparkfabric alternate, so drift in the machine's load falls on
    # both alike; the added cost is the median of the per-pair differences.
    # The third run of each triple is the plugin on a node with nothing to report: this sandbox
    # cannot raise the locked-memory limit, so every step above prints a memlock warning from
    # every node; --fabric-check=off does the same discovery and plan and prints nothing.
    # The order within a triple rotates, so no variant always runs first or after another.
    pairs=$(for ((i = 0; i < STEP_RUNS; i++)); do
        declare -A t=()
        for ((k = 0; k < 3; k++)); do
            case $(((i + k) % 3)) in
                0) set_plugstack none;   t[a]=$(time_ms srun -N "$n" true) ;;
                1) set_plugstack plugin; t[b]=$(time_ms srun -N "$n" true) ;;
                2) set_plugstack plugin; t[c]=$(time_ms srun -N "$n" --fabric-check=off true) ;;
            esac
        done
        echo "${t[a]} ${t[b]} ${t[c]}"
    done)
    rawstep[$n]=$pairs
    echo "$pairs" | raw_rows step "$n" none plugin plugin_nothing_to_report
    for col in 1 2 3; do
        step[p10_$col,$n]=$(echo "$pairs" | awk -v c=$col '{print $c}' | pct 10)
        step[p90_$col,$n]=$(echo "$pairs" | awk -v c=$col '{print $c}' | pct 90)
    done
    step[none,$n]=$(echo "$pairs" | column_median 1)
    step[plugin,$n]=$(echo "$pairs" | column_median 2)
    step[added,$n]=$(echo "$pairs" | awk '{printf "%.3f\n", $2 - $1}' | median)
    step[quiet,$n]=$(echo "$pairs" | column_median 3)
    step[quiet_added,$n]=$(echo "$pairs" | awk '{printf "%.3f\n", $3 - $1}' | median)
    echo "  -N$n: none ${step[none,$n]} ms, plugin ${step[plugin,$n]} ms (added ${step[added,$n]} ms)," \
         "nothing to report ${step[quiet,$n]} ms (added ${step[quiet_added,$n]} ms)"
done
load[step_after]=$(load_now)
set_plugstack plugin
injected=$(srun -N1 printenv NCCL_IB_HCA)  # the plugin really injected something in those runs
set_plugstack none
set_prolog on
load[prolog_before]=$(load_now)
declare -A rawprolog
for n in 2 10; do
    # Paired too: the TaskProlog line stays in slurm.conf (switching it needs a reconfigure) and
    # a flag file says whether the script runs or the TaskProlog exits at once, alternating, so
    # the script's discovery is also measured against a TaskProlog that does nothing.
    pairs=$(for ((i = 0; i < PROLOG_RUNS; i++)); do
        declare -A t=()
        for ((k = 0; k < 2; k++)); do
            if [ $(((i + k) % 2)) = 0 ]; then touch "$SF_CLUSTER_STATE/prolog.on"; t[s]=$(time_ms srun -N "$n" true)
            else rm -f "$SF_CLUSTER_STATE/prolog.on"; t[e]=$(time_ms srun -N "$n" true); fi
        done
        echo "${t[s]} ${t[e]}"
    done)
    rawprolog[$n]=$pairs
    echo "$pairs" | raw_rows step "$n" taskprolog_script taskprolog_empty
    step[prolog,$n]=$(echo "$pairs" | column_median 1)
    step[prolog_empty,$n]=$(echo "$pairs" | column_median 2)
    step[prolog_discovery,$n]=$(echo "$pairs" | awk '{printf "%.3f\n", $1 - $2}' | median)
    echo "  TaskProlog script -N$n: ${step[prolog,$n]} ms, TaskProlog exiting at once ${step[prolog_empty,$n]} ms"
done
touch "$SF_CLUSTER_STATE/prolog.on"
scripted=$(srun -N1 printenv NCCL_IB_HCA)
set_prolog off
load[prolog_after]=$(load_now)

echo "bench: 2. discovery + plan + checks per step"
load[plan_before]=$(load_now)
plan=$("$build/bench/plan_bench" "$fixture/sys" "$fixture/proc" "$fixture/addresses.yaml" "$here/site-10-nodes.yaml" 500)
load[plan_after]=$(load_now)
echo "  $plan"

echo "bench: 3. launch to first collective ($LAUNCH_RUNS runs per figure)"
printf 'required %s\n' "$plugin" > "$SF_CLUSTER_STATE/plugstack.conf"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
torch_opts="--torchrun /usr/bin/torchrun --torchrun-arg=--redirects=1 --torchrun-arg=--tee=1"
# Both lines print the wall clock (bash's $EPOCHREALTIME: no process) inside the allocation just
# before the launch line starts; first_collective.py prints it when rank 0's first all_reduce
# has returned. The nodes are namespaces of this machine: one clock.
hand_line() {  # NODES: the torchrun line people write by hand in an allocation: the first
    # node of the job as rendezvous host, by name, a fixed port
    local n=$1
    salloc -N "$n" bash -c "echo LAUNCH_START=\$EPOCHREALTIME; \
head=\$(scontrol show hostnames \"\$SLURM_JOB_NODELIST\" | head -n1); \
exec srun --ntasks-per-node=1 /usr/bin/torchrun --nnodes=$n --nproc_per_node=1 --rdzv_backend=c10d \
--rdzv_endpoint=\$head:29400 --rdzv_id=hand-\$SLURM_JOB_ID --redirects=1 --tee=1 $here/first_collective.py"
}
# shellcheck disable=SC2086,SC2016
ours() {
    salloc -N "$1" bash -c 'echo LAUNCH_START=$EPOCHREALTIME; exec "$@"' launch \
        "$build/launcher/spark-launch" $torch_opts torchrun -- "$here/first_collective.py"
}
launch_run() {  # hand_line|ours NODES: "ms to first collective" "ms of the whole salloc"
    local out start end t0 finished
    start=$(now_ms)
    if ! out=$(LC_ALL=C "$1" "$2" 2>&1); then
        echo "bench: $1 -N$2 failed:" >&2; echo "$out" >&2; exit 1
    fi
    end=$(now_ms)
    t0=$(sed -n 's/.*LAUNCH_START=\([0-9.]*\).*/\1/p' <<<"$out" | head -n1)
    finished=$(sed -n 's/.*FIRST_COLLECTIVE_OK.* done=\([0-9.]*\).*/\1/p' <<<"$out" | head -n1)
    if [ -z "$t0" ] || [ -z "$finished" ]; then
        echo "bench: $1 -N$2 printed no timestamps:" >&2; echo "$out" >&2; exit 1
    fi
    awk -v s="$t0" -v d="$finished" -v a="$start" -v b="$end" 'BEGIN{printf "%.3f %.3f\n", (d - s) * 1000, b - a}'
}
declare -A launch rawlaunch
load[launch_before]=$(load_now)
for n in 2 10; do
    # Alternating, the order swapped every run, so neither launcher always goes first.
    runs=$(for ((i = 0; i < LAUNCH_RUNS; i++)); do
        if [ $((i % 2)) = 0 ]; then h=$(launch_run hand_line "$n"); o=$(launch_run ours "$n")
        else o=$(launch_run ours "$n"); h=$(launch_run hand_line "$n"); fi
        echo "$h $o"
    done)
    rawlaunch[$n]=$runs
    echo "$runs" | raw_rows launch "$n" hand_first_collective hand_salloc ours_first_collective ours_salloc
    launch[hand,$n]=$(echo "$runs" | column_median 1)
    launch[hand_salloc,$n]=$(echo "$runs" | column_median 2)
    launch[ours,$n]=$(echo "$runs" | column_median 3)
    launch[ours_salloc,$n]=$(echo "$runs" | column_median 4)
    echo "  -N$n to first collective: hand-written ${launch[hand,$n]} ms, spark-launch ${launch[ours,$n]} ms;" \
         "whole salloc: ${launch[hand_salloc,$n]} ms, ${launch[ours_salloc,$n]} ms"
done
load[launch_after]=$(load_now)
sf_cluster_down

launch_table() {  # HAND_KEY OURS_KEY HAND_RAW_COLUMN OURS_RAW_COLUMN: a markdown table of launch[] and rawlaunch[]
    local n
    echo "| nodes | hand-written torchrun line | spark-launch torchrun | ratio | raw, hand-written (ms) | raw, spark-launch (ms) |"
    echo "|---|---|---|---|---|---|"
    for n in 2 10; do
        echo "| $n | ${launch[$1,$n]} ms | ${launch[$2,$n]} ms | $(ratio "${launch[$2,$n]}" "${launch[$1,$n]}")x | $(spaced "${rawlaunch[$n]}" "$3") | $(spaced "${rawlaunch[$n]}" "$4") |"
    done
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.3f", a/b}'; }
diff_ms() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a-b}'; }
plan_us=$(echo "$plan" | sed 's/.*"median_us": \([0-9.]*\).*/\1/')
machine="$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"
versions="slurm $(sinfo --version | cut -d' ' -f2), torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)' 2>/dev/null), $(mpirun --version 2>/dev/null | head -1)"
cat > "$json" <<JSON
{"date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "machine": "$machine", "versions": "$versions",
 "commit": "$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- . ':!bench/results' || echo ' (with uncommitted changes)')",
 "runs": {"step": $STEP_RUNS, "taskprolog": $PROLOG_RUNS, "launch": $LAUNCH_RUNS},
 "load_average_1_5_15": {"step_before": "${load[step_before]}", "step_after": "${load[step_after]}",
     "taskprolog_before": "${load[prolog_before]}", "taskprolog_after": "${load[prolog_after]}",
     "plan_before": "${load[plan_before]}", "plan_after": "${load[plan_after]}",
     "launch_before": "${load[launch_before]}", "launch_after": "${load[launch_after]}"},
 "step_ms": {"none_2": ${step[none,2]}, "plugin_2": ${step[plugin,2]}, "prolog_2": ${step[prolog,2]},
             "none_10": ${step[none,10]}, "plugin_10": ${step[plugin,10]}, "prolog_10": ${step[prolog,10]},
             "plugin_added_2": ${step[added,2]}, "plugin_added_10": ${step[added,10]},
             "quiet_2": ${step[quiet,2]}, "quiet_10": ${step[quiet,10]},
             "quiet_added_2": ${step[quiet_added,2]}, "quiet_added_10": ${step[quiet_added,10]},
             "prolog_empty_2": ${step[prolog_empty,2]}, "prolog_empty_10": ${step[prolog_empty,10]},
             "prolog_discovery_added_2": ${step[prolog_discovery,2]}, "prolog_discovery_added_10": ${step[prolog_discovery,10]}},
 "plan_bench": $plan,
 "launch_ms": {"hand_2": ${launch[hand,2]}, "ours_2": ${launch[ours,2]}, "hand_10": ${launch[hand,10]}, "ours_10": ${launch[ours,10]},
               "hand_salloc_2": ${launch[hand_salloc,2]}, "ours_salloc_2": ${launch[ours_salloc,2]},
               "hand_salloc_10": ${launch[hand_salloc,10]}, "ours_salloc_10": ${launch[ours_salloc,10]}},
 "raw_ms": {
   "step_2": {"none": $(echo "${rawstep[2]}" | json_list 1), "plugin": $(echo "${rawstep[2]}" | json_list 2), "plugin_nothing_to_report": $(echo "${rawstep[2]}" | json_list 3)},
   "step_10": {"none": $(echo "${rawstep[10]}" | json_list 1), "plugin": $(echo "${rawstep[10]}" | json_list 2), "plugin_nothing_to_report": $(echo "${rawstep[10]}" | json_list 3)},
   "taskprolog_2": {"script": $(echo "${rawprolog[2]}" | json_list 1), "empty": $(echo "${rawprolog[2]}" | json_list 2)},
   "taskprolog_10": {"script": $(echo "${rawprolog[10]}" | json_list 1), "empty": $(echo "${rawprolog[10]}" | json_list 2)},
   "launch_2": {"hand_first_collective": $(echo "${rawlaunch[2]}" | json_list 1), "hand_salloc": $(echo "${rawlaunch[2]}" | json_list 2),
                "ours_first_collective": $(echo "${rawlaunch[2]}" | json_list 3), "ours_salloc": $(echo "${rawlaunch[2]}" | json_list 4)},
   "launch_10": {"hand_first_collective": $(echo "${rawlaunch[10]}" | json_list 1), "hand_salloc": $(echo "${rawlaunch[10]}" | json_list 2),
                 "ours_first_collective": $(echo "${rawlaunch[10]}" | json_list 3), "ours_salloc": $(echo "${rawlaunch[10]}" | json_list 4)}},
 "injected": "$injected", "scripted": "$scripted"}
JSON
python3 -m json.tool "$json" >/dev/null  # fail here, not in a reader, if a value broke the JSON
spaced() { echo "$1" | awk -v c="$2" '{printf "%s%s", (NR > 1 ? ", " : ""), $c}'; }
{
echo "# sparkfabric CPU benchmarks"
echo
echo "Made by \`bench/run.sh\` on $(date -u +%Y-%m-%d) at commit $(git -C "$root" rev-parse --short HEAD): $machine; $versions."
echo "Emulated cluster: real slurmctld and 10 slurmd in network namespaces on this one machine, which other work shared during the run (load averages below)."
echo "Medians of $STEP_RUNS step runs per variant, $PROLOG_RUNS TaskProlog runs per variant and $LAUNCH_RUNS launch runs per launcher. Variants alternate within each run (paired, order rotating), so load drift falls on all alike. Every figure is a ratio or difference within this run. Every run's raw timing is in [cpu_raw.tsv](cpu_raw.tsv) and in cpu.json (\`raw_ms\`)."
echo
echo "Load average (1, 5, 15 min, \`uptime\`) before / after: step runs ${load[step_before]} / ${load[step_after]}; TaskProlog runs ${load[prolog_before]} / ${load[prolog_after]}; plan bench ${load[plan_before]} / ${load[plan_after]}; launch runs ${load[launch_before]} / ${load[launch_after]}."
echo
echo "## 1. Step overhead (srun true)"
echo
echo "| nodes | no plugin | sparkfabric | TaskProlog script | sparkfabric added (median of paired differences) | script added (vs no plugin, unpaired) | script cost / sparkfabric cost |"
echo "|---|---|---|---|---|---|---|"
for n in 2 10; do
    added=${step[added,$n]}
    script_added=$(diff_ms "${step[prolog,$n]}" "${step[none,$n]}")
    echo "| $n | ${step[none,$n]} ms | ${step[plugin,$n]} ms ($(ratio "${step[plugin,$n]}" "${step[none,$n]}")x) | ${step[prolog,$n]} ms ($(ratio "${step[prolog,$n]}" "${step[none,$n]}")x) | $added ms | $script_added ms | $(awk -v s="$script_added" -v p="$added" 'BEGIN{ if (p <= 0.05) print "plugin cost below noise"; else printf "%.1fx", s/p}') |"
done
echo
echo "Spread of the step runs (10th / 90th percentile): "
for n in 2 10; do
    echo "-N$n no plugin ${step[p10_1,$n]} / ${step[p90_1,$n]} ms, sparkfabric ${step[p10_2,$n]} / ${step[p90_2,$n]} ms, nothing to report ${step[p10_3,$n]} / ${step[p90_3,$n]} ms."
done
echo
echo "The TaskProlog script is [taskprolog_seed.sh](../taskprolog_seed.sh): a TaskProlog shell script doing the same discovery (RDMA device to netdev, carrier and port state, the RoCE v2 GID holding an IPv4-mapped address), written to be fast (\`read\` builtins, one \`grep\` over the GID tables of all active ports). Its runs alternate with runs where the same TaskProlog exits at once (a flag file; switching TaskProlog off needs a reconfigure), so its discovery is also measured paired:"
echo
echo "| nodes | TaskProlog exiting at once | TaskProlog script | script added over an empty TaskProlog (median of paired differences) |"
echo "|---|---|---|---|"
for n in 2 10; do
    echo "| $n | ${step[prolog_empty,$n]} ms | ${step[prolog,$n]} ms | ${step[prolog_discovery,$n]} ms |"
done
echo
echo "Both read the same fixture tree (4 RDMA ports x 256 GID entries). Injected NCCL_IB_HCA: plugin \`$injected\`, script \`$scripted\`."
echo "Goals: sparkfabric adds at most 3% or 2 ms per step (whichever is larger), and costs at least 20x less than the script (script added over no plugin / sparkfabric added; the table's last column)."
echo
echo "Every step above printed this sandbox's memlock warning from each node (the limit cannot be raised here). The same discovery and plan on a node with nothing to report (\`--fabric-check=off\`, same runs, paired):"
echo
echo "| nodes | sparkfabric, nothing to report | added (median of paired differences) |"
echo "|---|---|---|"
for n in 2 10; do
    echo "| $n | ${step[quiet,$n]} ms ($(ratio "${step[quiet,$n]}" "${step[none,$n]}")x) | ${step[quiet_added,$n]} ms |"
done
echo
for n in 2 10; do
    awk -v n="$n" -v none="${step[none,$n]}" -v added="${step[added,$n]}" -v quiet="${step[quiet_added,$n]}" 'BEGIN{
        allowed = 0.03 * none; if (allowed < 2) allowed = 2
        printf "- %d nodes: allowed %.2f ms; added %.2f ms with the warning (%s), %.2f ms with nothing to report (%s)\n",
               n, allowed, added, added <= allowed ? "met" : sprintf("missed by %.2f ms", added - allowed),
               quiet, quiet <= allowed ? "met" : sprintf("missed by %.2f ms", quiet - allowed) }'
done
echo
echo "## 2. Discovery + plan + checks, one node, one step"
echo
echo "Largest fixture (two cables: 4 RDMA ports x 256 GID entries), 10-node site config, in one process (\`plan_bench\`): median **$plan_us us** ($plan). Goal: at most 2000 us."
echo
echo "## 3. Launch to first collective (gloo all_reduce)"
echo
echo "Measured per run: from the wall clock printed inside the allocation just before the launch line starts (\`echo \$EPOCHREALTIME\` in the shell salloc runs, before \`spark-launch\`, or before the hand-written line's \`scontrol show hostnames\` and \`srun torchrun\`) to the wall clock rank 0 prints when its first all_reduce has returned (all ranks have joined it then). Not included: salloc's allocation before it and the teardown after. The whole salloc, from the command's start to its exit, is the second table."
echo
launch_table hand ours 1 3
echo
echo "10 nodes / 2 nodes: spark-launch $(ratio "${launch[ours,10]}" "${launch[ours,2]}")x, hand-written line $(ratio "${launch[hand,10]}" "${launch[hand,2]}")x. Goals: at most 1.1x the hand-written line; 10 nodes at most 1.5x 2 nodes."
echo
echo "Whole salloc (allocation, launch, first collective, exit and teardown):"
echo
launch_table hand_salloc ours_salloc 2 4
echo
echo "The emulated nodes share this machine's $(nproc) cores: ten torchrun agents and ten Python processes importing torch run side by side here, where on ten Sparks each has its own CPU. So 10-node figures (here and in section 1) carry the serialised per-node work of all ten nodes; compare the two launchers within a row."
echo
echo "![step overhead and launch](cpu.png)"
} > "$results/cpu.md"

"$here/plot_cpu.sh"  # cpu.png from cpu.json
cat "$results/cpu.md"
