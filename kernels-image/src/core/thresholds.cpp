#include "thresholds.h"

#include <cmath>
#include <sstream>

namespace gv {

namespace {

std::string formatNumber(double value) {
  std::ostringstream out;
  out.precision(value >= 100 ? 5 : 4);
  out << value;
  return out.str();
}

}  // namespace

const char* toString(Comparison comparison) { return comparison == Comparison::AtLeast ? ">=" : "<="; }

Judgement judge(double measured, const Threshold& threshold) {
  std::string relation = formatNumber(measured) + " " + threshold.unit;
  if (!std::isfinite(measured)) return {Status::Error, "measurement is not a finite number"};
  if (!threshold.binding) {
    return {Status::Skip, threshold.notBindingReason + " (measured " + relation + ", threshold " +
                              toString(threshold.comparison) + " " + formatNumber(threshold.value) + ")"};
  }
  bool ok = threshold.comparison == Comparison::AtLeast ? measured >= threshold.value : measured <= threshold.value;
  std::string bound = std::string(toString(threshold.comparison)) + " " + formatNumber(threshold.value) + " " +
                      threshold.unit;
  if (ok) return {Status::Pass, relation + " meets " + bound};
  return {Status::Fail, relation + " does not meet " + bound};
}

Threshold selectFloor(FloorKind kind, const SkuTable& table, const FloorContext& context) {
  Threshold threshold;
  threshold.comparison = Comparison::AtLeast;
  threshold.unit = floorUnit(kind);

  const SourcedValue* skuFloor = context.sku ? &floorOf(context.sku->floors, kind) : nullptr;
  if (skuFloor && skuFloor->value) {
    double scale = 1.0;
    if (context.migSlice && kind == FloorKind::Gemm) scale = context.migComputeFraction;
    if (context.migSlice && kind == FloorKind::HbmBandwidth) scale = context.migMemoryFraction;
    threshold.value = *skuFloor->value * scale;
    threshold.source = context.sku->key + ": " + skuFloor->source;
    if (context.migSlice && scale != 1.0) {
      threshold.source += "; scaled by " + formatNumber(scale) + " for MIG " + context.migProfile + " (" +
                          context.migFractionSource + ")";
    }
  } else {
    const SourcedValue& sanity = floorOf(table.unknownSkuFloors(), kind);
    threshold.value = sanity.value.value_or(0.0);
    std::string why = context.sku ? context.sku->key + " has no value (" + (skuFloor ? skuFloor->source : "") + ")"
                                  : std::string("unknown SKU");
    threshold.source = "sanity floor, " + why + ": " + sanity.source;
  }
  bool hostLink = kind == FloorKind::PinnedH2D || kind == FloorKind::PinnedD2H;
  if (context.timeSliced) {
    threshold.binding = false;
    threshold.notBindingReason = kTimeSlicedNotBinding;
  } else if (context.migSlice && hostLink) {
    threshold.binding = false;
    threshold.notBindingReason = kMigHostLinkNotBinding;
  }
  return threshold;
}

}  // namespace gv
