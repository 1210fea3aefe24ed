// Thresholds with their source, and the rules that pick and judge them.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "sku_table.h"
#include "types.h"

namespace gv {

enum class Comparison { AtLeast, AtMost };
const char* toString(Comparison comparison);  // ">=" / "<="

struct Threshold {
  Comparison comparison = Comparison::AtLeast;
  double value = 0.0;
  std::string unit;
  std::string source;
  bool binding = true;
  std::string notBindingReason;  // why a non-binding threshold only reports
};

// A binding threshold; a check that only reports sets `binding` and `notBindingReason` afterwards.
inline Threshold makeThreshold(Comparison comparison, double value, std::string unit, std::string source) {
  Threshold threshold;
  threshold.comparison = comparison;
  threshold.value = value;
  threshold.unit = std::move(unit);
  threshold.source = std::move(source);
  return threshold;
}

struct Judgement {
  Status status = Status::Skip;
  std::string reason;
};

// pass/fail against a binding threshold; skip (with the measured value kept
// by the caller) when it is not binding.
Judgement judge(double measured, const Threshold& threshold);

// Where a performance check runs, as far as its floor is concerned.
struct FloorContext {
  const SkuSpec* sku = nullptr;    // null: unknown SKU, sanity floors only
  bool timeSliced = false;         // floors reported, never binding
  bool migSlice = false;
  double migMemoryFraction = 1.0;  // applied to the HBM floor
  double migComputeFraction = 1.0; // applied to GEMM floors
  std::string migProfile;
  std::string migFractionSource;
};

inline constexpr const char* kTimeSlicedNotBinding = "time-sliced replica: performance floors not binding";
inline constexpr const char* kMigHostLinkNotBinding =
    "MIG slice shares the PCIe link with the other instances: no per-slice reference, reported only";

// The floor a measurement must clear: the SKU's value when it has one
// (scaled to the MIG slice), else the unknown-SKU sanity floor; the source
// string says which and how it was scaled.
Threshold selectFloor(FloorKind kind, const SkuTable& table, const FloorContext& context);

}  // namespace gv
