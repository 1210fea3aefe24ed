// NVML health readings as plain structs, and the rules that judge them.
// Reading and judging are separate so tests can judge readings without NVML.
#pragma once

#include <vector>

#include "check.h"
#include "faults.h"
#include "nvml_api.h"
#include "sku_table.h"
#include "telemetry.h"

namespace gv {

struct EccReadings {
  NvmlResult<EccMode> mode;
  NvmlResult<std::uint64_t> volatileUncorrected;
  NvmlResult<std::uint64_t> aggregateUncorrected;
  NvmlResult<std::uint64_t> volatileCorrected;
};

struct RemapReadings {
  NvmlResult<RemappedRows> rows;  // Ampere and newer
  NvmlResult<bool> retiredPagesPending;  // page retirement, before Ampere
  NvmlResult<unsigned> retiredPagesDoubleBit;
};

EccReadings readEcc(NvmlApi& nvml, NvmlDevice device);
RemapReadings readRemap(NvmlApi& nvml, NvmlDevice device);

void injectHealthFaults(EccReadings& ecc, const FaultSet& faults);
void injectHealthFaults(RemapReadings& remap, const FaultSet& faults);

// Each returns a complete result for the named check (duration excluded).
CheckResult evaluateEcc(const EccReadings& readings, const NvmlApi* nvml);
CheckResult evaluateRemap(const RemapReadings& readings, const NvmlApi* nvml);
CheckResult evaluatePcieLink(const std::vector<TelemetrySample>& samples, const TelemetryLimits& limits,
                             const SkuSpec* sku);
CheckResult evaluateClocks(const std::vector<TelemetrySample>& samples, const TelemetryLimits& limits,
                           const SkuPolicy& policy);

}  // namespace gv
