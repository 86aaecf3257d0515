#!/usr/bin/env bash
# The SPANK plugin inside a real Slurm cluster: real slurmctld, one real slurmd per network
# namespace, real srun and sbatch. Usage: plugin_test.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/testlib.sh"
cluster_test_begin "$@"

sf_cluster_up 2 --twins
state=$SF_CLUSTER_STATE
use_plugstack() { printf '%s\n' "$*" > "$state/plugstack.conf"; }
use_plugstack "required $plugin"

test_case "a plan per node, in every task"
# Every node of a step gets its own plan, injected into every task.
out=$(run_with_timeout 60 as_user srun -N2 --ntasks-per-node=2 bash -c \
      'echo "$(hostname) $SLURM_PROCID $SPARKFABRIC_FABRIC_ADDR $NCCL_SOCKET_IFNAME $GLOO_SOCKET_IFNAME $SPARKFABRIC_TOPOLOGY algo=${NCCL_ALGO:-unset}"' 2>&1)
for rank in 0 1; do assert_contains "$out" "spark-dgx-1 $rank 192.168.200.1 =enp1s0f1np1,enP2p1s0f1np1 enp1s0f1np1 pair algo=unset" "node 1 task $rank"; done
for rank in 2 3; do assert_contains "$out" "spark-dgx-2 $rank 192.168.200.2 =enp1s0f1np1,enP2p1s0f1np1 enp1s0f1np1 pair algo=unset" "node 2 task $rank"; done
pass "injected on every node and task"

test_case "srun --help"
# The options are known to srun and sbatch.
help=$(as_user srun --help 2>&1)
for option in --fabric= --nccl-mode= --fabric-check= --fabric-explain; do assert_contains "$help" "$option" "srun --help"; done
pass "srun --help lists the options"

test_case "invalid option values"
# Invalid values are refused before anything is queued: no job id appears that was not known
# before (finished jobs stay listed for MinJobAge, so a refused one that slipped through shows).
jobs_before=$(squeue -h -t all -o %i | sort)
capture run_with_timeout 30 as_user srun -N2 --nccl-mode=turbo true
assert_fails "$rc" "srun --nccl-mode=turbo"
assert_contains "$out" "--nccl-mode: 'turbo' is not a mode; use auto, safe or dmabuf" "srun message"
capture run_with_timeout 30 as_user sbatch -N2 --fabric=eth0\;reboot --wrap true
assert_fails "$rc" "sbatch --fabric='eth0;reboot'"
assert_contains "$out" "is not a network interface name" "sbatch message"
assert_eq "$(comm -13 <(echo "$jobs_before") <(squeue -h -t all -o %i | sort))" "" "nothing queued"
pass "invalid option values refused by srun and sbatch"

test_case "user values and --fabric=off"
# A value the user set is kept; --fabric=off injects nothing.
out=$(NCCL_SOCKET_IFNAME=eth9 run_with_timeout 60 as_user srun -N2 printenv NCCL_SOCKET_IFNAME 2>&1)
assert_eq "$(echo "$out" | sort -u)" "eth9" "user value kept"
out=$(run_with_timeout 60 as_user srun -N2 --fabric=off bash -c 'echo "status=$SPARKFABRIC_STATUS if=${NCCL_SOCKET_IFNAME:-unset}"' 2>&1)
assert_eq "$(echo "$out" | sort -u)" "status=off if=unset" "--fabric=off"
pass "user values kept, --fabric=off honoured"

test_case "#SBATCH options"
# #SBATCH lines, and the options reaching the steps of the batch job.
cat > "$SF_USER_DIR/job.sbatch" <<'JOB'
#!/bin/bash
#SBATCH -N2
#SBATCH --fabric-explain
#SBATCH --nccl-mode=safe
echo "batch: mode=$SPARKFABRIC_MODE addr=$SPARKFABRIC_FABRIC_ADDR"
srun -N2 bash -c 'echo "step: $(hostname) $NCCL_NET_GDR_LEVEL ${SPARKFABRIC_MODE} algo=$NCCL_ALGO"'
JOB
run_batch_job 120 "$SF_USER_DIR/job.sbatch"
assert_eq "$rc" 0 "the batch job's status"
assert_contains "$out" "batch: mode=safe addr=192.168.200.1" "batch step"
assert_contains "$out" "sparkfabric: spark-dgx-2: SPARKFABRIC_MODE=safe  <- requested with --nccl-mode=safe" "explain in a step"
assert_contains "$out" "step: spark-dgx-2" "step ran"
pass "#SBATCH options work and reach the job's steps"

test_case "a fabric link down"
# A broken fabric link: strict fails with node, interface and fix; warn runs and says so.
sf_cluster link-down spark-dgx-2 >/dev/null 2>&1
capture run_with_timeout 60 as_user srun -N2 --fabric-check=strict true
assert_fails "$rc" "--fabric-check=strict with a link down"
assert_contains "$out" "spark-dgx-2: enp1s0f1np1: fabric link is down" "strict message"
assert_contains "$out" "fix: check the cable" "strict fix"
warn=$(run_with_timeout 60 as_user srun -N2 --fabric-check=warn hostname 2>&1)
assert_contains "$warn" "spark-dgx-2" "warn runs"
assert_contains "$warn" "enp1s0f1np1: fabric link is down" "warn names the interface"
sf_cluster link-up spark-dgx-2 >/dev/null 2>&1
pass "link down: strict fails the job with the message, warn runs"

test_case "RDMA fixture trees"
# An RDMA fixture tree overlaid through sysfs_root: the HCA and GID rules end to end.
use_plugstack "required $plugin sysfs_root=$fixtures/cage1/sys procfs_root=$fixtures/cage1/proc"
out=$(run_with_timeout 60 as_user srun -N2 bash -c 'echo "$(hostname) $NCCL_IB_HCA $NCCL_IB_GID_INDEX $UCX_NET_DEVICES $NCCL_IB_ROCE_VERSION_NUM"' 2>&1)
assert_contains "$out" "spark-dgx-1 =rocep1s0f1:1,roceP2p1s0f1:1 3 rocep1s0f1:1,roceP2p1s0f1:1 2" "HCAs on node 1"
assert_contains "$out" "spark-dgx-2 =rocep1s0f1:1,roceP2p1s0f1:1 3 rocep1s0f1:1,roceP2p1s0f1:1 2" "HCAs on node 2"
use_plugstack "required $plugin sysfs_root=$fixtures/gid-hole/sys procfs_root=$fixtures/gid-hole/proc"
out=$(run_with_timeout 60 as_user srun -N1 bash -c 'echo "gid=${NCCL_IB_GID_INDEX:-unset} $NCCL_IB_ADDR_FAMILY $NCCL_IB_ADDR_RANGE"' 2>&1)
assert_contains "$out" "gid=unset AF_INET 192.168.200.0/23" "GID hole"
pass "RDMA overlay: both twins, GID index, address range"

test_case "broken and untrusted site configs"
# A broken site config: required -> no job and one clear error; optional -> runs uninjected.
printf 'nccl:\n  mode: turbo\n' > "$state/bad.yaml"
chmod 644 "$state/bad.yaml"
use_plugstack "required $plugin config=$state/bad.yaml"
capture run_with_timeout 60 as_user srun -N2 true
assert_fails "$rc" "a required plugin with a broken config"
assert_contains "$out" "bad.yaml:2: key 'nccl.mode': 'turbo' is not auto, safe or dmabuf" "config error"
use_plugstack "optional $plugin config=$state/bad.yaml"
out=$(run_with_timeout 60 as_user srun -N2 bash -c 'echo "ran ${NCCL_SOCKET_IFNAME:-uninjected}"' 2>&1)
assert_contains "$out" "ran uninjected" "optional runs without injection"
assert_contains "$out" "bad.yaml:2: key 'nccl.mode'" "optional still says why"
printf 'nccl: {mode: safe}\n' > "$state/open.yaml"
chmod 666 "$state/open.yaml"
use_plugstack "required $plugin config=$state/open.yaml"
capture run_with_timeout 60 as_user srun -N1 true
assert_fails "$rc" "a world-writable config"
assert_contains "$out" "writable by group or others" "untrusted config refused"
pass "broken and untrusted configs handled as documented"

sf_cluster_down
test_case "ten nodes"
# Ten nodes: every node's own address, a switch, and no NCCL_ALGO (Tree would leave broadcast,
# all_gather and reduce_scatter without an algorithm: bench/gpu/SHAPES.md).
sf_cluster_up 10
use_plugstack "required $plugin"
out=$(run_with_timeout 120 as_user srun -N10 bash -c 'echo "$SPARKFABRIC_FABRIC_ADDR $SPARKFABRIC_TOPOLOGY algo=${NCCL_ALGO:-unset}"' 2>&1)
assert_eq "$(echo "$out" | grep -c ' switch algo=unset$')" "10" "a switch and no NCCL_ALGO on ten nodes"
assert_eq "$(echo "$out" | cut -d' ' -f1 | sort -u | wc -l)" "10" "ten distinct fabric addresses"
pass "ten nodes"
