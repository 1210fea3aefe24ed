// clocks-under-load: NVML clock event reasons, temperature and power sampled
// while the load checks ran. SW power cap alone is normal under load.
#include "../health.h"

namespace gv {

namespace {

class ClocksUnderLoadCheck final : public GpuCheck {
 public:
  CheckInfo info() const override {
    return {"clocks-under-load",
            "HW slowdown / HW+SW thermal / HW power brake sampled during load; temperature vs slowdown threshold",
            kBothProfiles};
  }
  bool usesCuda() const override { return false; }

  std::string cannotRunReason(const GpuContext& context) const override {
    if (context.nvmlReady() || context.faults.has(Fault::NvmlThermalThrottle)) return {};
    return "NVML unavailable: " + context.nvmlUnavailableReason;
  }

  CheckResult run(GpuContext& context) override {
    std::vector<TelemetrySample> samples = context.telemetry.snapshot();
    TelemetryLimits limits = context.nvmlReady() ? readLimits(*context.nvml, context.nvmlDevice) : TelemetryLimits{};
    injectTelemetryFaults(samples, limits, context.faults);
    CheckResult result = evaluateClocks(samples, limits, context.skus.policy());
    if (context.faults.has(Fault::NvmlThermalThrottle)) result.injectedFaults.push_back("nvml-thermal-throttle");
    return result;
  }
};

}  // namespace

std::unique_ptr<GpuCheck> makeClocksUnderLoadCheck() { return std::make_unique<ClocksUnderLoadCheck>(); }

}  // namespace gv
