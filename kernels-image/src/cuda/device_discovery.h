// Finds the CUDA devices of this pod and what NVML knows about each, before
// any CUDA context exists (so NVML's process count does not include us).
// Discovery and DiscoveredGpu are declared in src/core/run.h, which runs the
// orchestration these functions are handed to (RunPlatform).
#pragma once

#include <string>

#include "nvml_api.h"
#include "run.h"

namespace gv {

Discovery discoverDevices(NvmlApi* nvml);

// Creates the CUDA context on a worker thread; empty string on success.
std::string initializeDevice(int cudaIndex);

}  // namespace gv
