// p2p-bandwidth: GPU-to-GPU copy bandwidth for every ordered pair that has
// peer access (cudaMemcpyPeerAsync, best of N). On SKUs whose table entry has
// an NVLink P2P floor, a pair without peer access fails: NVLink or the fabric
// manager is down.
#include <algorithm>

#include "../cuda_util.h"
#include "../device_checks.h"
#include "performance.h"

namespace gv {

namespace {

constexpr std::size_t kMiB = 1024 * 1024;

class P2pBandwidthCheck final : public NodeCheck {
 public:
  CheckInfo info() const override {
    return {"p2p-bandwidth",
            "GPU-to-GPU GB/s for every ordered pair with peer access; NVLink SKUs must have peer access on every pair",
            kBothProfiles};
  }
  Phase phase() const override { return Phase::AfterGpuChecks; }

  std::string cannotRunReason(const NodeContext& context) const override { return p2pCannotRunReason(context); }

  CheckResult run(NodeContext& context) override {
    const bool quick = context.options.profile == Profile::Quick;
    const std::size_t bytes = (quick ? 256 : 1024) * kMiB;
    const int samples = quick ? 5 : 20;
    const int count = static_cast<int>(context.gpus.size());

    std::vector<DeviceBuffer> buffers;  // one per device
    for (int i = 0; i < count; ++i) {
      GV_CUDA(cudaSetDevice(context.gpus[i]->context->identity.cudaIndex));
      buffers.emplace_back(bytes);
    }

    P2pMeasurement measurement;
    measurement.bytes = bytes;
    for (int i = 0; i < count; ++i) {
      int src = context.gpus[i]->context->identity.cudaIndex;
      for (int j = 0; j < count; ++j) {
        if (i == j) continue;
        int dst = context.gpus[j]->context->identity.cudaIndex;
        P2pPair pair{src, dst, std::nullopt};
        int canAccess = 0;
        GV_CUDA(cudaDeviceCanAccessPeer(&canAccess, src, dst));
        if (!canAccess) {
          measurement.pairs.push_back(pair);
          continue;
        }
        GV_CUDA(cudaSetDevice(src));
        cudaError_t enable = cudaDeviceEnablePeerAccess(dst, 0);
        if (enable == cudaErrorPeerAccessAlreadyEnabled) cudaGetLastError();
        else cudaCheck(enable, "cudaDeviceEnablePeerAccess");
        Stream stream;
        EventTimer timer;
        GV_CUDA(cudaMemcpyPeerAsync(buffers[j].get(), dst, buffers[i].get(), src, bytes, stream.get()));
        double best = 1e30;
        for (int s = 0; s < samples; ++s) {
          timer.start(stream.get());
          GV_CUDA(cudaMemcpyPeerAsync(buffers[j].get(), dst, buffers[i].get(), src, bytes, stream.get()));
          timer.stop(stream.get());
          best = std::min(best, timer.seconds());
        }
        pair.gbps = bytes / best / 1e9;
        measurement.pairs.push_back(pair);
      }
    }
    return evaluateP2p(measurement, context);
  }
};

}  // namespace

std::unique_ptr<NodeCheck> makeP2pBandwidthCheck() { return std::make_unique<P2pBandwidthCheck>(); }

}  // namespace gv
