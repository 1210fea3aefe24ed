// recovery-action: the driver's GPU recovery action after the load (NVML
// field NVML_FI_DEV_GET_GPU_RECOVERY_ACTION): anything but none means the GPU
// needs a reset, a drain or a node reboot before it takes a job.
#include "../health.h"

namespace gv {

namespace {

class RecoveryActionCheck final : public GpuCheck {
 public:
  CheckInfo info() const override {
    return {"recovery-action", "NVML GPU recovery action after the load: reset/reboot/drain pending fails",
            kBothProfiles};
  }
  bool usesCuda() const override { return false; }

  std::string cannotRunReason(const GpuContext& context) const override {
    if (context.nvmlReady()) return {};
    return "NVML unavailable: " + context.nvmlUnavailableReason;
  }

  CheckResult run(GpuContext& context) override {
    NvmlHealthApi* health = nvmlHealthApi(context.nvml);
    NvmlResult<unsigned> action =
        health ? health->gpuRecoveryAction(context.nvmlDevice) : NvmlResult<unsigned>::failure(nvml::kErrorFunctionNotFound);
    return evaluateRecoveryAction("recovery-action", action, "after the load", context.nvml);
  }
};

}  // namespace

std::unique_ptr<GpuCheck> makeRecoveryActionCheck() { return std::make_unique<RecoveryActionCheck>(); }

}  // namespace gv
