// Judging performance measurements. The device checks measure; these
// functions decide, so the rules are tested without a GPU.
#pragma once

#include <cstdint>
#include <optional>
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

// ---- host-link floors: by instance type, not by GPU (skus.json hostLinks)

// The instance type the floors are chosen for: --instance-type, else
// $INSTANCE_TYPE (set from the pool's instance type in the pod spec).
struct InstanceTypeChoice {
  std::optional<std::string> instanceType;
  std::string source;  // where it came from, or why there is none
};
InstanceTypeChoice resolveInstanceType(const std::optional<std::string>& flag, const char* environment);

struct HostLinkFloors {
  Threshold h2d, d2h;
  Json details = Json::object();  // instanceType, hostPcieGen, which floor bound
};

// The lower of the GPU's own pinned floor (selectFloor: SKU, MIG and
// time-slicing rules) and the host link's floor for the instance type; an
// unknown or unlisted instance type gets the slowest host link the table
// lists, binding, and the source says so.
HostLinkFloors selectHostLinkFloors(const SkuTable& table, const FloorContext& context,
                                    const InstanceTypeChoice& instance);

// NUMA placement of the pinned buffers, as nvbandwidth does: the GPU's node
// from NVML or sysfs, the node's CPUs from sysfs.
std::vector<int> parseCpuList(const std::string& text);  // "0-3,8,10-11" -> {0,1,2,3,8,10,11}; {} if malformed
// "00000000:53:00.0" / "0000:A8:00.0" -> "0000:a8:00.0" (the name under /sys/bus/pci/devices); "" if malformed.
std::string sysfsPciAddress(const std::string& busId);

inline constexpr const char* kNoCublasCannotJudge =
    "built without cuBLAS (-DGPU_VALIDATE_REQUIRE_CUBLAS=OFF): the SKU floor is set for cuBLAS and our WMMA kernel "
    "is a correctness kernel, so this binary cannot validate GEMM throughput; the release image always has cuBLAS";

// Without cuBLAS the check is an error (could not validate), never a pass.
CheckResult evaluateGemmThroughput(double medianTflops, Threshold floor, bool cublas);

// Results of the GEMM under load compared with its first result, as
// gpu-burn compares every iteration: same inputs, same cuBLAS algorithm,
// so the bits must repeat.
struct SustainedCorrectness {
  int comparisons = 0;
  int mismatchedComparisons = 0;
  unsigned long long mismatchedWords = 0;  // 16-byte words that differ, summed
  double firstMismatchAtSeconds = -1;
};

CheckResult evaluateSustainedLoad(double earlyTflops, double lateTflops, const SkuPolicy& policy, bool timeSliced);
CheckResult evaluateSustainedLoad(double earlyTflops, double lateTflops, const SkuPolicy& policy, bool timeSliced,
                                  const SustainedCorrectness& correctness);

// NVML volatile ECC counters, read before and after the memory test.
struct EccCounters {
  std::optional<std::uint64_t> corrected;
  std::optional<std::uint64_t> uncorrected;
  std::string unavailableReason;  // why a counter is missing
};

struct MemoryPatternMeasurement {
  std::uint64_t bytesTested = 0;
  std::uint64_t freeBytesAtStart = 0;
  int passes = 0;
  int rounds = 0;
  int movingInversionPasses = 0;  // of `passes`
  double seconds = 0;
  unsigned long long mismatchedWords = 0;
  Json firstError;  // null, or {pattern, pass, byteOffset, expected, observedOnReread}
  std::optional<EccCounters> eccBefore, eccAfter;  // absent: not read (NVML unavailable)
};

// Mismatches fail; so does any uncorrected ECC error during the test, and
// corrected errors above policy.memoryTestMaxCorrectedEccDelta: ECC hides
// single-bit faults from the pattern comparison.
CheckResult evaluateMemoryPattern(const MemoryPatternMeasurement& measurement, const SkuPolicy& policy);
CheckResult evaluateMemoryPattern(const MemoryPatternMeasurement& measurement);  // built-in policy

// Moving inversions (cuda_memtest tests 4 and 6, memtest86): on a host word
// array, the exact sequence the device kernels run, for host tests with a
// simulated faulty memory. `read`/`write` access word i. Returns mismatches.
template <typename Read, typename Write>
unsigned long long movingInversions(std::uint64_t count, std::uint64_t (*pattern)(std::uint64_t), Read&& read,
                                    Write&& write) {
  unsigned long long errors = 0;
  for (std::uint64_t i = 0; i < count; ++i) write(i, pattern(i));
  for (std::uint64_t i = 0; i < count; ++i) {  // ascending: verify p, write ~p
    if (read(i) != pattern(i)) ++errors;
    write(i, ~pattern(i));
  }
  for (std::uint64_t j = count; j-- > 0;) {  // descending: verify ~p, write p
    if (read(j) != ~pattern(j)) ++errors;
    write(j, pattern(j));
  }
  for (std::uint64_t i = 0; i < count; ++i)
    if (read(i) != pattern(i)) ++errors;
  return errors;
}

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
