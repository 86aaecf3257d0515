#!/usr/bin/env bash
# The container stack alone in the emulated cluster: real pyxis and enroot (no sparkfabric
# plugin loaded), real srun --container-image as the ordinary user, and nothing left behind.
# Every part prints how long it took. Usage: pyxis_test.sh [BUILD_DIR] (unused)
# shellcheck disable=SC1091,SC2016  # testlib is sourced at run time; task commands expand in the task
set -euo pipefail
source "$(dirname "$0")/testlib.sh"

now() { date +%s.%N; }
took() {  # LABEL START
    awk -v l="$1" -v s="$2" -v e="$(now)" 'BEGIN { printf "TIME: %s: %.2f s\n", l, e - s }'
}

# The stack and the images first, outside the cluster lock: the first torch.sqsh takes minutes.
t=$(now)
cluster_test_begin --containers --no-build
took "container stack and images (cached after the first run), then the cluster lock" "$t"

# srun's working directory: one the test user can enter (pyxis does not mount it in the image).
cd /

t=$(now)
sf_cluster_up 2 --containers
took "cluster up, 2 nodes, --containers" "$t"
# As a test that also loads its own plugin would: Debian's include of plugstack.conf.d (its
# pyxis.conf sorts before a sparkfabric.conf dropped next to it).
echo "include $SF_PYXIS_PLUGSTACK_D/*.conf" >"$SF_CLUSTER_STATE/plugstack.conf"
images=$SF_IMAGES
srun_user() {  # TIMEOUT SRUN-ARGS...: srun as the test user, output and status kept
    local secs=$1
    shift
    run_with_timeout "$secs" as_user srun "$@" 2>&1
}
where='echo "$(hostname) image=$(cat /etc/sparkfabric-image) sh=$(readlink /bin/sh) os=$(head -n 1 /etc/os-release 2>/dev/null)"'

test_case "a plain image on 2 nodes"
# Each node runs the task inside the busybox image (the host is Debian 12, with os-release).
t=$(now)
out=$(srun_user 120 -N2 --container-image="$images/plain.sqsh" sh -c "$where")
took "srun -N2 plain.sqsh" "$t"
assert_eq "$(echo "$out" | sort)" "spark-dgx-1 image=plain sh=/bin/busybox os=
spark-dgx-2 image=plain sh=/bin/busybox os=" "both nodes inside plain.sqsh"
assert_no_container_leftovers
pass "srun --container-image runs every node's task in the image"

test_case "an image's /etc/environment"
# The image's /etc/environment wins over the job's value (pyxis copies the container's
# environment back with overwrite); --container-env keeps the job's value.
t=$(now)
out=$(NCCL_SOCKET_IFNAME=foo srun_user 120 -N2 --container-image="$images/baked.sqsh" sh -c \
      'echo "$(hostname) $NCCL_SOCKET_IFNAME $NCCL_IB_HCA $GLOO_SOCKET_IFNAME $NCCL_VERSION $(grep -c ^NCCL_ /etc/nccl.conf) $(readlink /usr/lib/*/libnccl.so.2)"')
took "srun -N2 baked.sqsh" "$t"
assert_eq "$(echo "$out" | sort)" "spark-dgx-1 eth0 mlx5_9 eth0 2.21.5 2 libnccl.so.2.27.3
spark-dgx-2 eth0 mlx5_9 eth0 2.21.5 2 libnccl.so.2.27.3" "the image's NCCL settings over the job's"
assert_no_container_leftovers
t=$(now)
out=$(NCCL_SOCKET_IFNAME=foo srun_user 120 -N2 --container-image="$images/baked.sqsh" \
      --container-env=NCCL_SOCKET_IFNAME printenv NCCL_SOCKET_IFNAME)
took "srun -N2 baked.sqsh --container-env" "$t"
assert_eq "$(echo "$out" | sort -u)" "foo" "--container-env keeps the job's value"
assert_no_container_leftovers
pass "baked image: its /etc/environment wins, --container-env keeps the job's value"

test_case "a missing image"
# A missing image fails the step with pyxis's error.
t=$(now)
capture srun_user 120 -N2 --container-image=/nonexistent.sqsh true
took "srun -N2 /nonexistent.sqsh (fails)" "$t"
assert_fails "$rc" "srun in a missing image"
assert_contains "$out" "pyxis: failed to create container filesystem for image: /nonexistent.sqsh" "pyxis's error"
assert_contains "$out" "[ERROR] No such file or directory: /nonexistent.sqsh" "enroot's log, printed by pyxis"
assert_no_container_leftovers
pass "a missing image fails with status $rc and pyxis's error"

test_case "torch in Debian 12, on 2 nodes"
# Real Python and torch inside Debian 12, on two nodes.
t=$(now)
out=$(srun_user 300 -N2 --container-image="$images/torch.sqsh" sh -c \
      'echo "$(hostname) $(. /etc/os-release; echo "$VERSION_CODENAME") torch=$(python3 -c "import torch; print(torch.__version__)")"')
took "srun -N2 torch.sqsh python3 -c 'import torch'" "$t"
assert_eq "$(echo "$out" | sed 's/torch=1\..*$/torch=1.X/' | sort)" "spark-dgx-1 bookworm torch=1.X
spark-dgx-2 bookworm torch=1.X" "torch imported on both nodes"
assert_no_container_leftovers
pass "torch.sqsh: $(echo "$out" | head -n 1 | sed 's/.*torch=/torch /') on both nodes"

test_case "ten nodes"
# Ten nodes at once.
sf_cluster_down
t=$(now)
sf_cluster_up 10 --containers
took "cluster up, 10 nodes, --containers" "$t"
t=$(now)
out=$(srun_user 180 -N10 --container-image="$images/plain.sqsh" sh -c "$where")
took "srun -N10 plain.sqsh" "$t"
assert_eq "$(echo "$out" | grep -c ' image=plain sh=/bin/busybox os=$')" "10" "ten nodes inside the image"
assert_eq "$(echo "$out" | cut -d' ' -f1 | sort -u | wc -l)" "10" "ten distinct nodes"
assert_no_container_leftovers
pass "ten nodes in plain.sqsh"

test_case "down leaves nothing"
# down leaves nothing: no container state, no mount, no enroot process.
state=$SF_CLUSTER_STATE
t=$(now)
sf_cluster down --state "$state" >/dev/null 2>&1 || fail "cluster.sh down failed"
took "cluster down" "$t"
trap - EXIT
[ ! -e "$state/containers" ] || fail "cluster.sh down left $state/containers"
mounts=$(findmnt -rn -o TARGET | grep -e "^$state" -e '^/run/pyxis' || true)
[ -z "$mounts" ] || fail "mounts left after down: $mounts"
left=$(pgrep -a -f -- "$SF_ENROOT_BIN/" || true)
[ -z "$left" ] || fail "enroot processes left after down: $left"
pass "cluster down leaves no container state, mount or process"
