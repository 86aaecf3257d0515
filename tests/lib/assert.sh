# shellcheck shell=bash
# Sourced by every shell test: assertions, named cases, and running a command while keeping its
# status under `set -e`. Sourcing only defines functions and one variable (the current case).
_test_case=""

# test_case NAME: what follows belongs to NAME, until the next test_case; a failure names it.
test_case() {
    _test_case=$1
    echo "--- $1"
}

fail() { echo "FAIL${_test_case:+ [$_test_case]}: $*" >&2; exit 1; }
pass() { echo "PASS: $*"; }

assert_eq() {  # ACTUAL EXPECTED MESSAGE
    [ "$1" == "$2" ] || fail "$3: expected '$2', got '$1'"
}
assert_contains() {  # HAYSTACK NEEDLE MESSAGE
    case "$1" in *"$2"*) ;; *) printf '%s\n' "$1" >&2; fail "$3: '$2' not found in the output above" ;; esac
}
assert_not_contains() {  # HAYSTACK NEEDLE MESSAGE
    case "$1" in *"$2"*) printf '%s\n' "$1" >&2; fail "$3: '$2' found in the output above" ;; *) ;; esac
}
assert_fails() {  # STATUS MESSAGE: STATUS is a failure, and not timeout(1)'s 124 (a hang)
    [ "$1" -ne 0 ] || fail "$2: it succeeded"
    [ "$1" -ne 124 ] || fail "$2: it hung (cut off by timeout)"
}

# wait_until SECONDS CMD...: runs CMD (a program or a function) every 0.2 s until it succeeds;
# status 1 once SECONDS have passed without that: a bounded wait instead of a hang.
wait_until() {
    local tries=$(($1 * 5))
    shift
    until "$@"; do
        ((--tries > 0)) || return 1
        sleep 0.2
    done
}
# assert_none_within SECONDS WHAT CMD...: CMD prints what is left (nothing: all gone); fails,
# showing the last of it and naming WHAT, while something is still left after SECONDS.
assert_none_within() {
    local end=$((SECONDS + $1)) what=$2 left
    shift 2
    while left=$("$@") && [ -n "$left" ]; do
        [ "$SECONDS" -lt "$end" ] || { printf '%s\n' "$left" >&2; fail "$what: left behind (above)"; }
        sleep 0.5
    done
}

# capture CMD...: runs CMD (a program or a function) with stdout and stderr into $out and its
# exit status into $rc, whatever it returns: the test asserts on both afterwards.
capture() {
    rc=0
    out=$("$@" 2>&1) || rc=$?
}
# capture_stdout CMD...: as capture, with only stdout into $out (stderr goes where it goes).
capture_stdout() {
    rc=0
    out=$("$@") || rc=$?
}
# keep_status CMD...: runs CMD in this shell (e.g. `wait PID`) and keeps its exit status in $rc.
keep_status() {
    rc=0
    "$@" || rc=$?
}
