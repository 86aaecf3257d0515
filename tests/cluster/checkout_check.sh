# Sourced by tests/cluster/testlib.sh (after its root check). The cluster's jobs run as an
# ordinary user ($SF_TEST_USER), who loads the plugin and runs spark-launch and the test
# programs from the build dir and the source tree, and every emulated node has its own /tmp.
# A checkout that user cannot read (one under /root, mode 700) or one under /tmp fails every
# step of every test with "Permission denied" or "No such file or directory": stop at once
# with one clear message instead. scripts/test copies such a checkout to a readable place.

require_build_visible_to_nodes() {  # BUILD_DIR: exits 1 unless every node's test user can read it
    local build=${1:?usage: require_build_visible_to_nodes BUILD_DIR} user=${SF_TEST_USER:-sparkuser} src dir
    build=$(cd "$build" 2>/dev/null && pwd -P) || { echo "FAIL: no build dir '$1'" >&2; exit 1; }
    # The source tree too: the tests' jobs run its scripts (tests/cluster/*.py, examples/).
    src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt" 2>/dev/null) || true
    id -u "$user" >/dev/null 2>&1 || user=nobody  # the test user is made later: any ordinary user
    for dir in "$build" ${src:+"$(cd "$src" 2>/dev/null && pwd -P || echo "$src")"}; do
        if [[ $dir/ == /tmp/* ]]; then
            echo "FAIL: $dir is under /tmp, which every emulated node replaces with its own: run the" \
                 "tests from a checkout outside /tmp (scripts/test copies one to /var/lib/sparkfabric/checkout)" >&2
            exit 1
        fi
        if ! runuser -u "$user" -- test -r "$dir" -a -x "$dir"; then
            echo "FAIL: an ordinary user ('$user') cannot read $dir (a directory above it, e.g. /root, is" \
                 "private): run the tests from a checkout every user can read (scripts/test copies one to" \
                 "/var/lib/sparkfabric/checkout)" >&2
            exit 1
        fi
    done
}
