// Judging performance measurements. The device checks measure; these
// functions decide, so the rules are tested without a GPU.
#pragma once

#include <string>
#include <vector>

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

struct MemoryPatternMeasurement {
  std::uint64_t bytesTested = 0;
  std::uint64_t freeBytesAtStart = 0;
  int passes = 0;
  int rounds = 0;
  unsigned long long mismatchedWords = 0;
  Json firstError;  // null, or {pattern, pass, byteOffset, expected, observedOnReread}
};

CheckResult evaluateMemoryPattern(const MemoryPatternMeasurement& measurement);

struct GemmCorrectnessMeasurement {
  Json cases = Json::array();  // one entry per case of the first repeat, plus any case with mismatches
  std::size_t casesPerRepeat = 0;  // 0: no tensor-core input type is supported here
  int repeats = 1;
  unsigned long long mismatches = 0;
  int computeMajor = 0;
  int computeMinor = 0;
};

CheckResult evaluateGemmCorrectness(const GemmCorrectnessMeasurement& measurement);

// The skip reason of p2p-bandwidth for this node, empty when it can run.
std::string p2pCannotRunReason(const NodeContext& context);

struct P2pPair {
  int source = 0;
  int destination = 0;
  std::optional<double> gbps;  // absent: no peer access
};

struct P2pMeasurement {
  std::uint64_t bytes = 0;
  std::vector<P2pPair> pairs;  // every ordered pair, in measurement order
};

// sku: the node's SKU when every GPU agrees, else null. NVLink SKUs (those
// with a P2P floor) fail when any pair lacks peer access.
CheckResult evaluateP2p(const P2pMeasurement& measurement, const SkuTable& table, const SkuSpec* sku,
                        bool timeSliced);
// The same, judged as the node's GPUs say: their common SKU (null when they
// differ) and not binding when any of them is time-sliced.
CheckResult evaluateP2p(const P2pMeasurement& measurement, const NodeContext& context);

}  // namespace gv
