#!/usr/bin/env bash
# Every example in examples/ runs on the emulated cluster and does what it says.
# Usage: examples_test.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/testlib.sh"
cluster_test_begin "$@"

example() {  # EXAMPLE [NAME=VALUE]...: examples/EXAMPLE on 2 emulated nodes (tools/cluster/run_example.sh)
             # into $out, with NAME=VALUE in its environment; a failure fails the test with the output
    local example=$1
    shift
    test_case "$example"
    capture env "$@" "$cluster_tools/run_example.sh" 2 "$root/examples/$example" "$build"
    [ "$rc" = 0 ] || { printf '%s\n' "$out"; fail "$example: exit status $rc"; }
}

example torchrun_ddp.sbatch
assert_contains "$out" "NCCL_SOCKET_IFNAME==enp1s0f1np1" "the job shows its injected settings"
assert_contains "$out" "sparkfabric: spark-dgx-2: GLOO_SOCKET_IFNAME=enp1s0f1np1  <- " "--fabric-explain from #SBATCH"
assert_contains "$out" "DDP_OK rank=0" "rank 0 trained"
assert_contains "$out" "DDP_OK rank=1" "rank 1 trained"
assert_contains "$out" "params_in_sync=True" "DDP kept the ranks in sync"
pass "examples/torchrun_ddp.sbatch"

example nccl_bandwidth.sbatch
assert_contains "$out" "MPI_FABRIC_OK" "fabric check over MPI"
pass "examples/nccl_bandwidth.sbatch (MPI fallback on CPU nodes)"

example interactive.sh
assert_contains "$out" "spark-dgx-2: ok 192.168.200.2 NCCL_SOCKET_IFNAME==enp1s0f1np1 topology=pair" "each node's settings"
assert_contains "$out" "--rdzv_id=slurm-" "the printed launch line"
assert_contains "$out" "# spark-dgx-2" "the printed line of each node"
assert_contains "$out" "DDP_OK rank=1" "training from salloc"
pass "examples/interactive.sh under salloc"

# The serving examples with the stand-ins for vLLM, SGLang and Ray first on PATH and PYTHONPATH
# (tests/cluster/standins), as a venv's would be: the scripts run exactly as written.
standins="$here/standins"
serving_env=("PATH=$standins/bin:$PATH" "PYTHONPATH=$standins/python:$here")
example vllm_serve.sbatch "${serving_env[@]}"
assert_contains "$out" "VLLM_STANDIN_OK rank=0 nnodes=2 host_ip=192.168.200.1" "vllm head"
assert_contains "$out" "VLLM_STANDIN_OK rank=1 nnodes=2 host_ip=192.168.200.2" "vllm on node 2"
assert_contains "$out" "others=--tensor-parallel-size 1 --pipeline-parallel-size 2 --port 8000" "the example's own vLLM flags arrive"
pass "examples/vllm_serve.sbatch"
example sglang_serve.sbatch "${serving_env[@]}"
assert_contains "$out" "SGLANG_STANDIN_OK rank=0 nnodes=2" "sglang head"
assert_contains "$out" "SGLANG_STANDIN_OK rank=1 nnodes=2" "sglang on node 2"
pass "examples/sglang_serve.sbatch"
example ray_vllm.sbatch "${serving_env[@]}"
assert_contains "$out" "VLLM_RAY_OK model=Qwen/Qwen3-30B-A3B nodes=2 addresses=192.168.200.1,192.168.200.2" "vllm found the Ray cluster of both nodes"
assert_contains "$out" "spark-launch: spark-dgx-2: Ray stopped here" "Ray stopped on node 2"
pass "examples/ray_vllm.sbatch"
