// hbm-bandwidth: device memory bandwidth with our own vectorised copy kernel,
// counted as bytes read + written over time (best of N), with cudaMemcpy D2D
// measured the same way in the same run for an apples-to-apples ratio.
#include <algorithm>

#include "../cuda_util.h"
#include "../device_checks.h"
#include "../kernels/copy_kernels.cuh"
#include "performance.h"

namespace gv {

namespace {

constexpr std::size_t kMiB = 1024 * 1024;

struct HbmPlan {
  int samples;
  int launchesPerSample;
};

HbmPlan planFor(Profile profile) { return profile == Profile::Quick ? HbmPlan{10, 5} : HbmPlan{40, 10}; }

// Best (shortest) time of `samples` timed groups of `launches` operations.
template <typename Enqueue>
double bestSecondsPerOperation(cudaStream_t stream, int samples, int launches, Enqueue&& enqueue) {
  EventTimer timer;
  double best = 1e30;
  for (int s = 0; s < samples; ++s) {
    timer.start(stream);
    for (int i = 0; i < launches; ++i) enqueue();
    timer.stop(stream);
    best = std::min(best, timer.seconds() / launches);
  }
  return best;
}

class HbmBandwidthCheck final : public GpuCheck {
 public:
  CheckInfo info() const override {
    return {"hbm-bandwidth",
            "device memory GB/s (read+write) with our 16-byte vectorised copy kernel, best of N, buffers >= 8x L2; "
            "also as a ratio to cudaMemcpy D2D",
            kBothProfiles};
  }
  bool usesCuda() const override { return true; }
  bool generatesLoad() const override { return true; }

  CheckResult run(GpuContext& context) override {
    Stream stream;
    std::size_t freeBytes = 0, totalBytes = 0;
    deviceMemory(&freeBytes, &totalBytes);

    // Several times L2 so the copy streams from DRAM, capped to a modest
    // share of free memory (less when another replica may need it).
    std::size_t l2 = static_cast<std::size_t>(std::max(context.identity.l2CacheBytes, 1));
    std::size_t wanted = std::max<std::size_t>(1024 * kMiB, 8 * l2);
    double share = context.timeSliced ? 0.10 : 0.25;
    std::size_t cap = static_cast<std::size_t>(share * freeBytes / 2);
    std::size_t bytes = std::min(wanted, cap) / (2 * kMiB) * (2 * kMiB);
    if (bytes < 64 * kMiB) throw std::runtime_error("not enough free device memory for the bandwidth buffers");

    DeviceBuffer source(bytes), destination(bytes);
    LaunchShape shape = copyLaunchShape();
    launchFill(source.get(), bytes, 0x4842, shape, stream.get());
    for (int i = 0; i < 2; ++i) launchCopy(source.get(), destination.get(), bytes, shape, stream.get());  // warm-up

    HbmPlan plan = planFor(context.options.profile);
    double kernelSeconds = bestSecondsPerOperation(stream.get(), plan.samples, plan.launchesPerSample, [&] {
      launchCopy(source.get(), destination.get(), bytes, shape, stream.get());
    });
    unsigned long long wrongWords = countMismatchedWords(source.get(), destination.get(), bytes, shape, stream.get());
    double memcpySeconds = bestSecondsPerOperation(stream.get(), plan.samples, plan.launchesPerSample, [&] {
      GV_CUDA(cudaMemcpyAsync(destination.get(), source.get(), bytes, cudaMemcpyDeviceToDevice, stream.get()));
    });

    HbmMeasurement measurement;
    measurement.kernelGBps = 2.0 * bytes / kernelSeconds / 1e9;
    measurement.memcpyGBps = 2.0 * bytes / memcpySeconds / 1e9;
    measurement.wrongWords = wrongWords;
    Threshold floor = selectFloor(FloorKind::HbmBandwidth, context.skus, context.floorContext());
    CheckResult result = evaluateHbm(measurement, floor, context.faults);
    result.details.set("bufferBytes", bytes);
    result.details.set("l2CacheBytes", context.identity.l2CacheBytes);
    result.details.set("blocks", shape.blocks);
    result.details.set("threadsPerBlock", shape.threadsPerBlock);
    result.details.set("samples", plan.samples);
    return result;
  }
};

}  // namespace

std::unique_ptr<GpuCheck> makeHbmBandwidthCheck() { return std::make_unique<HbmBandwidthCheck>(); }

}  // namespace gv
