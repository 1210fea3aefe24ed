// pinned-bandwidth: host-to-device and device-to-host copy bandwidth from
// pinned host memory with cudaMemcpyAsync, best of N, one GPU at a time so
// GPUs do not compete for host memory bandwidth.
#include <algorithm>
#include <mutex>

#include "../cuda_util.h"
#include "../device_checks.h"
#include "performance.h"

namespace gv {

namespace {

constexpr std::size_t kMiB = 1024 * 1024;

double bestCopyGBps(void* destination, const void* source, std::size_t bytes, cudaMemcpyKind kind, int samples,
                    cudaStream_t stream) {
  EventTimer timer;
  GV_CUDA(cudaMemcpyAsync(destination, source, bytes, kind, stream));  // warm-up
  double best = 1e30;
  for (int i = 0; i < samples; ++i) {
    timer.start(stream);
    GV_CUDA(cudaMemcpyAsync(destination, source, bytes, kind, stream));
    timer.stop(stream);
    best = std::min(best, timer.seconds());
  }
  return bytes / best / 1e9;
}

class PinnedBandwidthCheck final : public GpuCheck {
 public:
  CheckInfo info() const override {
    return {"pinned-bandwidth",
            "pinned host<->device GB/s per direction (cudaMemcpyAsync, best of N, one GPU at a time) vs the SKU's "
            "PCIe floor",
            kBothProfiles};
  }
  bool usesCuda() const override { return true; }
  bool generatesLoad() const override { return true; }

  CheckResult run(GpuContext& context) override {
    bool quick = context.options.profile == Profile::Quick;
    std::size_t bytes = (quick ? 256 : 1024) * kMiB;
    const int samples = quick ? 10 : 30;
    std::size_t freeBytes = 0, totalBytes = 0;
    deviceMemory(&freeBytes, &totalBytes);
    bytes = std::min(bytes, freeBytes / 4 / (2 * kMiB) * (2 * kMiB));
    if (bytes < 16 * kMiB) throw std::runtime_error("not enough free device memory for the copy buffer");

    DeviceBuffer device(bytes);
    Stream stream;
    double h2d = 0, d2h = 0;
    {
      // One GPU at a time; the pinned buffer lives only inside the lock so a
      // pod's memory limit sees one of them, not one per GPU.
      std::unique_lock<std::mutex> lock;
      if (context.node) lock = std::unique_lock<std::mutex>(context.node->hostLinkMutex);
      PinnedBuffer host(bytes);
      h2d = bestCopyGBps(device.get(), host.get(), bytes, cudaMemcpyHostToDevice, samples, stream.get());
      d2h = bestCopyGBps(host.get(), device.get(), bytes, cudaMemcpyDeviceToHost, samples, stream.get());
    }
    FloorContext floorContext = context.floorContext();
    CheckResult result = evaluatePinned(h2d, d2h, selectFloor(FloorKind::PinnedH2D, context.skus, floorContext),
                                        selectFloor(FloorKind::PinnedD2H, context.skus, floorContext));
    result.details.set("bytes", bytes);
    result.details.set("samples", samples);
    return result;
  }
};

}  // namespace

std::unique_ptr<GpuCheck> makePinnedBandwidthCheck() { return std::make_unique<PinnedBandwidthCheck>(); }

}  // namespace gv
