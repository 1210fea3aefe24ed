// NVML telemetry sampled in a background thread while the load checks run:
// throttle reasons and PCIe link state mean little at idle (links down-train,
// clocks drop), so they are judged from these samples.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "faults.h"
#include "nvml_api.h"

namespace gv {

struct TelemetrySample {
  double secondsSinceStart = 0.0;
  bool synthetic = false;  // made up by fault injection when NVML gave nothing
  NvmlResult<std::uint64_t> clocksEventReasons;
  NvmlResult<unsigned> pcieGeneration;
  NvmlResult<unsigned> pcieWidth;
  NvmlResult<unsigned> temperatureC;
  NvmlResult<unsigned> powerMilliwatts;
  NvmlResult<unsigned> smClockMhz;
};

// Static limits read once per GPU.
struct TelemetryLimits {
  NvmlResult<unsigned> maxPcieGeneration;
  NvmlResult<unsigned> maxPcieWidth;
  NvmlResult<unsigned> pcieReplayCounter;
  NvmlResult<unsigned> slowdownTemperatureC;
  NvmlResult<unsigned> enforcedPowerLimitMilliwatts;
  NvmlResult<unsigned> maxSmClockMhz;
};

TelemetrySample takeSample(NvmlApi& nvml, NvmlDevice device, double secondsSinceStart);
TelemetryLimits readLimits(NvmlApi& nvml, NvmlDevice device);

class TelemetryLog {
 public:
  void add(const TelemetrySample& sample);
  std::vector<TelemetrySample> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::vector<TelemetrySample> samples_;
};

// Samples one device every `interval` until stopped (or destroyed).
class TelemetrySampler {
 public:
  TelemetrySampler(NvmlApi& nvml, NvmlDevice device, TelemetryLog& log, std::chrono::milliseconds interval);
  ~TelemetrySampler();
  TelemetrySampler(const TelemetrySampler&) = delete;
  TelemetrySampler& operator=(const TelemetrySampler&) = delete;
  void stop();

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// Fault injection on the readings: the evaluation downstream runs unchanged.
void injectTelemetryFaults(std::vector<TelemetrySample>& samples, TelemetryLimits& limits, const FaultSet& faults);

}  // namespace gv
