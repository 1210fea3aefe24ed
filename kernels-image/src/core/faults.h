// Fault injection: each fault makes exactly one check fail, so tests can prove
// every detection path trips. Reports record the injected faults.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace gv {

enum class Fault {
  MemoryBitflip,         // memory-pattern: flip one bit on device after the write pass
  GemmCorrupt,           // gemm-correctness: perturb one output element on device
  NvmlPendingRemap,      // row-remap: NVML reports a pending row remap
  NvmlUncorrectableEcc,  // ecc-errors: NVML reports one volatile uncorrectable error
  NvmlPcieDegraded,      // pcie-link: link samples show half the maximum width
  NvmlThermalThrottle,   // clocks-under-load: every load sample has HW thermal slowdown
  GpuMissing,            // inventory: one fewer GPU than expected
  SlowHbm,               // hbm-bandwidth: measured bandwidth scaled below the floor
};

struct FaultInfo {
  Fault fault;
  const char* name;
  const char* check;  // the check this fault must make fail
  bool needsGpu;      // false: exercised by host-side tests
  const char* description;
};

const std::vector<FaultInfo>& allFaults();
const FaultInfo& faultInfo(Fault fault);
std::optional<Fault> parseFault(const std::string& name);

class FaultSet {
 public:
  FaultSet() = default;
  explicit FaultSet(const std::vector<Fault>& faults) : faults_(faults.begin(), faults.end()) {}
  bool has(Fault fault) const { return faults_.count(fault) != 0; }
  bool empty() const { return faults_.empty(); }
  void add(Fault fault) { faults_.insert(fault); }
  std::vector<std::string> names() const;

 private:
  std::set<Fault> faults_;
};

// slow-hbm: report half of the lower of measured and floor, so the check fails
// whatever the device delivers.
double injectSlowHbm(double measuredGBps, double floorGBps);

}  // namespace gv
