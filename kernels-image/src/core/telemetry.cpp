#include "telemetry.h"

namespace gv {

TelemetrySample takeSample(NvmlApi& nvml, NvmlDevice device, double secondsSinceStart) {
  TelemetrySample sample;
  sample.secondsSinceStart = secondsSinceStart;
  sample.clocksEventReasons = nvml.clocksEventReasons(device);
  sample.pcieGeneration = nvml.currentPcieGeneration(device);
  sample.pcieWidth = nvml.currentPcieWidth(device);
  sample.temperatureC = nvml.temperatureC(device);
  sample.powerMilliwatts = nvml.powerUsageMilliwatts(device);
  sample.smClockMhz = nvml.smClockMhz(device);
  return sample;
}

TelemetryLimits readLimits(NvmlApi& nvml, NvmlDevice device) {
  TelemetryLimits limits;
  limits.maxPcieGeneration = nvml.maxPcieGeneration(device);
  limits.maxPcieWidth = nvml.maxPcieWidth(device);
  limits.pcieReplayCounter = nvml.pcieReplayCounter(device);
  limits.slowdownTemperatureC = nvml.slowdownTemperatureC(device);
  limits.enforcedPowerLimitMilliwatts = nvml.enforcedPowerLimitMilliwatts(device);
  limits.maxSmClockMhz = nvml.maxSmClockMhz(device);
  return limits;
}

void TelemetryLog::add(const TelemetrySample& sample) {
  std::lock_guard<std::mutex> lock(mutex_);
  samples_.push_back(sample);
}

std::vector<TelemetrySample> TelemetryLog::snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return samples_;
}

TelemetrySampler::TelemetrySampler(NvmlApi& nvml, NvmlDevice device, TelemetryLog& log,
                                   std::chrono::milliseconds interval) {
  auto start = std::chrono::steady_clock::now();
  thread_ = std::thread([this, &nvml, device, &log, interval, start] {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      log.add(takeSample(nvml, device, elapsed));
      lock.lock();
      wake_.wait_for(lock, interval, [this] { return stopping_; });
    }
  });
}

TelemetrySampler::~TelemetrySampler() { stop(); }

void TelemetrySampler::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void injectTelemetryFaults(std::vector<TelemetrySample>& samples, TelemetryLimits& limits, const FaultSet& faults) {
  bool pcie = faults.has(Fault::NvmlPcieDegraded);
  bool thermal = faults.has(Fault::NvmlThermalThrottle);
  if (!pcie && !thermal) return;
  if (samples.empty()) {
    TelemetrySample synthetic;
    synthetic.synthetic = true;
    samples.push_back(synthetic);
  }
  if (pcie) {
    // Keep real maxima when NVML has them; Gen4 x16 otherwise.
    if (!limits.maxPcieGeneration.ok()) limits.maxPcieGeneration = NvmlResult<unsigned>::success(4);
    if (!limits.maxPcieWidth.ok()) limits.maxPcieWidth = NvmlResult<unsigned>::success(16);
    unsigned degradedWidth = limits.maxPcieWidth.value > 1 ? limits.maxPcieWidth.value / 2 : 1;
    for (auto& sample : samples) {
      sample.pcieGeneration = NvmlResult<unsigned>::success(limits.maxPcieGeneration.value);
      sample.pcieWidth = NvmlResult<unsigned>::success(degradedWidth);
    }
    if (limits.maxPcieWidth.value <= 1) limits.maxPcieWidth.value = 2;  // so x1 is still below max
  }
  if (thermal) {
    for (auto& sample : samples) {
      std::uint64_t reasons = sample.clocksEventReasons.ok() ? sample.clocksEventReasons.value : 0;
      sample.clocksEventReasons = NvmlResult<std::uint64_t>::success(reasons | nvml::kReasonHwThermalSlowdown);
    }
  }
}

}  // namespace gv
