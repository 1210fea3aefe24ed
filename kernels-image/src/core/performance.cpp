#include "performance.h"

#include <set>

namespace gv {

CheckResult evaluateHbm(const HbmMeasurement& measurement, Threshold floor, const FaultSet& faults) {
  CheckResult result;
  result.name = "hbm-bandwidth";
  result.details.set("ownKernelGBps", measurement.kernelGBps);
  result.details.set("cudaMemcpyD2DGBps", measurement.memcpyGBps);
  result.details.set("ratioToCudaMemcpy",
                     measurement.memcpyGBps > 0 ? Json(measurement.kernelGBps / measurement.memcpyGBps) : Json());
  result.details.set("wrongWordsAfterCopy", measurement.wrongWords);
  double measured = measurement.kernelGBps;
  if (faults.has(Fault::SlowHbm)) {
    measured = injectSlowHbm(measurement.kernelGBps, floor.value);
    floor.binding = true;
    result.injectedFaults.push_back("slow-hbm");
  }
  applyJudgement(result, measured, floor);
  if (measurement.wrongWords) {
    result.status = Status::Fail;
    result.reason = "the copy produced " + std::to_string(measurement.wrongWords) + " wrong 16-byte words; " +
                    result.reason;
  }
  return result;
}

CheckResult evaluatePinned(double h2dGBps, double d2hGBps, const Threshold& h2dFloor, const Threshold& d2hFloor) {
  CheckResult result;
  result.name = "pinned-bandwidth";
  result.details.set("h2dGBps", h2dGBps);
  result.details.set("d2hGBps", d2hGBps);
  bool h2dWorse = h2dGBps / h2dFloor.value <= d2hGBps / d2hFloor.value;
  applyJudgement(result, h2dWorse ? h2dGBps : d2hGBps, h2dWorse ? h2dFloor : d2hFloor);
  result.reason = std::string(h2dWorse ? "H2D" : "D2H") + " (the direction with less margin): " + result.reason;
  return result;
}

CheckResult evaluateGemmThroughput(double medianTflops, Threshold floor, bool cublas) {
  CheckResult result;
  result.name = "gemm-throughput";
  if (!cublas && floor.binding) {
    floor.binding = false;
    floor.notBindingReason = kNoCublasNotBinding;
  }
  applyJudgement(result, medianTflops, floor);
  return result;
}

CheckResult evaluateSustainedLoad(double earlyTflops, double lateTflops, const SkuPolicy& policy, bool timeSliced) {
  CheckResult result;
  result.name = "sustained-load";
  result.details.set("earlyTflops", earlyTflops);
  result.details.set("lateTflops", lateTflops);
  Threshold threshold = makeThreshold(
      Comparison::AtLeast, policy.sustainedLoadMinLateToEarlyRatio.value.value_or(0.9), "late/early",
      policy.sustainedLoadMinLateToEarlyRatio.source);
  if (timeSliced) {
    threshold.binding = false;
    threshold.notBindingReason = kTimeSlicedNotBinding;
  }
  applyJudgement(result, earlyTflops > 0 ? lateTflops / earlyTflops : 0.0, threshold);
  return result;
}

CheckResult evaluateMemoryPattern(const MemoryPatternMeasurement& measurement) {
  CheckResult result;
  result.name = "memory-pattern";
  result.details.set("bytesTested", measurement.bytesTested);
  result.details.set("shareOfFreeMemory",
                     measurement.freeBytesAtStart
                         ? Json(static_cast<double>(measurement.bytesTested) / measurement.freeBytesAtStart)
                         : Json());
  result.details.set("freeBytesAtStart", measurement.freeBytesAtStart);
  result.details.set("passes", measurement.passes);
  result.details.set("rounds", measurement.rounds);
  result.details.set("firstError", measurement.firstError);

  Threshold threshold = makeThreshold(
      Comparison::AtMost, 0, "bad words",
      "policy: a memory test tolerates no mismatched word");
  applyJudgement(result, static_cast<double>(measurement.mismatchedWords), threshold);
  if (result.status == Status::Fail) {
    result.reason = std::to_string(measurement.mismatchedWords) + " mismatched 64-bit word(s) in " +
                    std::to_string(measurement.passes) + " passes";
    const Json& first = measurement.firstError;
    if (first.isObject() && first.has("byteOffset") && first.has("pattern"))
      result.reason += "; first at byte offset " +
                       std::to_string(static_cast<unsigned long long>(first.at("byteOffset").asNumber())) + " (" +
                       first.at("pattern").asString() + ")";
  } else {
    result.reason = "no mismatches in " + std::to_string(measurement.passes) + " passes over " +
                    std::to_string(measurement.bytesTested / (1024 * 1024)) + " MiB";
  }
  return result;
}

CheckResult evaluateGemmCorrectness(const GemmCorrectnessMeasurement& measurement) {
  CheckResult result;
  result.name = "gemm-correctness";
  result.details.set("cases", measurement.cases);
  if (measurement.casesPerRepeat == 0) {
    result.status = Status::Skip;
    result.reason = "no tensor-core input type is supported on compute capability " +
                    std::to_string(measurement.computeMajor) + "." + std::to_string(measurement.computeMinor);
    return result;
  }
  Threshold threshold = makeThreshold(
      Comparison::AtMost, 0, "wrong elements",
      "exact on small-integer inputs; 2^-10 x sum|a*b| on uniform inputs (3x the FP32 summation error bound at "
      "K=2048, see gemm_correctness_check.cu)");
  applyJudgement(result, static_cast<double>(measurement.mismatches), threshold);
  result.reason = measurement.mismatches
                      ? std::to_string(measurement.mismatches) + " GEMM output element(s) outside tolerance"
                      : "all " + std::to_string(measurement.casesPerRepeat * measurement.repeats) +
                            " GEMM cases match the reference";
  return result;
}

std::string p2pCannotRunReason(const NodeContext& context) {
  if (context.gpus.size() < 2) return "fewer than two GPUs in this pod";
  std::set<std::string> uuids;
  for (const GpuRun* run : context.gpus) {
    const GpuContext& gpu = *run->context;
    if (gpu.identity.migInstance) return "MIG instances have no peer-to-peer path";
    if (gpu.cudaUnusable) return "GPU " + std::to_string(gpu.identity.cudaIndex) + " is unusable";
    uuids.insert(gpu.identity.uuid);
  }
  if (uuids.size() < 2) return "all visible devices are replicas of one physical GPU";
  return {};
}

CheckResult evaluateP2p(const P2pMeasurement& measurement, const SkuTable& table, const SkuSpec* sku,
                        bool timeSliced) {
  CheckResult result;
  result.name = "p2p-bandwidth";
  const bool nvlinkExpected = sku && sku->floors.p2pGBps.value.has_value();
  Json matrix = Json::object();
  std::vector<std::string> noAccess;
  double worst = 1e30;
  std::string worstPair;
  for (const P2pPair& p : measurement.pairs) {
    std::string pair = std::to_string(p.source) + "->" + std::to_string(p.destination);
    matrix.set(pair, p.gbps);
    if (!p.gbps) {
      noAccess.push_back(pair);
      continue;
    }
    if (*p.gbps < worst) worst = *p.gbps, worstPair = pair;
  }
  result.details.set("gbpsByPair", matrix);
  result.details.set("bytes", measurement.bytes);
  result.details.set("pairsWithoutPeerAccess", static_cast<unsigned long>(noAccess.size()));

  std::string missing;
  for (const auto& pair : noAccess) missing += (missing.empty() ? "" : ", ") + pair;
  if (worstPair.empty()) {
    result.status = nvlinkExpected ? Status::Fail : Status::Skip;
    result.reason = nvlinkExpected ? sku->key + " GPUs are NVLink-connected but no pair has peer access "
                                                "(NVLink down or fabric manager not running?)"
                                   : "no GPU pair supports peer access on this system";
    return result;
  }
  FloorContext floorContext;
  floorContext.sku = sku;
  floorContext.timeSliced = timeSliced;
  Threshold floor = selectFloor(FloorKind::P2P, table, floorContext);
  applyJudgement(result, worst, floor);
  result.reason = "slowest pair " + worstPair + ": " + result.reason;
  if (nvlinkExpected && !noAccess.empty()) {
    result.status = Status::Fail;
    result.reason = "no peer access on " + missing + " (NVLink expected on " + sku->key + "); " + result.reason;
  }
  return result;
}

CheckResult evaluateP2p(const P2pMeasurement& measurement, const NodeContext& context) {
  const SkuSpec* sku = context.gpus.empty() ? nullptr : context.gpus.front()->context->sku;
  bool timeSliced = false;
  for (const GpuRun* run : context.gpus) {
    if (run->context->sku != sku) sku = nullptr;
    timeSliced = timeSliced || run->context->timeSliced;
  }
  return evaluateP2p(measurement, context.skus, sku, timeSliced);
}

}  // namespace gv
