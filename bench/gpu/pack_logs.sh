#!/usr/bin/env bash
# pack_logs DIR: packs one run's raw logs, DIR/*.log, into DIR/raw-logs.tar.xz and removes
# them; the results (summary.md, *.json, *.txt) stay beside it as plain files. Sourced by the
# GPU bench scripts, which call it once at their end. Where xz is missing the logs stay as
# they are, and it says so. Read one log: tar -xJOf DIR/raw-logs.tar.xz NAME.log
pack_logs() {
    local dir=$1 logs=() path
    for path in "$dir"/*.log; do
        [ -f "$path" ] && logs+=("${path##*/}")
    done
    [ ${#logs[@]} -gt 0 ] || return 0
    if ! command -v xz >/dev/null; then
        echo "pack_logs: no xz on this machine: the raw logs stay in $dir as ${logs[*]}" >&2
        return 0
    fi
    if tar -C "$dir" --sort=name --owner=0 --group=0 --numeric-owner -cJf "$dir/raw-logs.tar.xz.tmp" -- "${logs[@]}"; then
        mv "$dir/raw-logs.tar.xz.tmp" "$dir/raw-logs.tar.xz"
        (cd "$dir" && rm -f -- "${logs[@]}")
        echo "raw logs: $dir/raw-logs.tar.xz (${logs[*]})"
    else
        rm -f "$dir/raw-logs.tar.xz.tmp"
        echo "pack_logs: tar failed: the raw logs stay in $dir" >&2
    fi
}
