// Per-GPU decisions made before any check runs: which SKU's thresholds apply
// and whether the device is shared (time-sliced) or ours alone.
#pragma once

#include <optional>
#include <string>

#include "check.h"

namespace gv {

struct SkuResolution {
  const SkuSpec* sku = nullptr;
  std::string matchedBy;  // see GpuContext::skuMatchedBy
};

// The device's own SKU (by PCI id, else CUDA name). With --expect-sku the
// expected SKU's floors apply even when the device is something else or
// unidentified; inventory reports the mismatch.
SkuResolution resolveSku(const SkuTable& table, const GpuIdentity& identity,
                         const std::optional<std::string>& expectSku);

struct SharingDecision {
  bool timeSliced = false;
  std::string source;
};

// --sharing wins. Auto: MPS or other compute processes at start mean shared.
// Auto cannot see a time-slice neighbour that starts later, which is why the
// Kubernetes Job passes the pool's mode.
SharingDecision decideSharing(const std::optional<SharingMode>& requested, const GpuIdentity& identity);

// NVML's view of the node (driver versions, device count, handles that
// answer GPU_IS_LOST), read before CUDA is touched. Host code so the sample
// reports fill NodeFacts the way discovery does.
void collectNvmlFacts(NvmlApi& nvml, NodeFacts* facts);

}  // namespace gv
