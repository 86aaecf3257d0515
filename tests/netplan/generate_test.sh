#!/usr/bin/env bash
# Every layout of `spark-fabric netplan` as Debian's netplan reads it: each node's file goes
# through `netplan generate --root-dir` (netplan-generate(8)), and the systemd-networkd units it
# makes are checked for the layout's rules across all nodes (networkd_units.py verify): each
# function addressed on its own subnet, node N is .N, the MTU, no route or DNS, and on a ring
# both ends of every cable on one subnet. Then --check must pass on each generated root.
# Usage: generate_test.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: generate_test.sh BUILD_DIR}" && pwd)
fabric="$build/tools/spark-fabric/spark-fabric"
source "$here/../lib/assert.sh"
if ! command -v netplan >/dev/null 2>&1 && [ ! -x /usr/sbin/netplan ]; then
    [ "${CI:-}" != true ] || fail "netplan is not installed (scripts/install-deps installs netplan.io)"
    echo "SKIP: netplan is not installed (scripts/install-deps installs netplan.io)" >&2
    exit 77
fi
netplan=$(command -v netplan || echo /usr/sbin/netplan)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

layout() {  # NAME TOPOLOGY NODES MTU CAGE [spark-fabric netplan options]
    local name=$1 topology=$2 count=$3 mtu=$4 cage=$5 nodes="" k roots=()
    shift 5
    test_case "$name"
    for ((k = 1; k <= count; k++)); do nodes+="${nodes:+,}spark-$k"; done
    "$fabric" netplan --topology "$topology" --nodes "$nodes" --out-dir "$work/$name/files" "$@" >/dev/null
    for ((k = 1; k <= count; k++)); do
        local root="$work/$name/spark-$k"
        install -d "$root/etc/netplan"
        install -m 600 "$work/$name/files/spark-$k.yaml" "$root/etc/netplan/60-sparkfabric.yaml"
        "$netplan" generate --root-dir "$root" 2>"$work/err" || { cat "$work/err" >&2; fail "netplan refused spark-$k's file"; }
        # netplan warns about files others can read: ours are 600, so it must say nothing.
        [ ! -s "$work/err" ] || { cat "$work/err" >&2; fail "netplan warned about spark-$k's file"; }
        roots+=("spark-$k=$root")
        "$fabric" netplan --topology "$topology" --nodes "$nodes" --node "spark-$k" "$@" \
            --root-dir "$root" --check >"$work/check" 2>&1 || { cat "$work/check" >&2; fail "--check of spark-$k's own file"; }
    done
    python3 "$here/networkd_units.py" verify "$topology" "$mtu" "$cage" "${roots[@]}" || fail "the units do not follow the layout (above)"
    pass "$name: $count nodes, netplan generate accepted each file and its units follow the layout"
}

layout pair pair 2 9000 1
layout pair-cage0 pair 2 9000 0 --cage 0
layout switch8 switch 8 9000 1
layout switch10-site switch 10 9216 0 --cage 0 --mtu 9216 --subnets 10.40.0.0/24,10.41.0.0/24
layout ring3 ring 3 9000 0
layout ring4 ring 4 9000 0
