// row-remap: pending or failed HBM row remapping (page retirement on GPUs
// before Ampere). A pending remap needs a GPU reset; a failure needs service.
#include "../health.h"

namespace gv {

namespace {

class RowRemapCheck final : public GpuCheck {
 public:
  CheckInfo info() const override {
    return {"row-remap", "NVML row remapping (page retirement before Ampere): pending or failed remap fails",
            kBothProfiles};
  }
  bool usesCuda() const override { return false; }

  std::string cannotRunReason(const GpuContext& context) const override {
    if (context.nvmlReady() || context.faults.has(Fault::NvmlPendingRemap)) return {};
    return "NVML unavailable: " + context.nvmlUnavailableReason;
  }

  CheckResult run(GpuContext& context) override {
    RemapReadings readings = context.nvmlReady() ? readRemap(*context.nvml, context.nvmlDevice) : RemapReadings{};
    injectHealthFaults(readings, context.faults);
    CheckResult result = evaluateRemap(readings, context.nvml);
    if (context.faults.has(Fault::NvmlPendingRemap)) result.injectedFaults.push_back("nvml-pending-remap");
    return result;
  }
};

}  // namespace

std::unique_ptr<GpuCheck> makeRowRemapCheck() { return std::make_unique<RowRemapCheck>(); }

}  // namespace gv
