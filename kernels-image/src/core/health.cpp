#include "health.h"

#include <algorithm>
#include <optional>
#include <sstream>

namespace gv {

namespace {

std::string nvmlText(const NvmlApi* nvml, int code) {
  return nvml ? nvml->errorString(code) : "NVML error " + std::to_string(code);
}

// Status for an NVML answer that is not a success.
CheckResult notOk(const std::string& name, const std::string& what, int code, const NvmlApi* nvml) {
  CheckResult result;
  result.name = name;
  std::string text = what + ": " + nvmlText(nvml, code);
  switch (classifyNvml(code)) {
    case NvmlOutcome::GpuLost:
      result.status = Status::Fail;
      result.reason = "GPU is lost or needs a reset (" + text + ")";
      break;
    case NvmlOutcome::Unsupported:
      result.status = Status::Skip;
      result.reason = "not supported here (" + text + ")";
      break;
    default:
      result.status = Status::Error;
      result.reason = text;
  }
  return result;
}

template <typename T>
Json jsonOf(const NvmlResult<T>& reading) {
  return reading.ok() ? Json(reading.value) : Json();
}

std::string join(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

}  // namespace

EccReadings readEcc(NvmlApi& nvml, NvmlDevice device) {
  EccReadings readings;
  readings.mode = nvml.eccMode(device);
  readings.volatileUncorrected = nvml.volatileUncorrectedEccErrors(device);
  readings.aggregateUncorrected = nvml.aggregateUncorrectedEccErrors(device);
  readings.volatileCorrected = nvml.volatileCorrectedEccErrors(device);
  return readings;
}

RemapReadings readRemap(NvmlApi& nvml, NvmlDevice device) {
  RemapReadings readings;
  readings.rows = nvml.remappedRows(device);
  readings.retiredPagesPending = nvml.retiredPagesPending(device);
  readings.retiredPagesDoubleBit = nvml.retiredPagesDoubleBit(device);
  return readings;
}

void injectHealthFaults(EccReadings& ecc, const FaultSet& faults) {
  if (!faults.has(Fault::NvmlUncorrectableEcc)) return;
  ecc.mode = NvmlResult<EccMode>::success(EccMode{true, true});
  ecc.volatileUncorrected = NvmlResult<std::uint64_t>::success(1);
}

void injectHealthFaults(RemapReadings& remap, const FaultSet& faults) {
  if (!faults.has(Fault::NvmlPendingRemap)) return;
  RemappedRows rows = remap.rows.ok() ? remap.rows.value : RemappedRows{};
  rows.pending = true;
  remap.rows = NvmlResult<RemappedRows>::success(rows);
}

CheckResult evaluateEcc(const EccReadings& readings, const NvmlApi* nvml) {
  const std::string name = "ecc-errors";
  CheckResult result;
  result.name = name;
  result.details.set("eccEnabled", readings.mode.ok() ? Json(readings.mode.value.current) : Json());
  result.details.set("eccEnabledAfterReset", readings.mode.ok() ? Json(readings.mode.value.pending) : Json());
  result.details.set("volatileUncorrected", jsonOf(readings.volatileUncorrected));
  result.details.set("aggregateUncorrected", jsonOf(readings.aggregateUncorrected));
  result.details.set("volatileCorrected", jsonOf(readings.volatileCorrected));

  if (!readings.volatileUncorrected.ok()) {
    if (readings.mode.ok() && !readings.mode.value.current &&
        classifyNvml(readings.volatileUncorrected.code) == NvmlOutcome::Unsupported) {
      result.status = Status::Skip;
      result.reason = "ECC is disabled on this GPU, so there are no ECC counters to read";
      return result;
    }
    CheckResult bad = notOk(name, "uncorrectable ECC counter", readings.volatileUncorrected.code, nvml);
    bad.details = result.details;
    return bad;
  }
  Threshold threshold = makeThreshold(
      Comparison::AtMost, 0, "errors",
      "policy: any uncorrectable ECC error since the driver loaded fails (DCGM diagnostics and aznhc check_gpu_ecc "
      "treat uncorrectable errors as failures)");
  applyJudgement(result, static_cast<double>(readings.volatileUncorrected.value), threshold);
  if (result.status == Status::Fail) {
    result.reason = std::to_string(readings.volatileUncorrected.value) +
                    " uncorrectable ECC error(s) since the driver loaded";
  } else {
    result.reason = "no uncorrectable ECC errors since the driver loaded";
  }
  return result;
}

CheckResult evaluateRemap(const RemapReadings& readings, const NvmlApi* nvml) {
  const std::string name = "row-remap";
  CheckResult result;
  result.name = name;
  Threshold threshold = makeThreshold(
      Comparison::AtMost, 0, "conditions",
      "policy: a pending or failed row remap (pending page retirement before Ampere) fails, as in DCGM's L1 "
      "software checks and aznhc check_gpu_ecc");

  if (readings.rows.ok()) {
    const RemappedRows& rows = readings.rows.value;
    result.details.set("mechanism", "row-remap");
    result.details.set("correctableRows", rows.correctableRows);
    result.details.set("uncorrectableRows", rows.uncorrectableRows);
    result.details.set("pending", rows.pending);
    result.details.set("failureOccurred", rows.failureOccurred);
    std::vector<std::string> conditions;
    if (rows.pending) conditions.push_back("row remap pending: the GPU needs a reset to apply it");
    if (rows.failureOccurred) conditions.push_back("row remapping failed: no spare rows left, the GPU needs service");
    applyJudgement(result, static_cast<double>(conditions.size()), threshold);
    result.reason = conditions.empty() ? "no pending or failed row remap (" + std::to_string(rows.correctableRows) +
                                             " correctable, " + std::to_string(rows.uncorrectableRows) +
                                             " uncorrectable rows remapped)"
                                       : join(conditions, "; ");
    return result;
  }
  if (classifyNvml(readings.rows.code) != NvmlOutcome::Unsupported) {
    return notOk(name, "row remap query", readings.rows.code, nvml);
  }
  if (readings.retiredPagesPending.ok()) {
    result.details.set("mechanism", "page-retirement");
    result.details.set("pending", readings.retiredPagesPending.value);
    result.details.set("retiredPagesDoubleBit", jsonOf(readings.retiredPagesDoubleBit));
    applyJudgement(result, readings.retiredPagesPending.value ? 1.0 : 0.0, threshold);
    result.reason = readings.retiredPagesPending.value
                        ? "page retirement pending: the GPU needs a reset to retire the pages"
                        : "no pending page retirement";
    return result;
  }
  if (classifyNvml(readings.retiredPagesPending.code) != NvmlOutcome::Unsupported) {
    return notOk(name, "retired pages query", readings.retiredPagesPending.code, nvml);
  }
  result.status = Status::Skip;
  result.reason = "neither row remapping (" + nvmlText(nvml, readings.rows.code) + ") nor page retirement (" +
                  nvmlText(nvml, readings.retiredPagesPending.code) +
                  ") can be queried here; NVML does not support the row-remap query on a MIG-enabled GPU with "
                  "active instances";
  return result;
}

CheckResult evaluatePcieLink(const std::vector<TelemetrySample>& samples, const TelemetryLimits& limits,
                             const SkuSpec* sku) {
  CheckResult result;
  result.name = "pcie-link";
  unsigned observedGen = 0, observedWidth = 0, usable = 0;
  int firstError = nvml::kSuccess;
  for (const auto& sample : samples) {
    if (sample.pcieGeneration.ok() && sample.pcieWidth.ok()) {
      observedGen = std::max(observedGen, sample.pcieGeneration.value);
      observedWidth = std::max(observedWidth, sample.pcieWidth.value);
      ++usable;
    } else if (firstError == nvml::kSuccess) {
      firstError = sample.pcieGeneration.ok() ? sample.pcieWidth.code : sample.pcieGeneration.code;
    }
  }
  result.details.set("samples", usable);
  result.details.set("maxGen", jsonOf(limits.maxPcieGeneration));
  result.details.set("maxWidth", jsonOf(limits.maxPcieWidth));
  result.details.set("observedWidthUnderLoad", usable ? Json(observedWidth) : Json());
  result.details.set("replayCounter", jsonOf(limits.pcieReplayCounter));
  if (sku) {
    result.details.set("skuExpectedGen", sku->pcieExpectedGen.value);
    result.details.set("skuExpectedWidth", sku->pcieExpectedWidth.value);
  }
  if (usable == 0) {
    if (samples.empty()) {
      result.status = Status::Skip;
      result.reason = "no NVML samples were taken under load (NVML unavailable)";
      return result;
    }
    return notOk(result.name, "current PCIe link", firstError, nullptr);
  }
  if (!limits.maxPcieGeneration.ok() || !limits.maxPcieWidth.ok()) {
    int code = limits.maxPcieGeneration.ok() ? limits.maxPcieWidth.code : limits.maxPcieGeneration.code;
    return notOk(result.name, "maximum PCIe link", code, nullptr);
  }
  unsigned maxGen = limits.maxPcieGeneration.value, maxWidth = limits.maxPcieWidth.value;
  Threshold threshold = makeThreshold(
      Comparison::AtLeast, maxGen, "gen",
      "NVML maximum link generation and width for this device and system; compared with the best seen under load "
      "because idle links down-train");
  std::vector<std::string> problems;
  if (observedGen < maxGen)
    problems.push_back("link ran at Gen" + std::to_string(observedGen) + " under load, capable of Gen" +
                       std::to_string(maxGen));
  if (observedWidth < maxWidth)
    problems.push_back("link width x" + std::to_string(observedWidth) + ", capable of x" + std::to_string(maxWidth));
  if (sku && sku->pcieMinGen.value && observedGen < *sku->pcieMinGen.value)
    problems.push_back("below the " + sku->key + " minimum Gen" + std::to_string(int(*sku->pcieMinGen.value)) +
                       " (" + sku->pcieMinGen.source + ")");
  if (sku && sku->pcieMinWidth.value && observedWidth < *sku->pcieMinWidth.value)
    problems.push_back("below the " + sku->key + " minimum x" + std::to_string(int(*sku->pcieMinWidth.value)) +
                       " (" + sku->pcieMinWidth.source + ")");
  result.value = observedGen;
  result.unit = "gen";
  result.threshold = threshold;
  result.status = problems.empty() ? Status::Pass : Status::Fail;
  std::string link = "Gen" + std::to_string(observedGen) + " x" + std::to_string(observedWidth);
  result.reason = problems.empty() ? link + " under load, the maximum this device and system allow"
                                   : "degraded link (" + link + "): " + join(problems, "; ");
  if (sku && sku->pcieExpectedGen.value && maxGen < *sku->pcieExpectedGen.value) {
    result.details.set("note", "the system caps this link below the " + sku->key + " datasheet Gen" +
                                   std::to_string(int(*sku->pcieExpectedGen.value)));
  }
  return result;
}

CheckResult evaluateClocks(const std::vector<TelemetrySample>& samples, const TelemetryLimits& limits,
                           const SkuPolicy& policy) {
  CheckResult result;
  result.name = "clocks-under-load";
  unsigned usable = 0, flagged = 0, hwSlowdown = 0, swThermal = 0, hwThermal = 0, powerBrake = 0, powerCap = 0;
  unsigned maxTemperature = 0, maxPowerMw = 0;
  bool haveTemperature = false, havePower = false;
  std::vector<unsigned> busyClocks;
  int firstError = nvml::kSuccess;
  std::optional<double> lostAt;  // a GPU can fall off the bus mid-run
  for (const auto& sample : samples) {
    if (!lostAt && classifyNvml(sample.clocksEventReasons.code) == NvmlOutcome::GpuLost)
      lostAt = sample.secondsSinceStart;
    if (sample.temperatureC.ok()) {
      haveTemperature = true;
      maxTemperature = std::max(maxTemperature, sample.temperatureC.value);
    }
    if (sample.powerMilliwatts.ok()) {
      havePower = true;
      maxPowerMw = std::max(maxPowerMw, sample.powerMilliwatts.value);
    }
    if (!sample.clocksEventReasons.ok()) {
      if (firstError == nvml::kSuccess) firstError = sample.clocksEventReasons.code;
      continue;
    }
    ++usable;
    std::uint64_t reasons = sample.clocksEventReasons.value;
    if (reasons & nvml::kFlaggedReasons) ++flagged;
    if (reasons & nvml::kReasonHwSlowdown) ++hwSlowdown;
    if (reasons & nvml::kReasonSwThermalSlowdown) ++swThermal;
    if (reasons & nvml::kReasonHwThermalSlowdown) ++hwThermal;
    if (reasons & nvml::kReasonHwPowerBrakeSlowdown) ++powerBrake;
    if (reasons & nvml::kReasonSwPowerCap) ++powerCap;
    if (!(reasons & nvml::kReasonGpuIdle) && sample.smClockMhz.ok()) busyClocks.push_back(sample.smClockMhz.value);
  }
  Json counts = Json::object();
  counts.set("hwSlowdown", hwSlowdown);
  counts.set("swThermalSlowdown", swThermal);
  counts.set("hwThermalSlowdown", hwThermal);
  counts.set("hwPowerBrakeSlowdown", powerBrake);
  counts.set("swPowerCap (normal under load)", powerCap);
  result.details.set("samples", usable);
  result.details.set("samplesWithReason", counts);
  result.details.set("maxTemperatureC", haveTemperature ? Json(maxTemperature) : Json());
  result.details.set("slowdownTemperatureC", jsonOf(limits.slowdownTemperatureC));
  result.details.set("maxPowerW", havePower ? Json(maxPowerMw / 1000.0) : Json());
  result.details.set("enforcedPowerLimitW", limits.enforcedPowerLimitMilliwatts.ok()
                                                ? Json(limits.enforcedPowerLimitMilliwatts.value / 1000.0)
                                                : Json());
  result.details.set("maxSmClockMhz", jsonOf(limits.maxSmClockMhz));
  if (!busyClocks.empty()) {
    std::sort(busyClocks.begin(), busyClocks.end());
    result.details.set("busySmClockMhzMin", busyClocks.front());
    result.details.set("busySmClockMhzMedian", busyClocks[busyClocks.size() / 2]);
  }
  if (lostAt) {
    std::ostringstream text;
    text << "NVML lost the GPU " << *lostAt << " s into the load (GPU_IS_LOST: fallen off the bus?)";
    result.status = Status::Fail;
    result.reason = text.str();
    return result;
  }
  if (usable == 0) {
    if (samples.empty()) {
      result.status = Status::Skip;
      result.reason = "no NVML samples were taken under load (NVML unavailable)";
      return result;
    }
    CheckResult bad = notOk(result.name, "clock event reasons", firstError, nullptr);
    bad.details = result.details;
    return bad;
  }
  Threshold threshold = makeThreshold(
      Comparison::AtMost, 100.0 * policy.throttleMaxFlaggedSampleFraction.value.value_or(0.05), "% of samples",
      policy.throttleMaxFlaggedSampleFraction.source);
  double percent = 100.0 * flagged / usable;
  applyJudgement(result, percent, threshold);
  std::vector<std::string> problems;
  if (result.status == Status::Fail) {
    std::ostringstream text;
    text << flagged << " of " << usable << " load samples throttled (HW slowdown " << hwSlowdown
         << ", SW thermal " << swThermal << ", HW thermal " << hwThermal << ", HW power brake " << powerBrake << ")";
    problems.push_back(text.str());
  }
  if (haveTemperature && limits.slowdownTemperatureC.ok() && limits.slowdownTemperatureC.value > 0 &&
      maxTemperature >= limits.slowdownTemperatureC.value) {
    result.status = Status::Fail;
    problems.push_back("reached " + std::to_string(maxTemperature) + " C, at or above the slowdown threshold " +
                       std::to_string(limits.slowdownTemperatureC.value) + " C");
  }
  if (!problems.empty()) {
    result.reason = join(problems, "; ");
  } else {
    std::ostringstream text;
    text << "no HW slowdown, thermal or power-brake throttling in " << usable << " load samples";
    if (haveTemperature) text << "; max " << maxTemperature << " C";
    result.reason = text.str();
  }
  return result;
}

}  // namespace gv
