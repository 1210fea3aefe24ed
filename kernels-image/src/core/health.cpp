#include "health.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
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

const char* toString(NvLinkCounter counter) {
  switch (counter) {
    case NvLinkCounter::Replay: return "replay";
    case NvLinkCounter::Recovery: return "recovery";
    case NvLinkCounter::CrcFlit: return "crcFlit";
    case NvLinkCounter::CrcData: return "crcData";
  }
  return "?";
}

std::string recoveryActionName(unsigned action) {
  switch (action) {
    case recovery::kNone: return "none";
    case recovery::kGpuReset: return "GPU reset";
    case recovery::kNodeReboot: return "node reboot";
    case recovery::kDrainP2p: return "drain peer-to-peer traffic";
    case recovery::kDrainAndReset: return "drain and reset";
  }
  return "unknown action " + std::to_string(action);
}

NvmlHealthApi* nvmlHealthApi(NvmlApi* nvml) {
  if (!nvml) return nullptr;
  if (auto* own = dynamic_cast<NvmlHealthApi*>(nvml)) return own;
  return loadedNvmlHealthLibrary();
}

EccReadings readEcc(NvmlApi& nvml, NvmlDevice device) {
  EccReadings readings;
  readings.mode = nvml.eccMode(device);
  readings.volatileUncorrected = nvml.volatileUncorrectedEccErrors(device);
  readings.aggregateUncorrected = nvml.aggregateUncorrectedEccErrors(device);
  readings.volatileCorrected = nvml.volatileCorrectedEccErrors(device);
  if (NvmlHealthApi* health = nvmlHealthApi(&nvml)) readings.sram = health->sramEccStatus(device);
  return readings;
}

NvLinkReadings readNvLink(NvmlHealthApi& health, NvmlDevice device) {
  NvLinkReadings readings;
  readings.links = health.nvLinkCount(device);
  if (!readings.links.ok()) return readings;
  for (unsigned link = 0; link < readings.links.value; ++link) {
    readings.active.push_back(health.nvLinkActive(device, link));
    std::array<NvmlResult<std::uint64_t>, kNvLinkCounters> counters;
    for (int c = 0; c < kNvLinkCounters; ++c) counters[c] = health.nvLinkErrorCounter(device, link, NvLinkCounter(c));
    readings.counters.push_back(counters);
  }
  return readings;
}

void HealthWatch::record(const GpuContext* gpu, std::shared_ptr<const HealthBaseline> baseline) {
  std::lock_guard<std::mutex> lock(mutex_);
  baselines_[gpu] = std::move(baseline);
}

std::shared_ptr<const HealthBaseline> HealthWatch::find(const GpuContext* gpu) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = baselines_.find(gpu);
  return it == baselines_.end() ? nullptr : it->second;
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
  if (readings.sram.ok()) {
    const SramEccStatus& sram = readings.sram.value;
    Json detail = Json::object();
    detail.set("volatileUncorrected", sram.volatileUncParity + sram.volatileUncSecDed);
    detail.set("aggregateUncorrected", sram.aggregateUncParity + sram.aggregateUncSecDed);
    detail.set("volatileCorrected", sram.volatileCorrected);
    detail.set("aggregateCorrected", sram.aggregateCorrected);
    detail.set("thresholdExceeded", sram.thresholdExceeded);
    result.details.set("sram", detail);
  } else {
    result.details.set("sram", "not read (" + nvmlText(nvml, readings.sram.code) + ")");
  }

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
  if (readings.sram.ok()) {
    const SramEccStatus& sram = readings.sram.value;
    std::uint64_t aggregate = sram.aggregateUncParity + sram.aggregateUncSecDed;
    if (sram.thresholdExceeded) {
      result.status = Status::Fail;
      result.reason = "SRAM uncorrectable errors exceeded the driver's field-diagnostic threshold (" +
                      std::to_string(aggregate) +
                      " aggregate; nvmlDeviceGetSramEccErrorStatus): the GPU needs service; " + result.reason;
    } else {
      result.reason += "; SRAM below the field-diagnostic threshold (" + std::to_string(aggregate) +
                       " aggregate uncorrectable)";
    }
  }
  if (readings.aggregateUncorrected.ok() && readings.aggregateUncorrected.value > 0)
    result.reason += "; " + std::to_string(readings.aggregateUncorrected.value) +
                     " aggregate (lifetime) uncorrectable, judged through row-remap";
  return result;
}

CheckResult evaluateRemap(const RemapReadings& readings, const NvmlApi* nvml) {
  return evaluateRemap(readings, nvml, SkuTable::builtIn().policy());
}

CheckResult evaluateRemap(const RemapReadings& readings, const NvmlApi* nvml, const SkuPolicy& policy,
                          const RemappedRows* before) {
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
    const double maxRows = policy.rowRemapMaxUncorrectableRows.value.value_or(512);
    if (rows.uncorrectableRows >= maxRows)
      conditions.push_back(std::to_string(rows.uncorrectableRows) + " rows remapped for uncorrectable errors, at or " +
                           "above " + std::to_string(static_cast<long long>(maxRows)) + " (" +
                           policy.rowRemapMaxUncorrectableRows.source + ")");
    if (before) {
      result.details.set("uncorrectableRowsBeforeLoad", before->uncorrectableRows);
      result.details.set("correctableRowsBeforeLoad", before->correctableRows);
      if (rows.uncorrectableRows > before->uncorrectableRows)
        conditions.push_back(std::to_string(rows.uncorrectableRows - before->uncorrectableRows) +
                             " row(s) remapped for uncorrectable errors during this run");
    }
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
    std::vector<std::string> conditions;
    if (readings.retiredPagesPending.value)
      conditions.push_back("page retirement pending: the GPU needs a reset to retire the pages");
    const double maxPages = policy.retiredPagesMax.value.value_or(63);
    if (readings.retiredPagesDoubleBit.ok() && readings.retiredPagesDoubleBit.value >= maxPages)
      conditions.push_back(std::to_string(readings.retiredPagesDoubleBit.value) +
                           " pages retired for double-bit errors, at or above " +
                           std::to_string(static_cast<long long>(maxPages)) + " (" + policy.retiredPagesMax.source +
                           ")");
    applyJudgement(result, static_cast<double>(conditions.size()), threshold);
    result.reason = conditions.empty() ? "no pending page retirement" : join(conditions, "; ");
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

double allowedPcieReplays(unsigned gen, unsigned width, double seconds, double bitErrorRate) {
  // GT/s per lane by generation, as DCGM's table (Gen1 2.5 ... Gen6 64); newer capped at Gen6.
  static const double kGtPerLane[] = {2.5, 5.0, 8.0, 16.0, 32.0, 64.0};
  if (gen == 0 || width == 0 || seconds <= 0) return 0;
  unsigned index = std::min<unsigned>(gen, 6) - 1;
  return std::ceil(bitErrorRate * kGtPerLane[index] * 1e9 * width * seconds);
}

CheckResult evaluatePcieLink(const std::vector<TelemetrySample>& samples, const TelemetryLimits& limits,
                             const SkuSpec* sku, const PcieReplayWindow* replays, const SkuPolicy* policy) {
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
  std::string link = "Gen" + std::to_string(observedGen) + " x" + std::to_string(observedWidth);
  // Replays during the run, against the spec bit error rate (DCGM's expected replay rate).
  if (replays && replays->before.ok() && replays->after.ok() && replays->after.value >= replays->before.value) {
    const SkuPolicy& rules = policy ? *policy : SkuTable::builtIn().policy();
    double ber = rules.pcieReplayBitErrorRate.value.value_or(1e-12);
    unsigned count = replays->after.value - replays->before.value;
    double allowed = allowedPcieReplays(observedGen, observedWidth, replays->seconds, ber);
    result.details.set("replaysDuringRun", count);
    result.details.set("replaysAllowed", allowed);
    result.details.set("replayWindowSeconds", replays->seconds);
    if (count > allowed) {
      std::ostringstream text;
      text << count << " PCIe replays in " << replays->seconds << " s, above the " << allowed
           << " a Gen" << observedGen << " x" << observedWidth << " link may have at the spec bit error rate ("
           << rules.pcieReplayBitErrorRate.source << ")";
      problems.push_back(text.str());
    }
  } else if (replays) {
    result.details.set("replaysDuringRun", Json());
  }
  result.status = problems.empty() ? Status::Pass : Status::Fail;
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

namespace {

// XIDs NVIDIA's XID catalog lists with an application among the possible
// causes (docs.nvidia.com/deploy/xid-errors: 13 graphics engine exception,
// 31 GPU memory page fault, 43 GPU stopped processing, 45 preemptive cleanup).
bool applicationXid(unsigned long long xid) { return xid == 13 || xid == 31 || xid == 43 || xid == 45; }

}  // namespace

CheckResult evaluateRecoveryAction(const std::string& name, const NvmlResult<unsigned>& action,
                                   const std::string& when, const NvmlApi* nvml) {
  CheckResult result;
  result.name = name;
  if (!action.ok()) {
    CheckResult bad = notOk(name, "GPU recovery action (NVML_FI_DEV_GET_GPU_RECOVERY_ACTION)", action.code, nvml);
    return bad;
  }
  result.details.set("recoveryAction", action.value);
  result.details.set("recoveryActionName", recoveryActionName(action.value));
  Threshold threshold = makeThreshold(
      Comparison::AtMost, recovery::kNone, "action",
      "NVML GPU recovery action (nvmlGpuRecoveryAction_t): anything but NONE means the driver asks for a GPU reset, "
      "a node reboot or a drain before the GPU is used");
  applyJudgement(result, action.value, threshold);
  result.reason = action.value == recovery::kNone
                      ? "no recovery action pending " + when
                      : "the driver asks for a " + recoveryActionName(action.value) + " " + when +
                            ": the GPU must not take a job until then";
  return result;
}

CheckResult evaluateXidEvents(const NvmlResult<std::shared_ptr<XidWatch>>& watch,
                              const NvmlResult<std::vector<XidEvent>>& events, bool timeSliced, double seconds,
                              const NvmlApi* nvml) {
  const std::string name = "xid-events";
  if (!watch.ok() || !watch.value)
    return notOk(name, "XID event registration (nvmlDeviceRegisterEvents)",
                 watch.ok() ? nvml::kErrorUninitialized : watch.code, nvml);
  if (!events.ok()) return notOk(name, "XID events (nvmlEventSetWait_v2)", events.code, nvml);
  CheckResult result;
  result.name = name;
  Json list = Json::array();
  std::vector<std::string> judged, reportedOnly;
  for (const XidEvent& event : events.value) {
    Json entry = Json::object();
    entry.set("xid", event.xid);
    if (event.gpuInstanceId != 0xffffffffu) entry.set("gpuInstanceId", event.gpuInstanceId);
    if (event.computeInstanceId != 0xffffffffu) entry.set("computeInstanceId", event.computeInstanceId);
    list.push(entry);
    std::string text = "XID " + std::to_string(event.xid);
    if (timeSliced && applicationXid(event.xid)) reportedOnly.push_back(text);
    else judged.push_back(text);
  }
  result.details.set("events", list);
  result.details.set("watchSeconds", seconds);
  Threshold threshold = makeThreshold(
      Comparison::AtMost, 0, "XIDs",
      "policy: an XID (nvmlEventTypeXidCriticalError) while only gpu-validate runs is a driver-reported GPU error; "
      "DCGM's health watches fail on XIDs too");
  applyJudgement(result, static_cast<double>(judged.size()), threshold);
  std::ostringstream text;
  text.precision(3);
  if (!judged.empty()) {
    text << judged.size() << " XID error(s) during the run: " << join(judged, ", ");
  } else {
    text << "no XID errors in " << seconds << " s of checks";
  }
  if (!reportedOnly.empty())
    text << "; reported only (time-sliced GPU, possibly another replica's application): " << join(reportedOnly, ", ");
  result.reason = text.str();
  return result;
}

CheckResult evaluateNvLink(const NvLinkReadings* before, const NvLinkReadings& after, double seconds,
                           bool nvlinkExpected, bool singleGpu, const SkuPolicy& policy, const NvmlApi* nvml) {
  const std::string name = "nvlink-health";
  if (!after.links.ok()) {
    // A PCIe-only GPU may answer "not supported" instead of 0 links: the same thing.
    if (!nvlinkExpected && classifyNvml(after.links.code) == NvmlOutcome::Unsupported) {
      CheckResult result;
      result.name = name;
      result.status = Status::Skip;
      result.details.set("links", 0);
      result.reason = "this GPU has no NVLink (NVLink link count: " + nvmlText(nvml, after.links.code) + ")";
      return result;
    }
    return notOk(name, "NVLink link count", after.links.code, nvml);
  }
  CheckResult result;
  result.name = name;
  const unsigned links = after.links.value;
  result.details.set("links", links);
  if (links == 0) {
    if (nvlinkExpected && !singleGpu) {
      result.status = Status::Fail;
      result.reason = "no NVLink links on a GPU whose SKU is NVLink-connected";
    } else {
      result.status = Status::Skip;
      result.reason = nvlinkExpected ? "no NVLink links: a single-GPU instance" : "this GPU has no NVLink";
    }
    return result;
  }
  std::vector<unsigned> inactive;
  int firstError = nvml::kSuccess;
  for (unsigned link = 0; link < after.active.size(); ++link) {
    const auto& state = after.active[link];
    if (state.ok() && !state.value) inactive.push_back(link);
    else if (!state.ok() && firstError == nvml::kSuccess && classifyNvml(state.code) != NvmlOutcome::Unsupported)
      firstError = state.code;
  }
  if (firstError != nvml::kSuccess) return notOk(name, "NVLink link state", firstError, nvml);
  std::vector<std::string> problems;
  std::string inactiveText;
  for (unsigned link : inactive) inactiveText += (inactiveText.empty() ? "" : ", ") + std::to_string(link);
  result.details.set("inactiveLinks", static_cast<unsigned long>(inactive.size()));
  if (inactive.size() == links && singleGpu) {
    result.status = Status::Skip;
    result.reason = "all " + std::to_string(links) + " NVLink links inactive: a single-GPU instance has no peer";
    return result;
  }
  if (!inactive.empty())
    problems.push_back(std::to_string(inactive.size()) + " of " + std::to_string(links) +
                       " NVLink links inactive (" + inactiveText + ")");

  // Error counters during the run (since driver load when there is no baseline: reported only).
  std::array<std::uint64_t, kNvLinkCounters> totals{}, deltas{};
  std::array<bool, kNvLinkCounters> supported{}, compared{};
  supported.fill(true);
  compared.fill(before != nullptr && before->links.ok() && before->counters.size() == after.counters.size());
  for (std::size_t link = 0; link < after.counters.size(); ++link) {
    for (int c = 0; c < kNvLinkCounters; ++c) {
      const auto& now = after.counters[link][c];
      if (!now.ok()) {
        supported[c] = false;
        compared[c] = false;
        continue;
      }
      totals[c] += now.value;
      if (!compared[c]) continue;
      const auto& then = before->counters[link][c];
      if (!then.ok() || then.value > now.value) {
        compared[c] = false;
        continue;
      }
      deltas[c] += now.value - then.value;
    }
  }
  Json counters = Json::object();
  for (int c = 0; c < kNvLinkCounters; ++c) {
    Json entry = Json::object();
    entry.set("sinceDriverLoad", supported[c] ? Json(totals[c]) : Json());
    entry.set("duringRun", compared[c] ? Json(deltas[c]) : Json());
    counters.set(toString(NvLinkCounter(c)), entry);
  }
  result.details.set("errorCounters", counters);
  result.details.set("windowSeconds", seconds);
  const double maxReplayRecovery = policy.nvlinkMaxReplayRecoveryDelta.value.value_or(0);
  for (NvLinkCounter c : {NvLinkCounter::Replay, NvLinkCounter::Recovery}) {
    int i = static_cast<int>(c);
    if (compared[i] && deltas[i] > maxReplayRecovery)
      problems.push_back(std::to_string(deltas[i]) + " NVLink " + toString(c) + " error(s) during the run (" +
                         policy.nvlinkMaxReplayRecoveryDelta.source + ")");
  }
  const int flit = static_cast<int>(NvLinkCounter::CrcFlit), data = static_cast<int>(NvLinkCounter::CrcData);
  if ((compared[flit] || compared[data]) && seconds > 0) {
    double crc = static_cast<double>((compared[flit] ? deltas[flit] : 0) + (compared[data] ? deltas[data] : 0));
    double perSecond = crc / seconds;
    result.details.set("crcErrorsPerSecond", perSecond);
    if (perSecond >= policy.nvlinkMaxCrcErrorsPerSecond.value.value_or(100))
      problems.push_back("NVLink CRC errors at " + std::to_string(perSecond) + "/s (" +
                         policy.nvlinkMaxCrcErrorsPerSecond.source + ")");
  }
  Threshold threshold = makeThreshold(Comparison::AtMost, 0, "conditions",
                                      "every NVLink link active; replay/recovery and CRC error limits of DCGM's "
                                      "health watch (skus.json policy)");
  applyJudgement(result, static_cast<double>(problems.size()), threshold);
  if (problems.empty()) {
    bool anyCompared = false;
    for (bool c : compared) anyCompared = anyCompared || c;
    result.reason = "all " + std::to_string(links) + " NVLink links active" +
                    (anyCompared ? ", no link errors during the run"
                                 : "; error counters not compared (" +
                                       std::string(before ? "not supported here" : "no baseline before the load") +
                                       ")");
  } else {
    result.reason = join(problems, "; ");
  }
  return result;
}

}  // namespace gv
