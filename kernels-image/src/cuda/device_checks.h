// Factories of the checks that run CUDA code (src/cuda/checks/).
#pragma once

#include <memory>

#include "check.h"

namespace gv {

std::unique_ptr<GpuCheck> makeHbmBandwidthCheck();
std::unique_ptr<GpuCheck> makeMemoryPatternCheck();
std::unique_ptr<GpuCheck> makeGemmCorrectnessCheck();
std::unique_ptr<GpuCheck> makeGemmThroughputCheck();
std::unique_ptr<GpuCheck> makePinnedBandwidthCheck();
std::unique_ptr<GpuCheck> makeSustainedLoadCheck();
std::unique_ptr<NodeCheck> makeP2pBandwidthCheck();

bool builtWithCublas();  // GEMM throughput uses cuBLAS when true

}  // namespace gv
