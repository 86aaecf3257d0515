#!/usr/bin/env bash
# spark-launch --hostfile --container-runtime podman, run to the end, as on two Sparks on a desk:
# an sshd in each emulated node (key login as the test user), Debian's podman (rootless, as that
# user) standing in for docker, and a real torchrun gloo all_reduce in the containers that
# spark-launch starts on each host. Shows that each container gets its own host's plan (not
# another host's, not the image's ENV), that the all_reduce is right and on the fabric, that no
# container is left on any host after a job that succeeds, fails or is stopped, and that a missing
# image is a clear error. Usage: podman_test.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/testlib.sh"
cluster_test_begin "$@"
test_started=$SECONDS  # after the cluster lock was taken
for command in podman runc /usr/sbin/sshd; do
    command -v "$command" >/dev/null 2>&1 || fail "no $command: install podman, runc and openssh-server (scripts/install-deps)"
done

# The image: the Debian + python3-torch root of the enroot tests, imported once (cached), with
# the ENV of an image built on another cluster: the plan's values must beat it.
store=$("$cluster_tools/podman_image.sh" torch "$SF_TEST_USER" NCCL_SOCKET_IFNAME=eth0 GLOO_SOCKET_IFNAME=eth0) \
    || fail "the podman test image could not be made (above)"
image=localhost/sparkfabric-torch

# spark-dgx-2 is cabled on cage 0: its interface names differ from spark-dgx-1's. Each node is
# a host where containers run: cgroup tree, own /dev/shm (cluster.sh --container-host).
sf_cluster_up 2 --node-cage spark-dgx-2=0 --container-host
source "$cluster_tools/node_sshd.sh"
node_sshd_setup
# Each node its own podman state, as each host has its own: the containers in a store of the
# node's (rootless podman takes its folder from rootless_storage_path, containers/storage 1.43
# types/options.go getRootlessStorageOpts), the image read from the shared store above
# (additionalimagestores), and a runtime folder in the node's own /tmp (runroot, libpod's tmp, the
# pause process's pid file: what XDG_RUNTIME_DIR=/run/user/UID gives a login on a real host). Its
# path stays short: podman 4.3.1 refuses a --runroot over 50 characters (pkg/domain/infra/
# runtime_libpod.go), and the cleanup that conmon runs when a container ends passes one, so with
# a longer one every `podman run` waits out its 20 s conmon timeout (libpod/container_api.go)
# and the container is not cleaned up by conmon. CONTAINERS_CONF replaces every other
# containers.conf (containers/common 0.50 pkg/config/config.go systemConfigs); in it, runc:
# Debian 12's crun 1.8.1 refuses this machine's hybrid cgroup layout. The node's sshd hands these
# to every session (sshd_config SetEnv), as a host's own files would be found there.
# podman records its folders in the store's database at its first call and keeps to them: a
# store left by an earlier run would bring that run's runtime folder back.
rm -rf "$SF_CLUSTER_STATE/podman"
for node in spark-dgx-1 spark-dgx-2; do
    dir=$SF_CLUSTER_STATE/podman/$node
    install -d -m 755 "$dir"
    install -d -o "$SF_TEST_USER" -m 700 "$dir/storage" "$SF_CLUSTER_STATE/tmp/$node/podman-run"
    printf '[storage]\ndriver = "overlay"\nrootless_storage_path = "%s"\n[storage.options]\nadditionalimagestores = ["%s"]\n' \
        "$dir/storage" "$store" > "$dir/storage.conf"
    printf '[engine]\nruntime = "runc"\n' > "$dir/containers.conf"
    start_node_sshd "$node" -o \
        "SetEnv=CONTAINERS_STORAGE_CONF=$dir/storage.conf CONTAINERS_CONF=$dir/containers.conf XDG_RUNTIME_DIR=/tmp/podman-run"
done
on_node1=("$cluster_tools/cluster.sh" exec spark-dgx-1 runuser -u "$SF_TEST_USER" --)
printf '192.168.200.1\n192.168.200.2\n' > "$SF_USER_DIR/hosts"
chown "$SF_TEST_USER" "$SF_USER_DIR/hosts"
# The tests' folder in the container, where torchrun finds the worker.
in_image=(--hostfile "$SF_USER_DIR/hosts" --container-runtime podman --container-mounts "$here:/sparkfabric-tests:ro")
worker=/sparkfabric-tests/container_allreduce_check.py

launch() {  # EXPECTED_STATUS WHAT SPARK_LAUNCH_ARGS...: on spark-dgx-1 as the user (300 s at most), into $out
    local expected=$1 what=$2 status=0 started=$SECONDS
    shift 2
    out=$(run_with_timeout 300 "${on_node1[@]}" "$launch" "$@" 2>&1) || status=$?
    echo "$what: $((SECONDS - started)) s"
    [ "$status" = "$expected" ] || { printf '%s\n' "$out"; fail "$what: exit status $status, expected $expected"; }
}
# What podman still has on each node, asked as the user would, over ssh (the node's own state);
# then the user's processes of a container (conmon, the worker) in each node. Bounded wait: a host
# whose launch was stopped removes its container after the launching side has returned.
leftovers() {
    local node address
    for address in 192.168.200.1 192.168.200.2; do
        "${on_node1[@]}" ssh "$address" podman ps -a --format "'{{.Names}} {{.Status}}'" 2>&1 | sed "s/^/$address: podman: /"
    done
    for node in spark-dgx-1 spark-dgx-2; do
        for pid in $(user_procs_on "$node" conmon; user_procs_on "$node" container_allreduce_check; user_procs_on "$node" sleep_worker); do
            echo "$node: process $pid: $(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)"
        done
    done
}
assert_nothing_left() { assert_none_within 30 "$1" leftovers; }  # WHAT

test_case "torchrun in containers on two hosts"
# torchrun in the image on both hosts: each container has its own host's plan, not the other
# host's (spark-dgx-2's cage-0 names) and not the image's eth0; gloo all_reduce on the fabric.
launch 0 "podman torchrun" "${in_image[@]}" --container-image "$image" torchrun -- "$worker"
assert_contains "$out" "CONTAINER host=spark-dgx-1 marker=/run/.containerenv NCCL_SOCKET_IFNAME==enp1s0f1np1 GLOO_SOCKET_IFNAME=enp1s0f1np1 SPARKFABRIC_BOOTSTRAP_ADDR=192.168.200.1" \
    "spark-dgx-1's container: its own plan"
assert_contains "$out" "CONTAINER host=spark-dgx-2 marker=/run/.containerenv NCCL_SOCKET_IFNAME==enp1s0f0np0 GLOO_SOCKET_IFNAME=enp1s0f0np0 SPARKFABRIC_BOOTSTRAP_ADDR=192.168.200.2" \
    "spark-dgx-2's container: its own plan (cage 0)"
assert_not_contains "$out" "=eth0" "no container kept the image's values"
assert_allreduce "$out" 2
assert_eq "$(grep -c 'podman cannot give the container unlimited locked memory' <<< "$out")" 1 \
    "the locked-memory warning, once per launch"
assert_nothing_left "after a job that succeeded"
pass "podman torchrun on 2 hosts: each container its own host's values over the image's, all_reduce on the fabric, nothing left"

test_case "a failing job"
# A failing job: every worker exits 3; the first host whose torchrun fails ends the launch,
# naming it, and no container is left on either host.
launch 1 "podman torchrun failing" "${in_image[@]}" --container-image "$image" torchrun -- "$worker" --fail
assert_contains "$out" "FAILING on purpose on spark-dgx-1" "the worker on spark-dgx-1 failed"
assert_contains "$out" "FAILING on purpose on spark-dgx-2" "the worker on spark-dgx-2 failed"
assert_contains "$out" "of 2) failed with exit status 1; stopping the others" "names the host that failed"
assert_nothing_left "after a job that failed"
pass "podman torchrun failing: the launch ends naming the host, no container left on either host"

test_case "SIGTERM to spark-launch"
# SIGTERM to spark-launch while the programs run: every host's container ends and is removed.
"${on_node1[@]}" "$launch" "${in_image[@]}" --container-image "$image" torchrun -- /sparkfabric-tests/sleep_worker.py \
    > "$SF_USER_DIR/sigterm.out" 2>&1 &
launch_job=$!
wait_until 120 workers_started "$SF_USER_DIR/sigterm.out" 2 || { cat "$SF_USER_DIR/sigterm.out"; fail "workers did not start in their containers"; }
kill -TERM $(user_procs_on spark-dgx-1 "spark-launch --hostfile")
keep_status wait "$launch_job"
assert_eq "$rc" "143" "spark-launch exit status after SIGTERM (128 + 15)"
assert_nothing_left "after SIGTERM to spark-launch"
pass "SIGTERM to spark-launch: the containers on every host end and are removed"

test_case "a missing image"
# An image no host has (and no registry to pull it from): each host's first step says so,
# naming the image and the host; nothing started, nothing left.
launch 2 "a missing image" "${in_image[@]}" --container-image localhost/sparkfabric-missing torchrun -- "$worker"
assert_contains "$out" "podman could not run the image localhost/sparkfabric-missing on spark-dgx-" "says which image and host"
assert_contains "$out" "check its name; \`podman pull localhost/sparkfabric-missing\` on every host" "says what to do"
assert_contains "$out" "of 2) failed with exit status 2; stopping the others" "ends the launch"
assert_not_contains "$out" "CONTAINER host=" "no program started"
assert_nothing_left "after a missing image"
pass "a missing image: a clear error naming the image and the host, nothing left"
echo "podman test: $((SECONDS - test_started)) s"
