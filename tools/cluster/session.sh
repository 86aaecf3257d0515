# shellcheck shell=bash
# Sourced by whatever runs jobs on the emulated cluster (the cluster tests, bench/, run_example.sh):
# bring it up and always down again, run commands as the job user, find that user's processes.
# Sourcing only defines functions; cluster_session_begin takes the machine-wide lock and makes
# the job user.
_sf_cluster_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export SF_CLUSTER_STATE=${SF_CLUSTER_STATE:-/var/tmp/sparkfabric-cluster}
# Jobs run as an ordinary user, as on a real site: the plugin's user-side paths (user_init runs
# as the job's user) and spark-launch without root are what gets exercised.
export SF_TEST_USER=${SF_TEST_USER:-sparkuser}

_session_die() { echo "FAIL: $*" >&2; exit 1; }

# Namespace, bridge and node names are global: tests from several checkouts (or a test and a
# benchmark) take turns on one lock instead of tearing down each other's cluster. A script run by
# one that holds the lock already (run_example.sh under examples_test.sh) finds it in
# SF_CLUSTER_LOCK_FD and does not wait on itself.
cluster_session_begin() {
    [ "$(id -u)" -eq 0 ] || _session_die "the emulated cluster needs root (network namespaces, daemons)"
    if [ -z "${SF_CLUSTER_LOCK_FD:-}" ]; then
        exec {_sf_cluster_lock}>/var/lock/sparkfabric-cluster.lock
        flock "$_sf_cluster_lock"
        export SF_CLUSTER_LOCK_FD=$_sf_cluster_lock  # cluster.sh closes it: daemons must not hold the lock
    fi
    if ! id -u "$SF_TEST_USER" >/dev/null 2>&1; then
        useradd --create-home --shell /bin/bash "$SF_TEST_USER" || _session_die "cannot create user $SF_TEST_USER"
    fi
}

# The job user loads the plugin and runs spark-launch and the test programs from the build dir
# and the source tree, and every emulated node has its own /tmp. A checkout that user cannot read
# (one under /root, mode 700) or one under /tmp fails every step with "Permission denied" or "No
# such file or directory": stop at once with one clear message instead. scripts/test copies such
# a checkout to a readable place.
require_build_visible_to_nodes() {  # BUILD_DIR: exits 1 unless every node's job user can read it
    local build=${1:?usage: require_build_visible_to_nodes BUILD_DIR} user=$SF_TEST_USER src dir
    build=$(cd "$build" 2>/dev/null && pwd -P) || _session_die "no build dir '$1'"
    # The source tree too: the jobs run its scripts (tests/cluster/*.py, examples/).
    src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt" 2>/dev/null) || true
    id -u "$user" >/dev/null 2>&1 || user=nobody  # the job user is made later: any ordinary user
    for dir in "$build" ${src:+"$(cd "$src" 2>/dev/null && pwd -P || echo "$src")"}; do
        if [[ $dir/ == /tmp/* ]]; then
            _session_die "$dir is under /tmp, which every emulated node replaces with its own: run from a" \
                         "checkout outside /tmp (scripts/test copies one to /var/lib/sparkfabric/checkout)"
        fi
        if ! runuser -u "$user" -- test -r "$dir" -a -x "$dir"; then
            _session_die "an ordinary user ('$user') cannot read $dir (a directory above it, e.g. /root, is" \
                         "private): run from a checkout every user can read (scripts/test copies one to" \
                         "/var/lib/sparkfabric/checkout)"
        fi
    done
}

as_user() { runuser -u "$SF_TEST_USER" -- "$@"; }  # keeps the environment (SLURM_CONF, PATH)

run_with_timeout() {  # SECONDS [as_user] CMD...: a hung command fails instead of hanging
    local seconds=$1
    shift
    # timeout runs programs, not shell functions: as_user is spelled out here.
    if [ "${1:-}" = as_user ]; then
        shift
        set -- runuser -u "$SF_TEST_USER" -- "$@"
    fi
    timeout --kill-after=10 "$seconds" "$@"
}

user_procs_on() {  # NODE PATTERN: the job user's processes in NODE's namespace matching PATTERN
    local pid
    for pid in $(ip netns pids "sf-$1"); do
        [ "$(stat -c %U "/proc/$pid" 2>/dev/null)" = "$SF_TEST_USER" ] || continue
        tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2" && echo "$pid"
    done
    return 0
}

sf_cluster() { "$_sf_cluster_dir/cluster.sh" "$@"; }  # cluster.sh ACTION...: exec, link-down, link-up

sf_cluster_down() {
    sf_cluster down --state "$SF_CLUSTER_STATE" >/dev/null 2>&1 || true
}
sf_cluster_up() {  # N [cluster.sh up options]: up now, down when the script exits
    trap sf_cluster_down EXIT
    trap 'sf_cluster_down; exit 130' INT TERM
    sf_cluster_down
    sf_cluster up "$@" --state "$SF_CLUSTER_STATE" >/dev/null || _session_die "cluster did not come up"
    # shellcheck disable=SC1091
    source "$SF_CLUSTER_STATE/env.sh"
    # Where the job user's jobs write (sbatch -o, markers); the state dir itself is root's.
    export SF_USER_DIR=$SF_CLUSTER_STATE/user
    rm -rf "$SF_USER_DIR"
    install -d -o "$SF_TEST_USER" -m 755 "$SF_USER_DIR"
}
