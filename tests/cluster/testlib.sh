# Sourced by the cluster tests: bring a cluster up (and always down again) and assert.
_testlib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The cluster needs root (network namespaces, daemons); elsewhere the test is skipped (77),
# except in CI (CI=true), where a skipped cluster test would read as a pass: there it fails.
if [ "$(id -u)" -ne 0 ]; then
    [ "${CI:-}" != true ] || { echo "FAIL: the cluster tests need root (CI=true: not skipped)" >&2; exit 1; }
    echo "SKIP: the cluster tests need root" >&2
    exit 77
fi
# The cluster tests take the build dir first: stop at once where the nodes' user cannot read it
# (run_example.sh, whose first argument is a node count, checks its own).
source "$_testlib_dir/checkout_check.sh"
[ ! -f "${1:-}/CMakeCache.txt" ] || require_build_visible_to_nodes "$1"
export SF_CLUSTER_STATE=${SF_CLUSTER_STATE:-/var/tmp/sparkfabric-cluster}
# Namespace, bridge and node names are global: tests from several checkouts (or a test and a
# benchmark) take turns on one lock instead of tearing down each other's cluster.
# A test that runs another test's helpers (run_example.sh) holds the lock already.
if [ -z "${SF_CLUSTER_LOCK_FD:-}" ]; then
    exec {_sf_cluster_lock}>/var/lock/sparkfabric-cluster.lock
    flock "$_sf_cluster_lock"
    export SF_CLUSTER_LOCK_FD=$_sf_cluster_lock  # cluster.sh closes it: daemons must not hold the lock
fi

# Jobs run as an ordinary user, as on a real site: the plugin's user-side paths (user_init runs
# as the job's user) and spark-launch without root are what gets tested.
export SF_TEST_USER=${SF_TEST_USER:-sparkuser}
if ! id -u "$SF_TEST_USER" >/dev/null 2>&1; then
    useradd --create-home --shell /bin/bash "$SF_TEST_USER" || { echo "FAIL: cannot create user $SF_TEST_USER" >&2; exit 1; }
fi
as_user() { runuser -u "$SF_TEST_USER" -- "$@"; }  # keeps the environment (SLURM_CONF, PATH)

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "PASS: $*"; }

assert_eq() {  # ACTUAL EXPECTED MESSAGE
    [ "$1" == "$2" ] || fail "$3: expected '$2', got '$1'"
}
assert_contains() {  # HAYSTACK NEEDLE MESSAGE
    case "$1" in *"$2"*) ;; *) printf '%s\n' "$1" >&2; fail "$3: '$2' not found in the output above" ;; esac
}
assert_not_contains() {
    case "$1" in *"$2"*) printf '%s\n' "$1" >&2; fail "$3: '$2' found in the output above" ;; *) ;; esac
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

user_procs_on() {  # NODE PATTERN: the test user's processes in NODE's namespace matching PATTERN
    local pid
    for pid in $(ip netns pids "sf-$1"); do
        [ "$(stat -c %U "/proc/$pid" 2>/dev/null)" = "$SF_TEST_USER" ] || continue
        tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2" && echo "$pid"
    done
    return 0
}
run_with_timeout() {  # SECONDS [as_user] CMD...: a hung command fails the test instead of hanging it
    local seconds=$1
    shift
    # timeout runs programs, not shell functions: as_user is spelled out here.
    if [ "${1:-}" = as_user ]; then
        shift
        set -- runuser -u "$SF_TEST_USER" -- "$@"
    fi
    timeout --kill-after=10 "$seconds" "$@"
}

sf_cluster_down() {
    "$_testlib_dir/cluster.sh" down --state "$SF_CLUSTER_STATE" >/dev/null 2>&1 || true
}
sf_cluster_up() {  # N [cluster.sh up options]
    trap sf_cluster_down EXIT
    trap 'sf_cluster_down; exit 130' INT TERM
    sf_cluster_down
    "$_testlib_dir/cluster.sh" up "$@" --state "$SF_CLUSTER_STATE" >/dev/null || fail "cluster did not come up"
    # shellcheck disable=SC1091
    source "$SF_CLUSTER_STATE/env.sh"
    # Where the test user's jobs write (sbatch -o, markers); the state dir itself is root's.
    export SF_USER_DIR=$SF_CLUSTER_STATE/user
    rm -rf "$SF_USER_DIR"
    install -d -o "$SF_TEST_USER" -m 755 "$SF_USER_DIR"
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
    local dir=${SF_CONTAINER_STATE:-$SF_CLUSTER_STATE/containers} left end=$((SECONDS + ${SF_LEFTOVER_WAIT:-30}))
    [ -d "$dir" ] || fail "no container state at $dir: bring the cluster up with --containers"
    while left=$(_container_leftovers) && [ -n "$left" ]; do
        [ "$SECONDS" -lt "$end" ] || { printf '%s\n' "$left" >&2; fail "containers left behind (above)"; }
        sleep 0.5
    done
}
