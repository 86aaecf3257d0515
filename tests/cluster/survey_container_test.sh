#!/usr/bin/env bash
# spark-fabric survey --container-image on real pyxis + enroot beside the plugin, as the ordinary
# user in an allocation of 2 nodes: every node is also reported from inside the image (its NCCL,
# nccl.conf, net plugins, torch, environment), judged against that node's plan; an image that
# does not start, or starts too slowly, is one clear FAIL line per node within the timeout.
# The images are tools/cluster/container_stack.sh's: baked (another cluster's NCCL settings in
# /etc/environment and /etc/nccl.conf, libnccl 2.27.3, a net plugin) and torch (Debian 12 +
# python3-torch 1.13).
# Usage: survey_container_test.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/testlib.sh"
cluster_test_begin --containers "$@"
cd /  # the test user's working directory for salloc

survey() {  # SECONDS [survey options]: in a 2-node allocation; sets out, rc, wall (s, salloc's too), took (ms, the survey's)
    local limit=$1 start=$SECONDS
    shift
    capture run_with_timeout "$limit" as_user salloc -Q -N2 "$fabric" survey --color never "$@"
    wall=$((SECONDS - start))
    took=$(echo "$out" | sed -n 's/^survey took \([0-9]*\) ms$/\1/p')
}

# As container_test.sh loads them: pyxis first and sparkfabric second, as plugstack.conf.d sorts them.
sf_cluster_up 2 --twins --containers
images=$SF_IMAGES
printf 'required %s\n' "$plugin" >"$SF_PYXIS_PLUGSTACK_D/sparkfabric.conf"
echo "include $SF_PYXIS_PLUGSTACK_D/*.conf" >"$SF_CLUSTER_STATE/plugstack.conf"

test_case "no image"
# Without an image: the survey as before, no image columns.
survey 120
assert_eq "$rc" "0" "survey without an image: exit status"
assert_not_contains "$out" "image" "no image columns or rows without --container-image"
plain_took=$took

test_case "an image with another cluster's values"
# The baked image: its NCCL at its path, its nccl.conf's known hang (a warning), its
# NCCL_SOCKET_IFNAME named with what a job gets instead; nothing from pyxis on the terminal.
survey 180 --container-image="$images/baked.sqsh"
assert_eq "$rc" "1" "baked image: exit status (warnings)"
assert_contains "$out" "inside the image $images/baked.sqsh" "the image's rows"
assert_contains "$out" "    NCCL: 2.27.3 at /usr/lib/x86_64-linux-gnu/libnccl.so.2.27.3" "the image's NCCL and its path"
assert_contains "$out" "    net plugins: /usr/lib/x86_64-linux-gnu/libnccl-net.so" "the image's net plugin"
assert_contains "$out" "    nccl.conf: /etc/nccl.conf:1 NCCL_IB_USE_INLINE=1, /etc/nccl.conf:2 NCCL_SOCKET_IFNAME=eth0" "the image's nccl.conf"
# One image, the same findings on both nodes: one line each, for all nodes; both cells warn.
assert_contains "$out" "warn all nodes: /etc/nccl.conf:1: sets NCCL_IB_USE_INLINE=1" "the nccl.conf hang"
assert_contains "$out" "info all nodes: NCCL_SOCKET_IFNAME: the image sets NCCL_SOCKET_IFNAME=eth0; in a job the sparkfabric plugin replaces it: the task gets '=enp1s0f1np1,enP2p1s0f1np1' (sparkfabric's plan)" "the image's NCCL_SOCKET_IFNAME"
assert_eq "$(echo "$out" | grep -c '^spark-dgx-[12] .* ok  *warn *$')" "2" "image-conf warns on both nodes, the other image cells ok"
assert_contains "$out" "NCCL_IB_HCA: the image sets NCCL_IB_HCA=mlx5_9; in a job the sparkfabric plugin replaces it: the task gets unset (the plan leaves it unset)" "a name the plan leaves to NCCL"
assert_contains "$out" "NCCL_VERSION=2.21.5 but the library the task loads is 2.27.3" "the image's stale NCCL_VERSION"
assert_not_contains "$out" "/etc/nccl.conf:2:" "line 2 is no finding: the plan's NCCL_SOCKET_IFNAME wins over it"
assert_not_contains "$out" "pyxis" "pyxis's own lines stay off the terminal"
assert_no_container_leftovers
baked_took=$took
pass "baked image: NCCL 2.27.3 at its path, the nccl.conf hang warned, the image's NCCL_SOCKET_IFNAME named (survey took ${baked_took} ms; ${plain_took} ms without an image)"

test_case "spark-launch --preflight with an image"
# spark-launch --preflight with an image surveys the nodes from inside it too; the image's
# warnings are shown and the launch goes on (only errors stop it).
capture run_with_timeout 240 as_user salloc -Q -N2 "$launch" --preflight --container-image="$images/baked.sqsh" srun -- true
assert_eq "$rc" "0" "spark-launch --preflight --container-image: exit status"
assert_contains "$out" "inside the image $images/baked.sqsh" "--preflight: the image's rows"
assert_contains "$out" "/etc/nccl.conf:1: sets NCCL_IB_USE_INLINE=1" "--preflight: the image's nccl.conf hang"
assert_contains "$out" "preflight survey passed with warnings" "--preflight: warnings do not stop the launch"
assert_no_container_leftovers
pass "spark-launch --preflight --container-image: the image surveyed on every node before the launch"

test_case "JSON"
# JSON for tools, with the image's view per node.
capture_stdout run_with_timeout 180 as_user salloc -Q -N2 "$fabric" survey --format json --container-image="$images/baked.sqsh" 2>/dev/null
summary=$(echo "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
n = d["image"]["nodes"]["spark-dgx-2"]
print(d["exit_code"], d["cells"]["spark-dgx-1"]["image-conf"], n["nccl"][0]["version"], n["nccl_conf"][0]["name"],
      n["environment"]["NCCL_SOCKET_IFNAME"], n["error"] == "")')
assert_eq "$summary" "1 warn 2.27.3 NCCL_IB_USE_INLINE eth0 True" "JSON: the image's view and its cells"
assert_no_container_leftovers
pass "--format json parses, with the image's NCCL, nccl.conf and environment per node"

test_case "the torch image"
# The torch image (Debian 12, python3-torch): torch 1.13 in the image, no NCCL in it. Starting
# it (enroot unpacks 700 MB) took over the 60 s default on this 2-core machine under load.
survey 300 --timeout 120 --container-image="$images/torch.sqsh"
assert_contains "$out" "    torch: 1.13" "torch in the image"
assert_contains "$out" "    NCCL: none found" "no NCCL in Debian's CPU torch"
assert_not_contains "$out" "FAIL" "the torch image starts on both nodes"
assert_no_container_leftovers
pass "torch image: torch $(echo "$out" | sed -n 's/^    torch: //p') reported (survey took ${took} ms: enroot unpacks 440 MB)"

test_case "PYXIS_CONTAINER_IMAGE"
# pyxis's environment form: PYXIS_CONTAINER_IMAGE is the survey's image, and the survey's
# own agents still run on the hosts (pyxis would start every step of the allocation in it).
PYXIS_CONTAINER_IMAGE=$images/baked.sqsh capture run_with_timeout 180 as_user salloc -Q -N2 "$fabric" survey --color never
assert_contains "$out" "    NCCL: 2.27.3 at /usr/lib/x86_64-linux-gnu/libnccl.so.2.27.3" "PYXIS_CONTAINER_IMAGE surveyed"
assert_contains "$out" "spark-dgx-2 ok" "the agents answered from the hosts"
assert_no_container_leftovers
pass "PYXIS_CONTAINER_IMAGE: the image surveyed, the agents on the hosts"

test_case "a missing image"
# A missing image: one clear FAIL per node naming the image and the node, no wall of pyxis
# lines, within the timeout.
survey 120 --timeout 20 --container-image=/nonexistent/image.sqsh
assert_eq "$rc" "2" "missing image: exit status"
for node in spark-dgx-1 spark-dgx-2; do
    assert_contains "$out" "FAIL $node: /nonexistent/image.sqsh: the image /nonexistent/image.sqsh did not start on $node: " "the missing image on $node"
done
assert_not_contains "$out" "slurmstepd" "no slurmstepd log lines"
[ "$wall" -le 40 ] || fail "a missing image took $wall s with --timeout 20"
assert_no_container_leftovers
pass "missing image: FAIL on each node naming the image and the node: $(echo "$out" | grep -m1 'did not start on spark-dgx-1') (survey took ${took} ms)"

test_case "an image slower than --timeout"
# An image slower than --timeout (an enroot hook that sleeps, as a slow registry pull would):
# the survey gives up on it in time and says so.
printf '#!/bin/sh\nsleep 25\n' >"$SF_ENROOT_HOOKS_D/50-slow.sh"
chmod 755 "$SF_ENROOT_HOOKS_D/50-slow.sh"
survey 120 --timeout 6 --container-image="$images/baked.sqsh"
rm "$SF_ENROOT_HOOKS_D/50-slow.sh"
assert_eq "$rc" "2" "slow image: exit status"
assert_contains "$out" "did not start on spark-dgx-1: no answer within 6 s" "the slow image named"
assert_contains "$out" "spark-dgx-1 ok" "the host checks still answered"
[ "$wall" -le 25 ] || fail "a slow image took $wall s with --timeout 6"
SF_LEFTOVER_WAIT=60 assert_no_container_leftovers
pass "an image slower than --timeout: FAIL within the bound (survey took ${took} ms)"
