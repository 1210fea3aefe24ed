// gemm-throughput: dense tensor-core GEMM TFLOP/s (BF16, FP16 on Turing) with
// cuBLAS when the build has it. Without cuBLAS our WMMA kernel is timed and
// reported, but the SKU floor (set for cuBLAS) is not binding.
#include <algorithm>
#include <chrono>
#include <vector>

#include "../cuda_util.h"
#include "../device_checks.h"
#include "../gemm_engine.h"
#include "performance.h"

namespace gv {

namespace {

// Largest of 8192/4096/2048 whose buffers fit in a quarter of free memory.
int chooseSize(std::size_t freeBytes) {
  for (int n : {8192, 4096, 2048})
    if (gemmEngineBytes(n) <= freeBytes / 4) return n;
  return 1024;
}

class GemmThroughputCheck final : public GpuCheck {
 public:
  CheckInfo info() const override {
    return {"gemm-throughput",
            "dense BF16 GEMM TFLOP/s (FP16 on Turing), median of timed batches: cuBLAS when built in, else WMMA "
            "(reported, not binding)",
            kBothProfiles};
  }
  bool usesCuda() const override { return true; }
  bool generatesLoad() const override { return true; }

  CheckResult run(GpuContext& context) override {
    GemmDtype dtype = context.identity.computeMajor >= 8 ? GemmDtype::Bf16 : GemmDtype::Fp16;
    if (context.sku && context.sku->tensorDtype == "fp16") dtype = GemmDtype::Fp16;
    std::size_t freeBytes = 0, totalBytes = 0;
    deviceMemory(&freeBytes, &totalBytes);
    const int n = chooseSize(freeBytes);
    const double budgetSeconds = context.options.profile == Profile::Quick ? 3.0 : 30.0;

    Stream stream;
    std::unique_ptr<GemmEngine> engine = GemmEngine::create(n, dtype, stream.get());
    for (int i = 0; i < 3; ++i) engine->enqueue();  // warm-up (and cuBLAS heuristics)
    GV_CUDA(cudaStreamSynchronize(stream.get()));

    // Size batches to ~100 ms so event timing overhead is negligible.
    EventTimer timer;
    timer.start(stream.get());
    engine->enqueue();
    timer.stop(stream.get());
    double oneGemm = std::max(timer.seconds(), 1e-6);
    const int perBatch = std::max(1, static_cast<int>(0.1 / oneGemm));

    std::vector<double> tflops;
    auto start = std::chrono::steady_clock::now();
    while (tflops.size() < 5 ||
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < budgetSeconds) {
      timer.start(stream.get());
      for (int i = 0; i < perBatch; ++i) engine->enqueue();
      timer.stop(stream.get());
      tflops.push_back(engine->flopsPerGemm() * perBatch / timer.seconds() / 1e12);
    }
    std::vector<double> sorted = tflops;
    std::sort(sorted.begin(), sorted.end());
    double median = sorted[sorted.size() / 2];

    Threshold floor = selectFloor(FloorKind::Gemm, context.skus, context.floorContext());
    CheckResult result = evaluateGemmThroughput(median, floor, builtWithCublas());
    result.details.set("engine", engine->engineName());
    result.details.set("dtype", toString(dtype));
    result.details.set("size", n);
    result.details.set("batches", tflops.size());
    result.details.set("gemmsPerBatch", perBatch);
    result.details.set("bestTflops", sorted.back());
    result.details.set("worstTflops", sorted.front());
    if (context.sku && context.sku->denseTensorTflops.value)
      result.details.set("fractionOfDatasheet", median / *context.sku->denseTensorTflops.value);
    return result;
  }
};

}  // namespace

std::unique_ptr<GpuCheck> makeGemmThroughputCheck() { return std::make_unique<GemmThroughputCheck>(); }

}  // namespace gv
