#include "performance.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <sstream>

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

namespace {

std::string formatValue(double value) {
  std::ostringstream out;
  out.precision(value >= 100 ? 5 : 4);
  out << value;
  return out.str();
}

std::string lowerCase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string trim(const std::string& text) {
  std::size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  std::size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

}  // namespace

InstanceTypeChoice resolveInstanceType(const std::optional<std::string>& flag, const char* environment) {
  InstanceTypeChoice choice;
  if (flag && !trim(*flag).empty()) {
    choice.instanceType = lowerCase(trim(*flag));
    choice.source = "--instance-type";
  } else if (environment && !trim(environment).empty()) {
    choice.instanceType = lowerCase(trim(environment));
    choice.source = "$INSTANCE_TYPE";
  } else {
    choice.source = "not given (--instance-type or $INSTANCE_TYPE)";
  }
  return choice;
}

HostLinkFloors selectHostLinkFloors(const SkuTable& table, const FloorContext& context,
                                    const InstanceTypeChoice& instance) {
  HostLinkFloors floors;
  floors.h2d = selectFloor(FloorKind::PinnedH2D, table, context);
  floors.d2h = selectFloor(FloorKind::PinnedD2H, table, context);
  const HostLinkTable& links = table.hostLinks();
  floors.details.set("instanceType", instance.instanceType);
  floors.details.set("instanceTypeSource", instance.source);
  const InstanceFamilyHostLink* family = instance.instanceType ? links.findInstanceType(*instance.instanceType) : nullptr;
  int gen = family ? static_cast<int>(*family->hostPcieGen.value) : links.slowestGen();
  const SourcedValue* hostFloor = links.floorForGen(gen);
  std::string hostText;
  if (family) {
    hostText = "host link of " + *instance.instanceType + " (" + family->hostCpu + ", PCIe Gen" + std::to_string(gen) +
               " root ports: " + family->hostPcieGen.source + ")";
  } else {
    std::string why = instance.instanceType ? "instance type " + *instance.instanceType + " is not in skus.json hostLinks"
                                            : "instance type " + instance.source;
    hostText = why + ": the slowest host link gpu-validate knows of (PCIe Gen" + std::to_string(gen) + ")";
  }
  floors.details.set("hostPcieGen", gen ? Json(gen) : Json());
  floors.details.set("hostCpu", family ? Json(family->hostCpu) : Json());
  bool hostBinds = false;
  for (Threshold* floor : {&floors.h2d, &floors.d2h}) {
    if (!hostFloor || !hostFloor->value || *hostFloor->value >= floor->value) continue;
    hostBinds = true;
    floor->source = hostText + ": " + hostFloor->source + "; the GPU's own floor is " + formatValue(floor->value) +
                    " GB/s (" + floor->source + ")";
    floor->value = *hostFloor->value;
  }
  floors.details.set("floorFrom", hostBinds ? "host link" : "GPU link");
  return floors;
}

std::vector<int> parseCpuList(const std::string& text) {
  std::vector<int> cpus;
  std::stringstream stream(trim(text));
  std::string part;
  while (std::getline(stream, part, ',')) {
    part = trim(part);
    if (part.empty() || part.find_first_not_of("0123456789-") != std::string::npos) return {};
    std::size_t dash = part.find('-');
    try {
      if (dash == std::string::npos) {
        cpus.push_back(std::stoi(part));
        continue;
      }
      int first = std::stoi(part.substr(0, dash)), last = std::stoi(part.substr(dash + 1));
      if (last < first || last - first > 65535) return {};
      for (int cpu = first; cpu <= last; ++cpu) cpus.push_back(cpu);
    } catch (const std::exception&) {
      return {};
    }
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

std::string sysfsPciAddress(const std::string& busId) {
  // domain:bus:device.function, the domain 4 to 8 hex digits.
  std::string id = lowerCase(trim(busId));
  std::size_t colon = id.find(':');
  if (colon == std::string::npos || colon < 4 || colon > 8) return {};
  std::string domain = id.substr(0, colon), rest = id.substr(colon + 1);
  if (domain.find_first_not_of("0123456789abcdef") != std::string::npos) return {};
  if (rest.size() != 7 || rest[2] != ':' || rest[5] != '.') return {};
  for (std::size_t i : {0u, 1u, 3u, 4u, 6u})
    if (!std::isxdigit(static_cast<unsigned char>(rest[i]))) return {};
  domain = domain.substr(domain.size() - 4);
  return domain + ":" + rest;
}

CheckResult evaluateGemmThroughput(double medianTflops, Threshold floor, bool cublas) {
  CheckResult result;
  result.name = "gemm-throughput";
  applyJudgement(result, medianTflops, floor);
  if (!cublas) {
    // The WMMA kernel reaches a few % of peak: no floor it could meet is a gate, so no verdict but "could not".
    result.status = Status::Error;
    result.reason = std::string(kNoCublasCannotJudge) + " (measured " + formatValue(medianTflops) + " TFLOP/s)";
  }
  return result;
}

CheckResult evaluateSustainedLoad(double earlyTflops, double lateTflops, const SkuPolicy& policy, bool timeSliced,
                                  const SustainedCorrectness& correctness) {
  CheckResult result = evaluateSustainedLoad(earlyTflops, lateTflops, policy, timeSliced);
  Json check = Json::object();
  check.set("comparisons", correctness.comparisons);
  check.set("mismatchedComparisons", correctness.mismatchedComparisons);
  check.set("mismatchedWords", correctness.mismatchedWords);
  check.set("firstMismatchAtSeconds",
            correctness.firstMismatchAtSeconds >= 0 ? Json(correctness.firstMismatchAtSeconds) : Json());
  result.details.set("resultsVsFirst", check);
  if (correctness.mismatchedComparisons > 0) {
    std::ostringstream text;
    text << "GEMM results changed under load: " << correctness.mismatchedComparisons << " of "
         << correctness.comparisons << " batches differ from the first result (" << correctness.mismatchedWords
         << " 16-byte words), first after " << formatValue(correctness.firstMismatchAtSeconds)
         << " s: silent data corruption; " << result.reason;
    result.status = Status::Fail;
    result.reason = text.str();
  } else if (correctness.comparisons == 0 && result.status != Status::Fail) {
    result.status = Status::Error;
    result.reason = "no GEMM result was compared under load; " + result.reason;
  } else {
    result.reason += "; " + std::to_string(correctness.comparisons) + " results under load identical to the first";
  }
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

namespace {

Json eccJson(const std::optional<EccCounters>& counters) {
  if (!counters) return Json();
  Json out = Json::object();
  out.set("corrected", counters->corrected);
  out.set("uncorrected", counters->uncorrected);
  if (!counters->unavailableReason.empty()) out.set("unavailable", counters->unavailableReason);
  return out;
}

// b - a when both are there and b >= a (a counter reset, e.g. a GPU reset mid-run, gives no delta).
std::optional<std::uint64_t> delta(const std::optional<std::uint64_t>& a, const std::optional<std::uint64_t>& b) {
  if (!a || !b || *b < *a) return std::nullopt;
  return *b - *a;
}

}  // namespace

CheckResult evaluateMemoryPattern(const MemoryPatternMeasurement& measurement) {
  return evaluateMemoryPattern(measurement, SkuTable::builtIn().policy());
}

CheckResult evaluateMemoryPattern(const MemoryPatternMeasurement& measurement, const SkuPolicy& policy) {
  CheckResult result;
  result.name = "memory-pattern";
  result.details.set("bytesTested", measurement.bytesTested);
  result.details.set("shareOfFreeMemory",
                     measurement.freeBytesAtStart
                         ? Json(static_cast<double>(measurement.bytesTested) / measurement.freeBytesAtStart)
                         : Json());
  result.details.set("freeBytesAtStart", measurement.freeBytesAtStart);
  result.details.set("passes", measurement.passes);
  result.details.set("movingInversionPasses", measurement.movingInversionPasses);
  result.details.set("rounds", measurement.rounds);
  result.details.set("seconds", measurement.seconds);
  result.details.set("firstError", measurement.firstError);
  result.details.set("eccBefore", eccJson(measurement.eccBefore));
  result.details.set("eccAfter", eccJson(measurement.eccAfter));

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

  // ECC: the pattern comparison never sees what ECC corrected.
  std::optional<std::uint64_t> uncorrected, corrected;
  if (measurement.eccBefore && measurement.eccAfter) {
    uncorrected = delta(measurement.eccBefore->uncorrected, measurement.eccAfter->uncorrected);
    corrected = delta(measurement.eccBefore->corrected, measurement.eccAfter->corrected);
  }
  result.details.set("eccUncorrectedDuringTest", uncorrected);
  result.details.set("eccCorrectedDuringTest", corrected);
  const double maxCorrected = policy.memoryTestMaxCorrectedEccDelta.value.value_or(0);
  std::vector<std::string> ecc;
  if (uncorrected && *uncorrected > 0)
    ecc.push_back(std::to_string(*uncorrected) + " uncorrectable ECC error(s) during the test");
  if (corrected && static_cast<double>(*corrected) > maxCorrected)
    ecc.push_back(std::to_string(*corrected) + " ECC-corrected error(s) during the test (at most " +
                  formatValue(maxCorrected) + ": " + policy.memoryTestMaxCorrectedEccDelta.source + ")");
  if (!ecc.empty()) {
    std::string joined;
    for (const auto& part : ecc) joined += (joined.empty() ? "" : "; ") + part;
    result.status = Status::Fail;
    result.reason = joined + (measurement.mismatchedWords ? "; " + result.reason : "");
  } else if (uncorrected || corrected) {
    result.reason += "; no ECC errors during the test (NVML before/after)";
    result.details.set("eccComparison", "compared");
  } else {
    std::string why = !measurement.eccBefore || !measurement.eccAfter ? std::string("NVML unavailable")
                      : !measurement.eccBefore->unavailableReason.empty() ? measurement.eccBefore->unavailableReason
                      : !measurement.eccAfter->unavailableReason.empty() ? measurement.eccAfter->unavailableReason
                                                                         : std::string("a counter went backwards (reset during the test?)");
    result.details.set("eccComparison", "not compared: " + why);
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
      "bit-exact on full-mantissa inputs whose FP32 sums are exact (K <= 256), 3(K-1)u x sum|a*b| (u = 2^-24) on "
      "uniform inputs, bitwise-equal repeats; derivation in src/cuda/kernels/gemm_tolerance.h");
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
