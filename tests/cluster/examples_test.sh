#!/usr/bin/env bash
# Every example in examples/ runs on the emulated cluster and does what it says.
# Usage: examples_test.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:?usage: examples_test.sh BUILD_DIR}" && pwd)
source "$here/testlib.sh"

out=$("$here/run_example.sh" 2 "$root/examples/torchrun_ddp.sbatch" "$build" 2>&1) || { echo "$out"; fail "torchrun_ddp.sbatch failed"; }
assert_contains "$out" "NCCL_SOCKET_IFNAME==enp1s0f1np1" "the job shows its injected settings"
assert_contains "$out" "sparkfabric: spark-dgx-2: GLOO_SOCKET_IFNAME=enp1s0f1np1  <- " "--fabric-explain from #SBATCH"
assert_contains "$out" "DDP_OK rank=0" "rank 0 trained"
assert_contains "$out" "DDP_OK rank=1" "rank 1 trained"
assert_contains "$out" "params_in_sync=True" "DDP kept the ranks in sync"
pass "examples/torchrun_ddp.sbatch"

out=$("$here/run_example.sh" 2 "$root/examples/nccl_bandwidth.sbatch" "$build" 2>&1) || { echo "$out"; fail "nccl_bandwidth.sbatch failed"; }
assert_contains "$out" "MPI_FABRIC_OK" "fabric check over MPI"
pass "examples/nccl_bandwidth.sbatch (MPI fallback on CPU nodes)"

out=$("$here/run_example.sh" 2 "$root/examples/interactive.sh" "$build" 2>&1) || { echo "$out"; fail "interactive.sh failed"; }
assert_contains "$out" "spark-dgx-2: ok 192.168.200.2 NCCL_SOCKET_IFNAME==enp1s0f1np1 topology=pair" "each node's settings"
assert_contains "$out" "--rdzv_id=slurm-" "the printed launch line"
assert_contains "$out" "# spark-dgx-2" "the printed line of each node"
assert_contains "$out" "DDP_OK rank=1" "training from salloc"
pass "examples/interactive.sh under salloc"

# The serving examples with the stand-ins for vLLM, SGLang and Ray first on PATH and PYTHONPATH
# (tests/cluster/standins), as a venv's would be: the scripts run exactly as written.
standins="$here/standins"
serving_env=(env "PATH=$standins/bin:$PATH" "PYTHONPATH=$standins/python:$here")
out=$("${serving_env[@]}" "$here/run_example.sh" 2 "$root/examples/vllm_serve.sbatch" "$build" 2>&1) || { echo "$out"; fail "vllm_serve.sbatch failed"; }
assert_contains "$out" "VLLM_STANDIN_OK rank=0 nnodes=2 host_ip=192.168.200.1" "vllm head"
assert_contains "$out" "VLLM_STANDIN_OK rank=1 nnodes=2 host_ip=192.168.200.2" "vllm on node 2"
assert_contains "$out" "others=--tensor-parallel-size 1 --pipeline-parallel-size 2 --port 8000" "the example's own vLLM flags arrive"
pass "examples/vllm_serve.sbatch"
out=$("${serving_env[@]}" "$here/run_example.sh" 2 "$root/examples/sglang_serve.sbatch" "$build" 2>&1) || { echo "$out"; fail "sglang_serve.sbatch failed"; }
assert_contains "$out" "SGLANG_STANDIN_OK rank=0 nnodes=2" "sglang head"
assert_contains "$out" "SGLANG_STANDIN_OK rank=1 nnodes=2" "sglang on node 2"
pass "examples/sglang_serve.sbatch"
out=$("${serving_env[@]}" "$here/run_example.sh" 2 "$root/examples/ray_vllm.sbatch" "$build" 2>&1) || { echo "$out"; fail "ray_vllm.sbatch failed"; }
assert_contains "$out" "VLLM_RAY_OK model=Qwen/Qwen3-30B-A3B nodes=2 addresses=192.168.200.1,192.168.200.2" "vllm found the Ray cluster of both nodes"
assert_contains "$out" "spark-launch: spark-dgx-2: Ray stopped here" "Ray stopped on node 2"
pass "examples/ray_vllm.sbatch"
