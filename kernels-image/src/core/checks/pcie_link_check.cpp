// pcie-link: link generation and width seen under load against what the
// device and system allow (idle links down-train, so idle readings mislead),
// and the PCIe replays during the run (health-baseline's reading before the
// load against this one) against the spec bit error rate.
#include "../health.h"

namespace gv {

namespace {

class PcieLinkCheck final : public GpuCheck {
 public:
  explicit PcieLinkCheck(std::shared_ptr<HealthWatch> watch) : watch_(std::move(watch)) {}
  CheckInfo info() const override {
    return {"pcie-link",
            "PCIe generation/width sampled during the load checks vs NVML maximum and SKU minimum; replays during "
            "the run vs the spec bit error rate",
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
    std::shared_ptr<const HealthBaseline> baseline = watch_ ? watch_->find(&context) : nullptr;
    PcieReplayWindow replays;
    if (baseline) {
      replays.before = baseline->pcieReplays;
      replays.after = limits.pcieReplayCounter;
      replays.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - baseline->at).count();
    }
    CheckResult result =
        evaluatePcieLink(samples, limits, context.sku, baseline ? &replays : nullptr, &context.skus.policy());
    if (context.faults.has(Fault::NvmlPcieDegraded)) result.injectedFaults.push_back("nvml-pcie-degraded");
    return result;
  }

 private:
  std::shared_ptr<HealthWatch> watch_;
};

}  // namespace

std::unique_ptr<GpuCheck> makePcieLinkCheck(std::shared_ptr<HealthWatch> watch) {
  return std::make_unique<PcieLinkCheck>(std::move(watch));
}
std::unique_ptr<GpuCheck> makePcieLinkCheck() { return makePcieLinkCheck(nullptr); }

}  // namespace gv
