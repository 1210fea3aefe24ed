#!/usr/bin/env bash
# Builds gpu-validate for one architecture (fast) and runs the host-side tests
# with ctest. Needs cmake and nvcc but no GPU. Usage:
#   kernels-image/scripts/host-tests.sh [BUILD_DIR]   (default: build/kernels-test)
set -euo pipefail

build_dir=${1:-build/kernels-test}
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if ! command -v cmake >/dev/null 2>&1 || ! command -v nvcc >/dev/null 2>&1; then
  echo "SKIPPED: cmake/nvcc not found (gpu-validate host tests need the CUDA toolkit's nvcc and cmake >= 3.24)"
  exit 0
fi

start=$(date +%s)
cmake -S "$source_dir" -B "$build_dir" -DCMAKE_CUDA_ARCHITECTURES=75 -DGPU_VALIDATE_BUILD_TESTS=ON
cmake --build "$build_dir" -j2
(cd "$build_dir" && ctest --output-on-failure)
echo "host tests passed in $(($(date +%s) - start)) s (build dir: $build_dir)"
