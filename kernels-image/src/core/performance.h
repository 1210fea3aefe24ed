// Judging performance measurements. The device checks measure; these
// functions decide, so the rules are tested without a GPU.
#pragma once

#include "check.h"
#include "faults.h"

namespace gv {

struct HbmMeasurement {
  double kernelGBps = 0.0;   // our copy kernel, read + write bytes / time
  double memcpyGBps = 0.0;   // cudaMemcpy D2D, same accounting
  unsigned long long wrongWords = 0;  // copy result mismatches
};

// slow-hbm scales the measurement below the floor and makes the floor
// binding, so the injected fault trips in every sharing mode.
CheckResult evaluateHbm(const HbmMeasurement& measurement, Threshold floor, const FaultSet& faults);

// Judges the direction with less margin over its floor; reports both.
CheckResult evaluatePinned(double h2dGBps, double d2hGBps, const Threshold& h2dFloor, const Threshold& d2hFloor);

inline constexpr const char* kNoCublasNotBinding =
    "built without cuBLAS: our WMMA kernel checks correctness, it is not a tuned GEMM, and the SKU floor assumes "
    "cuBLAS";

CheckResult evaluateGemmThroughput(double medianTflops, Threshold floor, bool cublas);

CheckResult evaluateSustainedLoad(double earlyTflops, double lateTflops, const SkuPolicy& policy, bool timeSliced);

}  // namespace gv
