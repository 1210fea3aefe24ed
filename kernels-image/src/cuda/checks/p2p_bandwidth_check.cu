// p2p-bandwidth: GPU-to-GPU copy bandwidth for every ordered pair that has
// peer access (cudaMemcpyPeerAsync, best of N). On SKUs whose table entry has
// an NVLink P2P floor, a pair without peer access fails: NVLink or the fabric
// manager is down.
#include <algorithm>
#include <set>

#include "../cuda_util.h"
#include "../device_checks.h"

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

  std::string cannotRunReason(const NodeContext& context) const override {
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

  CheckResult run(NodeContext& context) override {
    CheckResult result;
    const bool quick = context.options.profile == Profile::Quick;
    const std::size_t bytes = (quick ? 256 : 1024) * kMiB;
    const int samples = quick ? 5 : 20;
    const int count = static_cast<int>(context.gpus.size());

    // One buffer per device; SKU of the node if every GPU agrees.
    std::vector<DeviceBuffer> buffers;
    const SkuSpec* sku = context.gpus.front()->context->sku;
    bool timeSliced = false;
    for (int i = 0; i < count; ++i) {
      GpuContext& gpu = *context.gpus[i]->context;
      if (gpu.sku != sku) sku = nullptr;
      timeSliced = timeSliced || gpu.timeSliced;
      GV_CUDA(cudaSetDevice(gpu.identity.cudaIndex));
      buffers.emplace_back(bytes);
    }
    bool nvlinkExpected = sku && sku->floors.p2pGBps.value.has_value();

    Json matrix = Json::object();
    std::vector<std::string> noAccess;
    double worst = 1e30;
    std::string worstPair;
    for (int i = 0; i < count; ++i) {
      int src = context.gpus[i]->context->identity.cudaIndex;
      for (int j = 0; j < count; ++j) {
        if (i == j) continue;
        int dst = context.gpus[j]->context->identity.cudaIndex;
        std::string pair = std::to_string(src) + "->" + std::to_string(dst);
        int canAccess = 0;
        GV_CUDA(cudaDeviceCanAccessPeer(&canAccess, src, dst));
        if (!canAccess) {
          noAccess.push_back(pair);
          matrix.set(pair, Json());
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
        double gbps = bytes / best / 1e9;
        matrix.set(pair, gbps);
        if (gbps < worst) worst = gbps, worstPair = pair;
      }
    }
    result.details.set("gbpsByPair", matrix);
    result.details.set("bytes", bytes);
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
    Threshold floor = selectFloor(FloorKind::P2P, context.skus, floorContext);
    applyJudgement(result, worst, floor);
    result.reason = "slowest pair " + worstPair + ": " + result.reason;
    if (nvlinkExpected && !noAccess.empty()) {
      result.status = Status::Fail;
      result.reason = "no peer access on " + missing + " (NVLink expected on " + sku->key + "); " + result.reason;
    }
    return result;
  }
};

}  // namespace

std::unique_ptr<NodeCheck> makeP2pBandwidthCheck() { return std::make_unique<P2pBandwidthCheck>(); }

}  // namespace gv
