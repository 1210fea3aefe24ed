// pcie-link: link generation and width seen under load against what the
// device and system allow (idle links down-train, so idle readings mislead).
#include "../health.h"

namespace gv {

namespace {

class PcieLinkCheck final : public GpuCheck {
 public:
  CheckInfo info() const override {
    return {"pcie-link", "PCIe generation/width sampled during the load checks vs NVML maximum and SKU minimum",
            kBothProfiles};
  }
  bool usesCuda() const override { return false; }

  std::string cannotRunReason(const GpuContext& context) const override {
    if (context.nvmlReady() || context.faults.has(Fault::NvmlPcieDegraded)) return {};
    return "NVML unavailable: " + context.nvmlUnavailableReason;
  }

  CheckResult run(GpuContext& context) override {
    std::vector<TelemetrySample> samples = context.telemetry.snapshot();
    TelemetryLimits limits = context.nvmlReady() ? readLimits(*context.nvml, context.nvmlDevice) : TelemetryLimits{};
    injectTelemetryFaults(samples, limits, context.faults);
    CheckResult result = evaluatePcieLink(samples, limits, context.sku);
    if (context.faults.has(Fault::NvmlPcieDegraded)) result.injectedFaults.push_back("nvml-pcie-degraded");
    return result;
  }
};

}  // namespace

std::unique_ptr<GpuCheck> makePcieLinkCheck() { return std::make_unique<PcieLinkCheck>(); }

}  // namespace gv
