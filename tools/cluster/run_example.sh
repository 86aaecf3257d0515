#!/usr/bin/env bash
# Runs one example job on a fresh emulated cluster with the plugin loaded, shows its output and
# takes the cluster down again. Usage: run_example.sh NODES EXAMPLE [BUILD_DIR]
#   EXAMPLE: an .sbatch script (submitted with sbatch --wait) or a script for salloc.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
nodes=${1:?usage: run_example.sh NODES EXAMPLE [BUILD_DIR]}
example=$(cd "$(dirname "${2:?}")" && pwd)/$(basename "$2")
build=$(cd "${3:-$root/build}" && pwd)
source "$here/session.sh"
require_build_visible_to_nodes "$build"
cluster_session_begin

sf_cluster_up "$nodes"
printf 'required %s\n' "$build/spank/sparkfabric.so" > "$SF_CLUSTER_STATE/plugstack.conf"
export PATH="$build/launcher:$build/tools/spark-fabric:$build/tools/nccl_check:$PATH"
export SPARKFABRIC_EXAMPLES="$root/examples" SPARKFABRIC_MPI_CHECK="$build/examples/mpi_fabric_check"
# As a user types it: no torchrun flags, no root (spark-launch adds what the torch it finds needs).
export SPARK_LAUNCH_OPTS=""

echo "== $(basename "$example") on $nodes emulated DGX Spark nodes (real slurmctld + slurmd, sparkfabric loaded)"
status=0
case "$example" in
    *.sbatch)
        output="$SF_USER_DIR/example.out"
        run_with_timeout 600 as_user sbatch --wait -N "$nodes" -o "$output" "$example" >/dev/null || status=$?
        cat "$output"
        ;;
    *)
        run_with_timeout 600 as_user salloc -N "$nodes" "$example" 2>&1 || status=$?
        ;;
esac
echo "== job exit status: $status"
exit "$status"
