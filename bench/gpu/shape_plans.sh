#!/usr/bin/env bash
# Writes each cluster shape's plan (bench/gpu/shapes/shapes.txt) as `spark-fabric env` prints it,
# into bench/gpu/shapes/plans/NAME.env, from the fixture trees of a build. The GPU machine has
# no yaml-cpp or hwloc, so plans are made here and bench/gpu/shapes_check.sh runs them there.
#   bench/gpu/shape_plans.sh [--check] [BUILD_DIR]   (default build)
# --check writes nothing: it fails when the committed plans differ from what the build plans
# now (a CTest test), since then the GPU record no longer shows today's plans.
set -euo pipefail
cd "$(dirname "$0")/../.."
check=false
if [ "${1:-}" = --check ]; then check=true; shift; fi
build=${1:-build}
fabric=$build/tools/spark-fabric/spark-fabric
fixtures=$build/fixtures
committed=bench/gpu/shapes/plans
out=$committed
if $check; then out=$(mktemp -d); trap 'rm -rf "$out"' EXIT; fi
[ -x "$fabric" ] && [ -d "$fixtures" ] || { echo "build first: scripts/build $build" >&2; exit 2; }
rm -f "$out"/*.env
while read -r name fixture nodes config; do
    case $name in ''|'#'*) continue ;; esac
    args=(--sysfs-root "$fixtures/$fixture/sys" --procfs-root "$fixtures/$fixture/proc"
          --addresses "$fixtures/$fixture/addresses.yaml")
    [ "$config" = - ] || args+=(--config "bench/gpu/shapes/configs/$config.yaml")
    {
        echo "# $name: fixture $fixture, $nodes nodes, site config $config"
        "$fabric" "${args[@]}" env --nodes "$nodes" --format sh 2>&1  # findings come as "# " lines
    } >"$out/$name.env"
done <bench/gpu/shapes/shapes.txt
# The plan sparkfabric gave every job of 5 or more nodes before it had a topology model: the
# check must catch it (broadcast, all_gather and reduce_scatter have no Tree algorithm).
printf '%s\n' "# old-default-tree: the former nccl.algo default for 5+ nodes (expected to FAIL)" \
    "export NCCL_ALGO=Tree" >"$out/old-default-tree.env"
if $check; then
    # Variables only: findings name this machine's hostname.
    if ! diff <(cd "$committed" && grep -H '^export' ./*.env) <(cd "$out" && grep -H '^export' ./*.env); then
        echo "FAIL: the plans in $committed are not what sparkfabric plans now: run bench/gpu/shape_plans.sh," >&2
        echo "then bench/gpu/shapes_check.sh on a GPU machine (bench/gpu/SHAPES.md)" >&2
        exit 1
    fi
    echo "PASS: $(ls "$out" | wc -l) shape plans match bench/gpu/shapes/plans"
else
    ls "$out"
fi
