#!/bin/bash
# For an interactive allocation:   salloc -N2 examples/interactive.sh
# (or run these lines yourself in the salloc shell). The salloc shell may sit on a login node
# without a fabric; spark-launch asks the head node for its fabric address.
set -euo pipefail
examples=$(cd "$(dirname "$0")" && pwd)
echo "== what each node of allocation $SLURM_JOB_ID gets:"
srun --ntasks-per-node=1 bash -c 'echo "$(hostname): $SPARKFABRIC_STATUS $SPARKFABRIC_FABRIC_ADDR NCCL_SOCKET_IFNAME=$NCCL_SOCKET_IFNAME topology=$SPARKFABRIC_TOPOLOGY"'
echo "== the torchrun line each node would run:"
# shellcheck disable=SC2086
spark-launch --print ${SPARK_LAUNCH_OPTS:-} torchrun -- "$examples/ddp_train.py"
echo "== training"
# shellcheck disable=SC2086
spark-launch ${SPARK_LAUNCH_OPTS:-} torchrun -- "$examples/ddp_train.py"
