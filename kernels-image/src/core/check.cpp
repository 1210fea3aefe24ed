#include "check.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "mig_profile.h"

namespace gv {

double defaultDeadlineSeconds(Profile profile) { return profile == Profile::Quick ? 150.0 : 900.0; }

void applyJudgement(CheckResult& result, double measured, const Threshold& threshold) {
  result.value = measured;
  result.unit = threshold.unit;
  result.threshold = threshold;
  Judgement judgement = judge(measured, threshold);
  result.status = judgement.status;
  result.reason = judgement.reason;
}

std::string GpuCheck::cannotRunReason(const GpuContext&) const { return {}; }
std::string NodeCheck::cannotRunReason(const NodeContext&) const { return {}; }

std::optional<std::string> GpuContext::effectiveMigProfile() const {
  if (identity.migProfile) return identity.migProfile;
  if (identity.migInstance && options.expectMigProfile) return options.expectMigProfile;
  return std::nullopt;
}

FloorContext GpuContext::floorContext() const {
  FloorContext context;
  context.sku = sku;
  context.timeSliced = timeSliced;
  if (!identity.migInstance) return context;
  context.migSlice = true;
  auto profileText = effectiveMigProfile();
  auto profile = profileText ? parseMigProfile(*profileText) : std::nullopt;
  if (profile) {
    MigSliceExpectation slice = expectedMigSlice(*profile, sku, skus.migPolicy());
    context.migProfile = profile->canonical();
    context.migMemoryFraction = slice.memoryFraction;
    context.migComputeFraction = slice.computeFraction;
    context.migFractionSource = slice.fractionSource;
    return context;
  }
  // Profile unknown: size the slice from what CUDA shows us.
  context.migProfile = "(profile unknown)";
  if (sku && sku->smCount.value && sku->memoryGB.value) {
    context.migComputeFraction = identity.smCount / *sku->smCount.value;
    double eighths = std::round(8.0 * identity.totalMemoryBytes / (*sku->memoryGB.value * 1e9));
    context.migMemoryFraction = std::max(1.0, eighths) / 8.0;
    std::ostringstream source;
    source << "derived from visible " << identity.smCount << " SMs and " << identity.totalMemoryBytes / (1u << 20)
           << " MiB against the full " << sku->key;
    context.migFractionSource = source.str();
  } else {
    context.migFractionSource = "unknown GPU: sanity floors apply unscaled";
  }
  return context;
}

}  // namespace gv
