// nvlink-health: every NVLink link of the GPU active, and the link error
// counters during the run (health-baseline's reading against this one) within
// DCGM's health limits: replay and recovery errors fail, CRC errors fail at
// 100 per second and more.
#include "../health.h"

namespace gv {

namespace {

class NvLinkHealthCheck final : public GpuCheck {
 public:
  explicit NvLinkHealthCheck(std::shared_ptr<HealthWatch> watch) : watch_(std::move(watch)) {}

  CheckInfo info() const override {
    return {"nvlink-health",
            "NVLink links active; replay/recovery errors during the run fail, CRC errors at >= 100/s (DCGM limits)",
            kBothProfiles};
  }
  bool usesCuda() const override { return false; }

  std::string cannotRunReason(const GpuContext& context) const override {
    if (context.identity.migInstance) return "MIG instance: NVLink belongs to the parent GPU and no P2P exists";
    if (!context.nvmlReady()) return "NVML unavailable: " + context.nvmlUnavailableReason;
    return {};
  }

  CheckResult run(GpuContext& context) override {
    NvmlHealthApi* health = nvmlHealthApi(context.nvml);
    if (!health) throw std::runtime_error("the NVML library is not loaded for the NVLink queries");
    NvLinkReadings after = readNvLink(*health, context.nvmlDevice);
    std::shared_ptr<const HealthBaseline> baseline = watch_ ? watch_->find(&context) : nullptr;
    double seconds =
        baseline ? std::chrono::duration<double>(std::chrono::steady_clock::now() - baseline->at).count() : 0.0;
    const bool nvlinkExpected = context.sku && context.sku->floors.p2pGBps.value.has_value();
    const bool singleGpu = context.options.expectGpus && *context.options.expectGpus == 1;
    return evaluateNvLink(baseline ? &baseline->nvlink : nullptr, after, seconds, nvlinkExpected, singleGpu,
                          context.skus.policy(), context.nvml);
  }

 private:
  std::shared_ptr<HealthWatch> watch_;
};

}  // namespace

std::unique_ptr<GpuCheck> makeNvLinkHealthCheck(std::shared_ptr<HealthWatch> watch) {
  return std::make_unique<NvLinkHealthCheck>(std::move(watch));
}

}  // namespace gv
