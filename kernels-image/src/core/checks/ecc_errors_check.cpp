// ecc-errors: uncorrectable ECC errors since the driver loaded, read after the
// load checks so errors our own memory traffic provokes are counted too.
#include "../health.h"

namespace gv {

namespace {

class EccErrorsCheck final : public GpuCheck {
 public:
  CheckInfo info() const override {
    return {"ecc-errors", "NVML volatile uncorrectable ECC count (read after the load checks); any error fails",
            kBothProfiles};
  }
  bool usesCuda() const override { return false; }

  std::string cannotRunReason(const GpuContext& context) const override {
    if (context.nvmlReady() || context.faults.has(Fault::NvmlUncorrectableEcc)) return {};
    return "NVML unavailable: " + context.nvmlUnavailableReason;
  }

  CheckResult run(GpuContext& context) override {
    EccReadings readings = context.nvmlReady() ? readEcc(*context.nvml, context.nvmlDevice) : EccReadings{};
    injectHealthFaults(readings, context.faults);
    CheckResult result = evaluateEcc(readings, context.nvml);
    if (context.faults.has(Fault::NvmlUncorrectableEcc)) result.injectedFaults.push_back("nvml-uncorrectable-ecc");
    return result;
  }
};

}  // namespace

std::unique_ptr<GpuCheck> makeEccErrorsCheck() { return std::make_unique<EccErrorsCheck>(); }

}  // namespace gv
