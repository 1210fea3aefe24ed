// Finds the CUDA devices of this pod and what NVML knows about each, before
// any CUDA context exists (so NVML's process count does not include us).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "check.h"
#include "nvml_api.h"

namespace gv {

struct DiscoveredGpu {
  GpuIdentity identity;
  NvmlDevice nvmlDevice = nullptr;     // physical GPU (MIG parent)
  NvmlDevice nvmlMigDevice = nullptr;  // the MIG instance, when NVML can name it
};

struct Discovery {
  NodeFacts facts;
  std::vector<DiscoveredGpu> gpus;
  std::optional<std::string> couldNotRunReason;  // no driver, no device, ...
};

Discovery discoverDevices(NvmlApi* nvml);

// Creates the CUDA context on a worker thread; empty string on success.
std::string initializeDevice(int cudaIndex);

}  // namespace gv
