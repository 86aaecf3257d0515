#!/usr/bin/env bash
# Jobs in containers: real pyxis and enroot beside the sparkfabric plugin in the emulated
# cluster, loaded as a Debian site gets them (plugstack.conf includes plugstack.conf.d/*.conf:
# pyxis.conf sorts before sparkfabric.conf), jobs as the ordinary user. The images are made
# here without the internet (tools/cluster/container_stack.sh): plain (busybox), baked (an image
# built elsewhere: NCCL_SOCKET_IFNAME/NCCL_IB_HCA/GLOO_SOCKET_IFNAME in /etc/environment, an
# /etc/nccl.conf with NCCL_IB_USE_INLINE=1, an old libnccl) and torch (Debian 12 + python3-torch).
# Usage: container_test.sh BUILD_DIR
# shellcheck disable=SC2016  # task commands expand in the task
set -euo pipefail
source "$(dirname "$0")/testlib.sh"
cluster_test_begin --containers "$@"
cd /  # srun's working directory: one the test user can enter (pyxis mounts none of the host's)

# What sparkfabric owns in a task's environment, one "host NAME=VALUE" line each.
owned='env | grep -E "^(NCCL_|GLOO_|TP_|UCX_|OMPI_MCA_|SPARKFABRIC_)" | grep -v "^NCCL_DEBUG=\|^NCCL_VERSION=" | sed "s/^/$(hostname) /" | sort'

start_cluster() {  # N: with pyxis first and sparkfabric second, as plugstack.conf.d sorts them
    sf_cluster_up "$1" --twins --containers
    images=$SF_IMAGES
    printf 'required %s\n' "$plugin" >"$SF_PYXIS_PLUGSTACK_D/sparkfabric.conf"
    echo "include $SF_PYXIS_PLUGSTACK_D/*.conf" >"$SF_CLUSTER_STATE/plugstack.conf"
}
on() {  # TIMEOUT SRUN-ARGS...: srun as the test user; output (stdout and stderr) and status kept
    local seconds=$1
    shift
    run_with_timeout "$seconds" as_user srun "$@" 2>&1
}

start_cluster 2

test_case "a plain image"
# A plain image: inside, every node has exactly what the plugin gives it outside.
host=$(on 60 -N2 sh -c "$owned")
inside=$(on 120 -N2 --container-image="$images/plain.sqsh" sh -c "$owned")
assert_contains "$host" "spark-dgx-2 NCCL_SOCKET_IFNAME==enp1s0f1np1,enP2p1s0f1np1" "the plan on the host"
assert_eq "$(echo "$inside" | grep '^spark-dgx-. [A-Z]' | sort)" "$(echo "$host" | grep '^spark-dgx-. [A-Z]' | sort)" "values inside the plain image"
assert_no_container_leftovers
pass "plain image: the same fabric settings inside the container as outside, on both nodes"

test_case "an image with another cluster's values"
# An image with another cluster's values baked in: each is replaced by the plan's, and the job's
# stderr names what the image set; names the plan never sets (NCCL_DEBUG) stay the image's.
out=$(on 120 -N2 --container-image="$images/baked.sqsh" sh -c "$owned; echo \"\$(hostname) debug=\$NCCL_DEBUG\"")
assert_eq "$(echo "$out" | grep '^spark-dgx-. [A-Z]' | sort)" "$(echo "$host" | grep '^spark-dgx-. [A-Z]' | sort)" "baked image: the plan's values inside"
assert_contains "$out" "spark-dgx-1 debug=WARN" "the image's own NCCL_DEBUG stays"
assert_contains "$out" "info: spark-dgx-1: NCCL_SOCKET_IFNAME: the container image set NCCL_SOCKET_IFNAME='eth0'; the task gets '=enp1s0f1np1,enP2p1s0f1np1' (sparkfabric's plan)" "the replaced value named"
assert_contains "$out" "info: spark-dgx-2: GLOO_SOCKET_IFNAME: the container image set GLOO_SOCKET_IFNAME='eth0'" "node 2 says it too"
assert_contains "$out" "NCCL_IB_HCA: the container image set NCCL_IB_HCA='mlx5_9'; the task gets unset (the plan leaves it unset)" "a name the plan leaves to NCCL"
# Checks from inside: the image's /etc/nccl.conf (its NCCL_SOCKET_IFNAME line is ignored: the
# environment wins in NCCL).
assert_contains "$out" "warning: spark-dgx-1: /etc/nccl.conf:1: sets NCCL_IB_USE_INLINE=1" "the image's nccl.conf hang"
assert_not_contains "$out" "/etc/nccl.conf:2" "a conf line the environment overrides"
assert_no_container_leftovers
pass "baked image: NCCL_SOCKET_IFNAME, GLOO_SOCKET_IFNAME replaced, NCCL_IB_HCA removed, each named; nccl.conf's NCCL_IB_USE_INLINE=1 warned"

test_case "the user's values, --fabric-explain, strict"
# The user's own value wins over the image (as over the plan); --fabric-explain also names
# the image's NCCL library and its stale NCCL_VERSION label; strict fails on the image's hang.
out=$(GLOO_SOCKET_IFNAME=enP7s7 TP_SOCKET_IFNAME=enP7s7 on 120 -N2 --fabric-explain --container-image="$images/baked.sqsh" \
      sh -c 'echo "$(hostname) gloo=$GLOO_SOCKET_IFNAME tp=$TP_SOCKET_IFNAME"')
assert_contains "$out" "spark-dgx-1 gloo=enP7s7 tp=enP7s7" "the user's values inside"
assert_contains "$out" "spark-dgx-2 gloo=enP7s7 tp=enP7s7" "the user's values on node 2"
assert_contains "$out" "GLOO_SOCKET_IFNAME='eth0'; the task gets 'enP7s7' (your job's value)" "said whose value won"
assert_contains "$out" "libnccl.so.2.27.3: the task loads NCCL 2.27.3 from the container" "the image's NCCL named"
assert_contains "$out" "NCCL_VERSION=2.21.5 but the library the task loads is 2.27.3" "the stale label"
capture on 120 -N2 --fabric-check=strict --container-image="$images/baked.sqsh" echo STARTED
assert_fails "$rc" "--fabric-check=strict in an image with NCCL_IB_USE_INLINE=1"
assert_contains "$out" "--fabric-check=strict: the container image is not fit for this fabric" "strict's reason"
assert_not_contains "$out" "STARTED" "no task ran"
strict_plain=$(on 120 -N2 --fabric-check=strict --container-image="$images/plain.sqsh" echo STARTED)
assert_eq "$(echo "$strict_plain" | grep -c STARTED)" "2" "strict passes a clean image"
assert_no_container_leftovers
pass "the user's values kept inside; explain names the image's NCCL; strict stops a hanging image, passes a clean one"

test_case "either plugstack order, the enroot hook"
# The other plugstack order (sparkfabric.conf listed before pyxis): sparkfabric's task_init
# runs before pyxis starts the container, so the image's values would win; sparkfabric's enroot
# hook (installed in enroot's hooks.d, as a site installs the package's) takes them out of the
# container's environment, in either order. With pyxis first, task_init still names them.
probe='echo "$(hostname) if=$NCCL_SOCKET_IFNAME hca=${NCCL_IB_HCA:-unset} gloo=$GLOO_SOCKET_IFNAME taken=$SPARKFABRIC_IMAGE_ENV"'
mv "$SF_PYXIS_PLUGSTACK_D/sparkfabric.conf" "$SF_PYXIS_PLUGSTACK_D/00-sparkfabric.conf"
out=$(on 120 -N2 --container-image="$images/baked.sqsh" sh -c "$probe")
assert_contains "$out" "spark-dgx-2 if=eth0 hca=mlx5_9 gloo=eth0" "sparkfabric before pyxis, no hook: the image wins (why the hook exists)"
install -m 755 "$build/enroot/hooks.d/90-sparkfabric.sh" "$SF_ENROOT_HOOKS_D/90-sparkfabric.sh"
out=$(GLOO_SOCKET_IFNAME=enP7s7 on 120 -N2 --container-image="$images/baked.sqsh" sh -c "$probe")
assert_contains "$out" "spark-dgx-2 if==enp1s0f1np1,enP2p1s0f1np1 hca=unset gloo=enP7s7 taken=NCCL_SOCKET_IFNAME=eth0 NCCL_IB_HCA=mlx5_9 GLOO_SOCKET_IFNAME=eth0" "sparkfabric before pyxis, with the hook"
mv "$SF_PYXIS_PLUGSTACK_D/00-sparkfabric.conf" "$SF_PYXIS_PLUGSTACK_D/sparkfabric.conf"
out=$(on 120 -N2 --container-image="$images/baked.sqsh" sh -c "$probe")
assert_contains "$out" "spark-dgx-1 if==enp1s0f1np1,enP2p1s0f1np1 hca=unset gloo=enp1s0f1np1" "pyxis first, with the hook"
assert_contains "$out" "info: spark-dgx-1: NCCL_SOCKET_IFNAME: the container image set NCCL_SOCKET_IFNAME='eth0'; the task gets '=enp1s0f1np1,enP2p1s0f1np1' (sparkfabric's plan)" "what the hook took out is named"
rm "$SF_ENROOT_HOOKS_D/90-sparkfabric.sh"
assert_no_container_leftovers
pass "either plugstack order: with sparkfabric first the enroot hook keeps the job's values; with pyxis first task_init names what the hook took out"

test_case "a missing image, a broken image"
# A missing image and an image enroot cannot use: pyxis's error, a failed step, nothing left.
for image in /nonexistent/image.sqsh /etc/hostname; do
    capture on 60 -N2 --container-image="$image" true
    assert_fails "$rc" "srun in the image $image"
    assert_contains "$out" "pyxis:" "pyxis says why ($image)"
    assert_no_container_leftovers
done
capture run_with_timeout 120 as_user salloc -N2 "$launch" --container-image=/nonexistent/image.sqsh torchrun -- /x.py
assert_eq "$rc" "2" "spark-launch with a missing image"
assert_contains "$out" "spark-launch: cannot start python3 with torch in the image /nonexistent/image.sqsh on spark-dgx-1" "spark-launch names the image"
assert_no_container_leftovers
pass "a missing image and a broken one fail the step with pyxis's message; spark-launch names the image"

test_case "spark-launch --container-image, every kind, from sbatch"
# spark-launch --container-image from a batch script on the host: torchrun's all_reduce in
# the torch image on both nodes, the vLLM, SGLang and Ray stand-ins in it, mpirun's ranks in it,
# pyxis's environment form for all steps, several steps of one job.
mounts="--container-mounts=$here:$here"
cat >"$SF_USER_DIR/containers.sbatch" <<JOB
#!/bin/bash
#SBATCH -N2
$launch --print --container-image=$images/torch.sqsh $mounts torchrun -- $check_py
$launch --print --container-image=$images/torch.sqsh vllm -- serve test/model
echo "=== torchrun"
$launch --container-image=$images/torch.sqsh $mounts torchrun -- $check_py
echo "torchrun exit \$?"
$launch --container-image=$images/torch.sqsh $mounts vllm -- $here/standins/bin/vllm serve test/model
echo "vllm exit \$?"
PYTHONPATH=$here/standins/python:$here $launch --container-image=$images/torch.sqsh $mounts sglang -- --model-path test/model
echo "sglang exit \$?"
echo "=== ray"
PYTHONPATH=$here/standins/python:$here $launch --container-image=$images/torch.sqsh $mounts --ray $here/standins/bin/ray ray -- python3 $here/ray_job_check.py 2
echo "ray exit \$?"
$launch --container-image=$images/torch.sqsh mpirun -- sh -c 'echo "mpi-image \$(hostname) rank=\$SLURM_PROCID \$NCCL_SOCKET_IFNAME \$(cat /etc/sparkfabric-image)"'
echo "mpirun exit \$?"
export PYXIS_CONTAINER_IMAGE=$images/baked.sqsh
srun -N2 sh -c 'echo "env-image \$(hostname) \$NCCL_SOCKET_IFNAME \$(cat /etc/sparkfabric-image)"'
echo "=== env torchrun"
PYXIS_CONTAINER_IMAGE=$images/torch.sqsh PYXIS_CONTAINER_MOUNTS=$here:$here $launch torchrun -- $check_py
echo "env torchrun exit \$?"
JOB
run_batch_job 900 "$SF_USER_DIR/containers.sbatch"
assert_contains "$out" "# every node runs its command below in $images/torch.sqsh, through one step: srun --nodes=2" "--print: the container step"
assert_eq "$(echo "$out" | grep -c '^torchrun .*--rdzv_conf=is_host=true')" "1" "--print: is_host on the head only"
assert_contains "$out" "VLLM_HOST_IP='<SPARKFABRIC_BOOTSTRAP_ADDR of spark-dgx-2 in its container>' vllm serve test/model" "--print: a node's own address, known in its container"
section() { echo "$out" | sed -n "/^=== $1\$/,/^$1 exit/p"; }
assert_contains "$out" "torchrun exit 0" "torchrun in the image"
assert_allreduce "$(section torchrun)" 2
assert_contains "$out" "VLLM_STANDIN_OK rank=1 nnodes=2 host_ip=192.168.200.2" "vLLM's worker in the image, its own address"
assert_contains "$out" "vllm exit 0" "vllm in the image"
assert_contains "$out" "SGLANG_STANDIN_OK rank=1 nnodes=2" "SGLang's node 2 in the image"
assert_contains "$out" "sglang exit 0" "sglang in the image"
assert_contains "$out" "ray exit 0" "ray in the image"
assert_contains "$(section ray)" "2 of 2 nodes joined Ray" "ray in the image: both nodes joined"
assert_contains "$(section ray)" "RAY_JOB_OK nodes=2" "ray in the image: the command ran on the head"
assert_contains "$(section ray)" "spark-launch: spark-dgx-1: Ray stopped here" "ray in the image: the head stopped its Ray"
assert_contains "$(section ray)" "spark-launch: spark-dgx-2: Ray stopped here" "ray in the image: node 2 stopped its Ray"
assert_contains "$out" "mpirun in the image $images/torch.sqsh: its ranks start through srun --mpi=pmix" "mpirun in the image: says how its ranks start"
assert_contains "$out" "mpi-image spark-dgx-1 rank=0 =enp1s0f1np1,enP2p1s0f1np1 torch" "mpirun in the image: rank 0 in the image, its node's plan"
assert_contains "$out" "mpi-image spark-dgx-2 rank=1 =enp1s0f1np1,enP2p1s0f1np1 torch" "mpirun in the image: rank 1 in the image, its node's plan"
assert_contains "$out" "mpirun exit 0" "mpirun in the image"
assert_contains "$out" "env-image spark-dgx-2 =enp1s0f1np1,enP2p1s0f1np1 baked" "PYXIS_CONTAINER_IMAGE: a plain srun in the image, the plan's value"
assert_contains "$out" "env torchrun exit 0" "torchrun through PYXIS_CONTAINER_IMAGE"
assert_allreduce "$(section "env torchrun")" 2
assert_no_container_leftovers
pass "spark-launch --container-image: torchrun all_reduce, vLLM, SGLang and Ray stand-ins and mpirun's ranks in the torch image; PYXIS_CONTAINER_IMAGE for all steps"

test_case "ten nodes"
# Ten nodes: values inside, and torchrun's all_reduce across ten containers from salloc.
start_cluster 10
out=$(on 300 -N10 --container-image="$images/baked.sqsh" sh -c 'echo "$(hostname) $NCCL_SOCKET_IFNAME $SPARKFABRIC_FABRIC_ADDR"')
for ((k = 1; k <= 10; k++)); do
    assert_contains "$out" "spark-dgx-$k =enp1s0f1np1,enP2p1s0f1np1 192.168.200.$k" "node $k inside the baked image"
done
assert_no_container_leftovers
out=$(run_with_timeout 900 as_user salloc -N10 "$launch" --container-image="$images/torch.sqsh" "$mounts" torchrun -- "$check_py" 2>&1)
assert_allreduce "$out" 10
assert_no_container_leftovers
pass "ten nodes: the plan inside every container; torchrun all_reduce across ten containers"
