// row-remap: pending or failed HBM row remapping (page retirement on GPUs
// before Ampere). A pending remap needs a GPU reset; a failure needs service.
// Also fails at DCGM's limit of uncorrectable remapped rows (512), on a row
// remapped during this run (against health-baseline's reading), and at
// DCGM's retired-page limit (63) before Ampere.
#include "../health.h"

namespace gv {

namespace {

class RowRemapCheck final : public GpuCheck {
 public:
  explicit RowRemapCheck(std::shared_ptr<HealthWatch> watch) : watch_(std::move(watch)) {}
  CheckInfo info() const override {
    return {"row-remap",
            "NVML row remapping (page retirement before Ampere): pending or failed remap, >= 512 uncorrectable rows "
            "or a row remapped during the run fails",
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
    std::shared_ptr<const HealthBaseline> baseline = watch_ ? watch_->find(&context) : nullptr;
    const RemappedRows* before = baseline && baseline->rows.ok() ? &baseline->rows.value : nullptr;
    CheckResult result = evaluateRemap(readings, context.nvml, context.skus.policy(), before);
    if (context.faults.has(Fault::NvmlPendingRemap)) result.injectedFaults.push_back("nvml-pending-remap");
    return result;
  }

 private:
  std::shared_ptr<HealthWatch> watch_;
};

}  // namespace

std::unique_ptr<GpuCheck> makeRowRemapCheck(std::shared_ptr<HealthWatch> watch) {
  return std::make_unique<RowRemapCheck>(std::move(watch));
}
std::unique_ptr<GpuCheck> makeRowRemapCheck() { return makeRowRemapCheck(nullptr); }

}  // namespace gv
