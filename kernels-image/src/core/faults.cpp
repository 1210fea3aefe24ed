#include "faults.h"

#include <algorithm>
#include <stdexcept>

namespace gv {

const std::vector<FaultInfo>& allFaults() {
  static const std::vector<FaultInfo> faults = {
      {Fault::MemoryBitflip, "memory-bitflip", "memory-pattern", true,
       "flip one bit of one word on the device after the pattern write, before verification"},
      {Fault::GemmCorrupt, "gemm-corrupt", "gemm-correctness", true,
       "perturb one element of the tensor-core GEMM output before comparison"},
      {Fault::NvmlPendingRemap, "nvml-pending-remap", "row-remap", false,
       "NVML row-remap reading says a remap is pending"},
      {Fault::NvmlUncorrectableEcc, "nvml-uncorrectable-ecc", "ecc-errors", false,
       "NVML volatile uncorrectable ECC count reads 1"},
      {Fault::NvmlPcieDegraded, "nvml-pcie-degraded", "pcie-link", false,
       "NVML link samples under load show half the maximum link width"},
      {Fault::NvmlThermalThrottle, "nvml-thermal-throttle", "clocks-under-load", false,
       "every NVML load sample carries the HW thermal slowdown reason"},
      {Fault::GpuMissing, "gpu-missing", "inventory", false,
       "report one fewer visible GPU than expected (a GPU fallen off the bus)"},
      {Fault::SlowHbm, "slow-hbm", "hbm-bandwidth", false,
       "scale the measured HBM bandwidth to half of the floor"},
  };
  return faults;
}

const FaultInfo& faultInfo(Fault fault) {
  for (const auto& info : allFaults())
    if (info.fault == fault) return info;
  throw std::logic_error("unknown fault");
}

std::optional<Fault> parseFault(const std::string& name) {
  for (const auto& info : allFaults())
    if (name == info.name) return info.fault;
  return std::nullopt;
}

std::vector<std::string> FaultSet::names() const {
  std::vector<std::string> out;
  for (Fault fault : faults_) out.emplace_back(faultInfo(fault).name);
  return out;
}

double injectSlowHbm(double measuredGBps, double floorGBps) {
  return 0.5 * std::min(measuredGBps, floorGBps);
}

}  // namespace gv
