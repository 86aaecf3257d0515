#!/usr/bin/env bash
# The shell tests' assertion library itself: sourcing prints and starts nothing, capture and
# keep_status keep a failing command's status under set -e, and each assertion fails (exit 1,
# the case's name in the message) exactly when it should. Usage: assert_test.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lib=$here/assert.sh

# Runs SNIPPET in a fresh bash with the library sourced; prints "status|stderr|stdout".
in_shell() {
    local status=0 err
    err=$(mktemp)
    stdout=$(bash -c "set -euo pipefail; source '$lib'; $1" 2>"$err") || status=$?
    printf '%s|%s|%s' "$status" "$(cat "$err")" "$stdout"
    rm -f "$err"
}
expect() {  # SNIPPET EXPECTED WHAT
    local got
    got=$(in_shell "$1")
    [ "$got" == "$2" ] || { echo "FAIL: $3: expected '$2', got '$got'" >&2; exit 1; }
}

expect ':' '0||' "sourcing prints nothing"
expect 'jobs -p | wc -l' '0||0' "sourcing starts nothing"
expect 'capture sh -c "echo out; echo err >&2; exit 3"; echo "$rc [$out]"' $'0||3 [out\nerr]' "capture: status and both streams"
expect 'capture_stdout sh -c "echo out; echo err >&2; exit 4"; echo "$rc [$out]"' '0|err|4 [out]' "capture_stdout: stdout only"
expect 'f() { return 5; }; capture f; echo "$rc"' '0||5' "capture runs a function"
expect 'sleep 0 & keep_status wait $!; echo "$rc"; (exit 7) & keep_status wait $!; echo "$rc"' $'0||0\n7' "keep_status: wait's status"
expect 'test_case "one"; fail "why"' '1|FAIL [one]: why|--- one' "fail names the case"
expect 'fail "why"' '1|FAIL: why|' "fail without a case"
expect 'assert_eq a a x; echo ok' '0||ok' "assert_eq passes"
expect 'assert_eq a b x' "1|FAIL: x: expected 'b', got 'a'|" "assert_eq fails"
expect 'assert_contains "abc" "b" x; echo ok' '0||ok' "assert_contains passes"
expect 'assert_contains "abc" "z" x' $'1|abc\nFAIL: x: \'z\' not found in the output above|' "assert_contains fails"
expect 'assert_not_contains "abc" "b" x' $'1|abc\nFAIL: x: \'b\' found in the output above|' "assert_not_contains fails"
expect 'assert_fails 2 x; echo ok' '0||ok' "assert_fails passes a failure"
expect 'assert_fails 0 x' '1|FAIL: x: it succeeded|' "assert_fails: a success"
expect 'assert_fails 124 x' '1|FAIL: x: it hung (cut off by timeout)|' "assert_fails: a hang"
expect 'n=0; f() { n=$((n + 1)); [ $n -ge 3 ]; }; wait_until 5 f; echo "$? $n"' '0||0 3' "wait_until: until it succeeds"
expect 'wait_until 1 false || echo "status $?"' '0||status 1' "wait_until: bounded"
# (CMD runs in a subshell: it counts its calls in a file)
expect 'c=$(mktemp); f() { echo x >>"$c"; [ "$(wc -l <"$c")" -ge 2 ] || echo left; }; assert_none_within 5 x f; echo "ok $(wc -l <"$c")"; rm "$c"' '0||ok 2' "assert_none_within: once nothing is left"
expect 'assert_none_within 0 things echo stuck' $'1|stuck\nFAIL: things: left behind (above)|' "assert_none_within: fails with what is left"
echo "PASS: tests/lib/assert.sh: sourcing, capture, keep_status, bounded waits, named cases and every assertion"
