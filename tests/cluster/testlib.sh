# Sourced by the cluster tests (tests/cluster/NAME_test.sh BUILD_DIR): the assertions every shell
# test uses (tests/lib/assert.sh), a session on the emulated cluster (tools/cluster/session.sh),
# the paths the tests use, and what the tests check after jobs. Sourcing only defines;
# cluster_test_begin starts the test.
_testlib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$_testlib_dir/../lib/assert.sh"
source "$_testlib_dir/../../tools/cluster/session.sh"

# cluster_test_begin [--containers] BUILD_DIR|--no-build: the test's paths (here, root, cluster_tools,
# build, launch, fabric, plugin, fixtures, check_py, mpi_check), then the cluster lock and the job
# user. --containers builds the container stack and its images first, outside the lock (the
# first torch image takes minutes). The cluster needs root; elsewhere the test is skipped (77),
# except in CI (CI=true), where a skipped cluster test would read as a pass: there it fails.
cluster_test_begin() {
    local containers=false
    if [ "${1:-}" = --containers ]; then containers=true; shift; fi
    if [ "$(id -u)" -ne 0 ]; then
        [ "${CI:-}" != true ] || fail "the cluster tests need root (CI=true: not skipped)"
        echo "SKIP: the cluster tests need root" >&2
        exit 77
    fi
    here=$_testlib_dir
    root=$(cd "$here/../.." && pwd)
    cluster_tools=$root/tools/cluster
    check_py=$here/allreduce_check.py
    if [ "${1:-}" != --no-build ]; then
        build=$(cd "${1:?usage: $(basename "$0") BUILD_DIR}" && pwd)
        # Stop at once where the nodes' job user cannot read the build or the source tree.
        require_build_visible_to_nodes "$build"
        launch=$build/launcher/spark-launch
        fabric=$build/tools/spark-fabric/spark-fabric
        plugin=$build/spank/sparkfabric.so
        fixtures=$build/fixtures
        mpi_check=$build/examples/mpi_fabric_check
        [ -f "$plugin" ] || fail "no plugin at $plugin: build first"
    fi
    if $containers; then
        "$cluster_tools/container_stack.sh" build
        "$cluster_tools/container_stack.sh" images
    fi
    cluster_session_begin
}

# run_batch_job SECONDS SCRIPT.sbatch [SBATCH OPTION]...: submits SCRIPT as the job user and waits
# for the job; its output (SCRIPT.out) goes into $out, sbatch's status into $rc. The test asserts
# on the output, which says more than the status.
run_batch_job() {
    local seconds=$1 script=$2
    shift 2
    keep_status run_with_timeout "$seconds" as_user sbatch --wait -o "${script%.sbatch}.out" "$@" "$script" >/dev/null
    out=$(cat "${script%.sbatch}.out" 2>/dev/null || true)
}

# Every rank must get the right sum, and its gloo connections must be on the fabric subnet.
assert_allreduce() {  # OUTPUT WORLD: output of tests/cluster/allreduce_check.py ranks
    local out=$1 world=$2 rank
    for ((rank = 0; rank < world; rank++)); do
        assert_contains "$out" "ALLREDUCE_OK rank=$rank world=$world sum=$((world * (world + 1) / 2))" "rank $rank"
    done
    assert_eq "$(echo "$out" | grep -c 'conns=192\.168\.200\.')" "$world" "every rank talks on the fabric"
    assert_not_contains "$out" "conns=10.77." "no rank on the management network"
}

# After a containerized step: no enroot container under any node's data path, nothing under any
# node's pyxis runtime path but empty per-user dirs, no enroot or squashfuse process. srun
# returns before slurmstepd has removed the step's container (pyxis does that in its exit
# callback), so this waits up to SF_LEFTOVER_WAIT seconds (default 30) before failing.
_container_leftovers() {
    local dir=${SF_CONTAINER_STATE:-$SF_CLUSTER_STATE/containers}
    find "$dir"/*/enroot/*/data -mindepth 1 -maxdepth 1 -printf 'enroot container %p\n' 2>/dev/null
    find "$dir"/*/pyxis -mindepth 1 \( ! -type d -o -path "$dir/*/pyxis/*/*" \) -printf 'pyxis runtime file %p\n' 2>/dev/null
    pgrep -a -f -- "${SF_ENROOT_BIN:-/enroot/bin}/" | sed 's/^/enroot process /'
    { pgrep -a -x squashfuse; pgrep -a -x squashfuse_ll; } | sed 's/^/squashfuse process /'
    return 0
}
assert_no_container_leftovers() {
    local dir=${SF_CONTAINER_STATE:-$SF_CLUSTER_STATE/containers}
    [ -d "$dir" ] || fail "no container state at $dir: bring the cluster up with --containers"
    assert_none_within "${SF_LEFTOVER_WAIT:-30}" "containers" _container_leftovers
}

# workers_started FILE COUNT: COUNT sleep_worker.py workers said STARTED in FILE (a launch's output).
workers_started() { [ "$(grep -c '^STARTED host=' "$1")" = "$2" ]; }
