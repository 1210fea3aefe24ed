#include "context_setup.h"

namespace gv {

SkuResolution resolveSku(const SkuTable& table, const GpuIdentity& identity,
                         const std::optional<std::string>& expectSku) {
  SkuResolution own;
  if (identity.pciDeviceId) {
    own.sku = table.findByPciDeviceId(*identity.pciDeviceId);
    if (own.sku) own.matchedBy = "pci-device-id";
  }
  if (!own.sku) {
    own.sku = table.findByCudaName(identity.name);
    if (own.sku) own.matchedBy = "cuda-name";
  }
  if (!expectSku) return own;
  const SkuSpec* expected = table.findByKeyOrId(*expectSku);
  if (!expected || expected == own.sku) return own;
  SkuResolution forced;
  forced.sku = expected;
  forced.matchedBy = own.sku ? "expect-sku (device is " + own.sku->key + ")" : "expect-sku (device not identified)";
  return forced;
}

SharingDecision decideSharing(const std::optional<SharingMode>& requested, const GpuIdentity& identity) {
  SharingDecision decision;
  if (requested) {
    decision.timeSliced = *requested == SharingMode::TimeSlicing;
    decision.source = std::string("--sharing ") + toString(*requested);
    return decision;
  }
  if (identity.mpsEnabled) {
    decision.timeSliced = true;
    decision.source = "auto-detected: MPS is enabled, the device is shared";
  } else if (identity.otherComputeProcesses && *identity.otherComputeProcesses > 0) {
    decision.timeSliced = true;
    decision.source = "auto-detected: " + std::to_string(*identity.otherComputeProcesses) +
                      " other compute process(es) on the device at start";
  } else {
    decision.source = std::string("auto-detected: ") + (identity.migInstance ? "MIG instance, " : "") +
                      (identity.otherComputeProcesses ? "no other compute process at start"
                                                      : "process list unavailable") +
                      " (a time-slice neighbour starting later is not seen; pass --sharing)";
  }
  return decision;
}

void collectNvmlFacts(NvmlApi& nvml, NodeFacts* facts) {
  auto driver = nvml.driverVersion();
  if (driver.ok()) facts->nvmlDriverVersion = driver.value;
  auto cudaDriver = nvml.cudaDriverVersion();
  if (cudaDriver.ok()) facts->nvmlCudaDriverVersion = cudaDriver.value;
  auto count = nvml.deviceCount();
  if (!count.ok()) return;
  facts->nvmlDeviceCount = count.value;
  for (unsigned i = 0; i < count.value; ++i) {
    auto handle = nvml.deviceByIndex(i);
    if (classifyNvml(handle.code) == NvmlOutcome::GpuLost) facts->nvmlLostIndices.push_back(i);
  }
}

}  // namespace gv
