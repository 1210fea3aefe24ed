#include "performance.h"

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
  Threshold threshold;
  threshold.comparison = Comparison::AtLeast;
  threshold.value = policy.sustainedLoadMinLateToEarlyRatio.value.value_or(0.9);
  threshold.unit = "late/early";
  threshold.source = policy.sustainedLoadMinLateToEarlyRatio.source;
  if (timeSliced) {
    threshold.binding = false;
    threshold.notBindingReason = kTimeSlicedNotBinding;
  }
  applyJudgement(result, earlyTflops > 0 ? lateTflops / earlyTflops : 0.0, threshold);
  return result;
}

}  // namespace gv
