// health-baseline: before any load, the NVML readings the health checks after
// the load compare with (PCIe replay counter, remapped rows, NVLink error
// counters), and the XID event watch armed so xid-events sees every XID of
// the run. Judges the driver's GPU recovery action as it stands before the
// load: a GPU that already needs a reset, a drain or a node reboot fails here.
#include "../health.h"

namespace gv {

namespace {

class HealthBaselineCheck final : public GpuCheck {
 public:
  explicit HealthBaselineCheck(std::shared_ptr<HealthWatch> watch) : watch_(std::move(watch)) {}

  CheckInfo info() const override {
    return {"health-baseline",
            "before the load: NVML recovery action (anything but none fails), and the counters and XID watch the "
            "health checks after the load compare with",
            kBothProfiles};
  }
  bool usesCuda() const override { return false; }

  std::string cannotRunReason(const GpuContext& context) const override {
    if (context.nvmlReady()) return {};
    return "NVML unavailable: " + context.nvmlUnavailableReason;
  }

  CheckResult run(GpuContext& context) override {
    auto baseline = std::make_shared<HealthBaseline>();
    baseline->pcieReplays = context.nvml->pcieReplayCounter(context.nvmlDevice);
    baseline->rows = context.nvml->remappedRows(context.nvmlDevice);
    NvmlHealthApi* health = nvmlHealthApi(context.nvml);
    NvmlResult<unsigned> action = NvmlResult<unsigned>::failure(nvml::kErrorFunctionNotFound);
    if (health) {
      baseline->nvlink = readNvLink(*health, context.nvmlDevice);
      baseline->xids = health->watchXids(context.nvmlDevice);
      action = health->gpuRecoveryAction(context.nvmlDevice);
    }
    baseline->at = std::chrono::steady_clock::now();
    if (watch_) watch_->record(&context, baseline);

    CheckResult result = evaluateRecoveryAction("health-baseline", action, "before the load", context.nvml);
    Json recorded = Json::object();
    recorded.set("pcieReplayCounter",
                 baseline->pcieReplays.ok() ? Json(baseline->pcieReplays.value)
                                            : Json("not read: " + context.nvml->errorString(baseline->pcieReplays.code)));
    recorded.set("nvlinkLinks", baseline->nvlink.links.ok() ? Json(baseline->nvlink.links.value) : Json());
    recorded.set("xidWatch", baseline->xids.ok() ? Json("armed")
                                                 : Json("not armed: " + context.nvml->errorString(baseline->xids.code)));
    result.details.set("baseline", recorded);
    return result;
  }

 private:
  std::shared_ptr<HealthWatch> watch_;
};

}  // namespace

std::unique_ptr<GpuCheck> makeHealthBaselineCheck(std::shared_ptr<HealthWatch> watch) {
  return std::make_unique<HealthBaselineCheck>(std::move(watch));
}

}  // namespace gv
