#!/usr/bin/env bash
# Draws bench/results/cpu.png from the medians in bench/results/cpu.json (bench/run.sh calls it;
# run it alone to redraw). Needs gnuplot (Debian: gnuplot-nox).
# shellcheck disable=SC2154  # step_* and launch_* are assigned by the eval below
set -euo pipefail
results=$(cd "$(dirname "$0")" && pwd)/results
command -v gnuplot >/dev/null || { echo "plot_cpu.sh: no gnuplot, cpu.png not redrawn" >&2; exit 0; }
# The numbers gnuplot needs, as shell assignments, from the JSON record.
eval "$(python3 - "$results/cpu.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s, l = d["step_ms"], d["launch_ms"]
for k in ("none_2", "none_10", "plugin_2", "plugin_10", "prolog_2", "prolog_10"):
    print(f"step_{k}={s[k]}")
for k in ("hand_2", "hand_10", "ours_2", "ours_10"):
    print(f"launch_{k}={l[k]}")
PY
)"
gnuplot <<PLOT
set terminal pngcairo size 900,420 font ",10" noenhanced
set output "$results/cpu.png"
set multiplot layout 1,2
set style data histograms
set style fill solid 0.8
set key top left
set ylabel "ms (median)"
set title "srun true: step time"
set yrange [0:*]
set xtics ("-N2" 0, "-N10" 1)
plot '-' using 1 title "no plugin", '-' using 1 title "sparkfabric", '-' using 1 title "TaskProlog script (fast)"
$step_none_2
$step_none_10
e
$step_plugin_2
$step_plugin_10
e
$step_prolog_2
$step_prolog_10
e
set title "launch line start to first all_reduce"
plot '-' using 1 title "hand-written torchrun", '-' using 1 title "spark-launch"
$launch_hand_2
$launch_hand_10
e
$launch_ours_2
$launch_ours_10
e
unset multiplot
PLOT
