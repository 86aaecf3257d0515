#!/usr/bin/env bash
# From cables to a working fabric: `spark-fabric netplan` plans each emulated node's file, Debian's
# netplan turns it into systemd-networkd units (`netplan generate --root-dir`), and the units'
# addresses and MTU replace what cluster.sh gave the nodes' fabric functions. Then each node's
# `spark-fabric env` and a `spark-fabric survey` across the allocation must find the intended
# shape with no error: a pair, an 8-node switch, a 3-node and a 4-node ring (each cable also
# carrying its domain-0002 twins, as on a Spark). A plan applied with one node on the wrong
# subnets must fail the survey, and `netplan --check` on the node must say so.
# Usage: netplan_test.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/testlib.sh"
cluster_test_begin "$@"
units="$here/../netplan/networkd_units.py"
[ -x "$fabric" ] || fail "no spark-fabric at $fabric: build first"
netplan=$(command -v netplan || echo /usr/sbin/netplan)
if [ ! -x "$netplan" ]; then
    [ "${CI:-}" != true ] || fail "netplan is not installed (scripts/install-deps installs netplan.io)"
    echo "SKIP: netplan is not installed (scripts/install-deps installs netplan.io)" >&2
    exit 77
fi
t0=$SECONDS

node_list() {  # FIRST LAST: spark-dgx-FIRST,...,spark-dgx-LAST
    local k list=""
    for ((k = $1; k <= $2; k++)); do list+="${list:+,}spark-dgx-$k"; done
    echo "$list"
}

# apply_plan NODES [spark-fabric netplan options]: writes every node's file into a root of its own
# ($plans/NODE), has netplan generate it, and gives the node's fabric functions exactly the
# addresses and MTU of the generated units (the rest of the node stays as cluster.sh made it).
apply_plan() {
    local nodes=$1 node root
    shift
    rm -rf "$plans/files"
    "$fabric" netplan --nodes "$nodes" --out-dir "$plans/files" "$@" >/dev/null || fail "netplan --out-dir $*"
    for node in ${nodes//,/ }; do
        apply_file "$node" "$plans/files/$node.yaml"
    done
}
apply_file() {  # NODE FILE
    local node=$1 root="$plans/$1" ns="sf-$1" name address mtu
    rm -rf "$root"
    install -d "$root/etc/netplan"
    install -m 600 "$2" "$root/etc/netplan/60-sparkfabric.yaml"
    "$netplan" generate --root-dir "$root" || fail "netplan generate refused $node's file"
    for name in $(ip -n "$ns" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^en[pP]' | grep -v '^enP7s7$'); do
        ip -n "$ns" addr flush dev "$name"
    done
    while read -r name address mtu; do
        ip -n "$ns" link set dev "$name" mtu "$mtu"
        ip -n "$ns" addr add "$address" dev "$name"
    done < <(python3 "$units" addresses "$root")
}

env_of() {  # NODE NODE_COUNT: the node's `spark-fabric env` as its jobs would get it
    sf_cluster exec "$1" "$fabric" env --nodes "$2" 2>/dev/null
}
survey() {  # NODELIST: sets out and rc
    capture run_with_timeout 120 as_user salloc -Q -w "$1" "$fabric" survey --timeout 30 --color never
}
netplan_check_on() {  # NODE NODES TOPOLOGY: `spark-fabric netplan --check` on NODE of its generated root; sets out and rc
    capture sf_cluster exec "$1" "$fabric" netplan --topology "$3" --nodes "$2" --root-dir "$plans/$1" --check
}
expect_healthy() {  # NODELIST SHAPE COUNT
    local list=$1 shape=$2 count=$3 k env
    for ((k = 1; k <= count; k++)); do
        env=$(env_of "spark-dgx-$k" "$count")
        assert_contains "$env" "export SPARKFABRIC_TOPOLOGY=$shape" "spark-dgx-$k env: $shape"
        assert_contains "$env" "export SPARKFABRIC_STATUS=ok" "spark-dgx-$k env: no error"
    done
    survey "$list"
    # A ring is judged with the NCCL its jobs would load too: this machine's libnccl, where it
    # has one older than 2.30.7, lacks the ring's subnet-aware routing (as in survey_test.sh):
    # then that is the only warning, on every node.
    if [ "$shape" = ring ] && grep -q "first ship in 2.30.7" <<<"$out"; then
        assert_eq "$rc" "1" "$shape survey exit status (an NCCL before 2.30.7 here)"
        assert_eq "$(grep -c '^  warn ' <<<"$out")" "$(grep -c '^  warn .*first ship in 2.30.7' <<<"$out")" \
            "$shape survey: the old NCCL is the only warning"
    else
        assert_eq "$rc" "0" "$shape survey exit status"
        assert_contains "$out" "sparkfabric survey: $count node(s), all checks pass" "$shape survey"
    fi
    assert_not_contains "$out" "FAIL" "$shape survey: no FAIL cell"
    assert_contains "$out" "SPARKFABRIC_TOPOLOGY=$shape" "$shape survey: the shape"
}

test_case "a pair"
# A pair and an 8-node switch on one fabric bridge per twin (cluster.sh --twins).
sf_cluster_up 8 --twins
printf 'required %s\n' "$plugin" > "$SF_CLUSTER_STATE/plugstack.conf"
plans=$SF_CLUSTER_STATE/netplan
install -d "$plans"

apply_plan "$(node_list 1 2)" --topology pair
env=$(env_of spark-dgx-2 2)
assert_contains "$env" "export NCCL_SOCKET_IFNAME='=enp1s0f1np1,enP2p1s0f1np1'" "pair: both twins"
assert_contains "$env" "export SPARKFABRIC_FABRIC_ADDR=192.168.100.2" "pair: node 2 is .2"
expect_healthy "spark-dgx-[1-2]" pair 2
# --check on the node: its own file and its live interfaces agree with the plan.
netplan_check_on spark-dgx-2 "$(node_list 1 2)" pair
assert_eq "$rc" "0" "pair: --check on spark-dgx-2"
assert_contains "$out" "and the live interfaces" "pair: --check read the live interfaces"
pass "pair: netplan's addresses give a pair with no error ($((SECONDS - t0)) s)"

test_case "an 8-node switch"
apply_plan "$(node_list 1 8)" --topology switch
expect_healthy "spark-dgx-[1-8]" switch 8
pass "8-node switch: netplan's addresses give a switch with no error ($((SECONDS - t0)) s)"

test_case "a node on the wrong subnets"
# The loop must catch wrong addresses: node 3 planned on other subnets fails the survey, and
# --check on node 3 against the cluster's plan names the wrong subnet.
"$fabric" netplan --topology switch --nodes "$(node_list 1 8)" --node spark-dgx-3 \
    --subnets 192.168.110.0/24,192.168.111.0/24 > "$plans/wrong.yaml"
apply_file spark-dgx-3 "$plans/wrong.yaml"
survey "spark-dgx-[1-8]"
assert_eq "$rc" "2" "node 3 on the wrong subnets: survey exit status"
assert_contains "$out" "FAIL spark-dgx-3: 192.168.110.0/24, 192.168.111.0/24: shares no fabric subnet" "wrong subnets named"
netplan_check_on spark-dgx-3 "$(node_list 1 8)" switch
assert_eq "$rc" "1" "--check of node 3's wrong file"
assert_contains "$out" "error: enp1s0f1np1: has 192.168.110.3/24" "--check names the wrong address"
assert_contains "$out" "warning: enP2p1s0f1np1: live: has 192.168.111.3/24, not 192.168.101.3/24 yet" "--check: live"
pass "a node on the wrong subnets: the survey fails and --check names the file's address ($((SECONDS - t0)) s)"

# Rings: NVIDIA's cabling (node K's port 0 to node K+1's port 1). cluster.sh --ring cables the
# domain-0000 functions; the domain-0002 twins get their own veth "cable" beside each.
ring() {  # N
    local count=$1 k next
    test_case "a $count-node ring"
    sf_cluster_down
    sf_cluster_up "$count" --ring
    printf 'required %s\n' "$plugin" > "$SF_CLUSTER_STATE/plugstack.conf"
    plans=$SF_CLUSTER_STATE/netplan
    install -d "$plans"
    for ((k = 1; k <= count; k++)); do
        next=$((k % count + 1))
        ip link add enP2p1s0f0np0 netns "sf-spark-dgx-$k" mtu 9000 type veth \
            peer name enP2p1s0f1np1 netns "sf-spark-dgx-$next" mtu 9000
        ip -n "sf-spark-dgx-$k" link set enP2p1s0f0np0 up
        ip -n "sf-spark-dgx-$next" link set enP2p1s0f1np1 up
    done
    apply_plan "$(node_list 1 "$count")" --topology ring
    env=$(env_of spark-dgx-1 "$count")
    assert_contains "$env" "export SPARKFABRIC_FABRIC_ADDR=192.168.100.1" "ring $count: node 1's cable-1 end"
    expect_healthy "spark-dgx-[1-$count]" ring "$count"
    pass "$count-node ring: netplan's addresses close the ring with no error ($((SECONDS - t0)) s)"
}
ring 3
ring 4
pass "netplan: pair, 8-node switch, 3- and 4-node rings from their netplan files in $((SECONDS - t0)) s"
