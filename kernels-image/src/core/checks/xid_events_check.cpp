// xid-events: XID errors the driver reported for this GPU while the checks
// ran (NVML nvmlEventTypeXidCriticalError events, registered by
// health-baseline before the load). A pod cannot read the kernel log; this is
// how XIDs that do not kill our CUDA context still fail the GPU (63/64 row
// remap events, 92 high single-bit error rate, 74 NVLink, 119/120 GSP).
#include "../health.h"

namespace gv {

namespace {

class XidEventsCheck final : public GpuCheck {
 public:
  explicit XidEventsCheck(std::shared_ptr<HealthWatch> watch) : watch_(std::move(watch)) {}

  CheckInfo info() const override {
    return {"xid-events", "XID errors NVML reported for the GPU during the run (event watch armed before the load)",
            kBothProfiles};
  }
  bool usesCuda() const override { return false; }

  std::string cannotRunReason(const GpuContext& context) const override {
    if (!context.nvmlReady()) return "NVML unavailable: " + context.nvmlUnavailableReason;
    if (!watch_ || !watch_->find(&context)) return "health-baseline did not run, so no XID watch was armed";
    return {};
  }

  CheckResult run(GpuContext& context) override {
    std::shared_ptr<const HealthBaseline> baseline = watch_->find(&context);
    NvmlResult<std::vector<XidEvent>> events = NvmlResult<std::vector<XidEvent>>::failure(nvml::kErrorUninitialized);
    if (baseline->xids.ok() && baseline->xids.value) events = baseline->xids.value->drain();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - baseline->at).count();
    return evaluateXidEvents(baseline->xids, events, context.timeSliced, seconds, context.nvml);
  }

 private:
  std::shared_ptr<HealthWatch> watch_;
};

}  // namespace

std::unique_ptr<GpuCheck> makeXidEventsCheck(std::shared_ptr<HealthWatch> watch) {
  return std::make_unique<XidEventsCheck>(std::move(watch));
}

}  // namespace gv
