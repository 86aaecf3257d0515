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
source "$here/testlib.sh"

sf_cluster_up "$nodes"
printf 'required %s\n' "$build/spank/sparkfabric.so" > "$SF_CLUSTER_STATE/plugstack.conf"
export PATH="$build/launcher:$build/tools/spark-fabric:$build/tools/nccl_check:$PATH"
export SPARKFABRIC_EXAMPLES="$root/examples" SPARKFABRIC_MPI_CHECK="$build/examples/mpi_fabric_check"
# Debian's torch 1.13 on Python 3.11 needs explicit --redirects/--tee; newer torch does not.
export SPARK_LAUNCH_OPTS="--torchrun /usr/bin/torchrun --torchrun-arg=--redirects=1 --torchrun-arg=--tee=1"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1  # the emulated cluster runs jobs as root

echo "== $(basename "$example") on $nodes emulated DGX Spark nodes (real slurmctld + slurmd, sparkfabric loaded)"
status=0
case "$example" in
    *.sbatch)
        output="$SF_CLUSTER_STATE/example.out"
        run_with_timeout 600 sbatch --wait -N "$nodes" -o "$output" "$example" >/dev/null || status=$?
        cat "$output"
        ;;
    *)
        run_with_timeout 600 salloc -N "$nodes" "$example" 2>&1 || status=$?
        ;;
esac
echo "== job exit status: $status"
exit "$status"
