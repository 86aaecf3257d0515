#!/usr/bin/env bash
# Builds the GPU pieces standalone (bench/gpu/CMakeLists.txt) into $BUILD (default build-gpu),
# preferring a system NCCL and falling back to the one in Python's nvidia-nccl wheel. Sourced
# by the GPU bench scripts, from the repository root; appends its output to $1.
log=$1
BUILD=${BUILD:-build-gpu}
cmake_args=()
if [ ! -e /usr/include/nccl.h ] && [ ! -e /usr/local/cuda/include/nccl.h ]; then
    wheel=$(python3 -c 'import importlib.util as u; s = u.find_spec("nvidia.nccl"); print(list(s.submodule_search_locations)[0])' 2>/dev/null)
    if [ -n "$wheel" ] && [ -e "$wheel/include/nccl.h" ]; then
        cmake_args+=("-DNCCL_ROOT=$wheel")
        export LD_LIBRARY_PATH="$wheel/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    fi
fi
{
    echo "=== configure ${cmake_args[*]:-}"
    cmake -S bench/gpu -B "$BUILD" -DCMAKE_BUILD_TYPE=Release "${cmake_args[@]}" &&
        echo "=== build" && cmake --build "$BUILD" -j "$(nproc)"
} >>"$log" 2>&1 || { echo "build failed, see $log"; exit 2; }
PROBE=$BUILD/sparkfabric-gpu-probe
CHECK=$BUILD/nccl_check/spark-nccl-check
