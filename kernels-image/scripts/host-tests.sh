#!/usr/bin/env bash
# Builds gpu-validate for one architecture (fast) and runs the host-side tests
# with ctest. Needs cmake and nvcc but no GPU. Usage:
#   kernels-image/scripts/host-tests.sh [BUILD_DIR]   (default: build/kernels-test)
# nvcc: $CUDACXX, else $CUDA_HOME/bin/nvcc, else nvcc on PATH. CUDA_HOME may be
# a toolkit outside the usual install paths (npm run toolchain:cuda assembles
# one from PyPI wheels), so it and its nvcc are passed to CMake explicitly.
# With CI=true a missing cmake or nvcc fails instead of skipping.
set -euo pipefail

build_dir=${1:-build/kernels-test}
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

nvcc=${CUDACXX:-}
if [[ -z $nvcc && -n ${CUDA_HOME:-} ]]; then nvcc=$CUDA_HOME/bin/nvcc; fi
if [[ -z $nvcc ]]; then nvcc=$(command -v nvcc || true); fi

if ! command -v cmake >/dev/null 2>&1 || [[ -z $nvcc || ! -x $nvcc ]]; then
  message="cmake/nvcc not found (gpu-validate host tests need the CUDA toolkit's nvcc and cmake >= 3.24; npm run toolchain:cuda assembles CUDA 13.0)"
  ci=${CI:-}
  if [[ ${ci,,} =~ ^(1|true|yes)$ ]]; then
    echo "FAILED: $message" >&2
    exit 1
  fi
  echo "SKIPPED: $message"
  exit 0
fi
cuda_args=()
if [[ -n ${CUDACXX:-}${CUDA_HOME:-} ]]; then cuda_args+=(-DCMAKE_CUDA_COMPILER="$nvcc"); fi
if [[ -n ${CUDA_HOME:-} ]]; then cuda_args+=(-DCUDAToolkit_ROOT="$CUDA_HOME"); fi

start=$(date +%s)
cmake -S "$source_dir" -B "$build_dir" -DCMAKE_CUDA_ARCHITECTURES=75 -DGPU_VALIDATE_BUILD_TESTS=ON "${cuda_args[@]}"
cmake --build "$build_dir" -j2
(cd "$build_dir" && ctest --output-on-failure)
echo "host tests passed in $(($(date +%s) - start)) s (build dir: $build_dir)"
