// sustained-load (full profile): GEMM and an HBM copy run together for a few
// minutes, the heaviest load we can make. The GEMM rate late in the run must
// stay close to its rate early in the run, and every batch's GEMM result must
// equal the first one bit for bit (same inputs, same cuBLAS algorithm), as
// gpu-burn checks every iteration: heat- and power-induced silent corruption
// shows here, not in a cold one-second correctness test. The copy is verified
// at the end. NVML throttle reasons are sampled throughout and judged by
// clocks-under-load.
#include <algorithm>
#include <chrono>
#include <vector>

#include "../cuda_util.h"
#include "../device_checks.h"
#include "../gemm_engine.h"
#include "../kernels/copy_kernels.cuh"
#include "performance.h"

namespace gv {

namespace {

constexpr double kDurationSeconds = 180.0;  // as long as DCGM's diagnostic GEMM phase
constexpr std::size_t kMiB = 1024 * 1024;

class SustainedLoadCheck final : public GpuCheck {
 public:
  CheckInfo info() const override {
    return {"sustained-load",
            "full only: GEMM + HBM copy together for 180 s; GEMM rate in the last third vs the first third",
            kFullProfile};
  }
  bool usesCuda() const override { return true; }
  bool generatesLoad() const override { return true; }

  CheckResult run(GpuContext& context) override {
    GemmDtype dtype = context.identity.computeMajor >= 8 ? GemmDtype::Bf16 : GemmDtype::Fp16;
    std::size_t freeBytes = 0, totalBytes = 0;
    deviceMemory(&freeBytes, &totalBytes);
    const int n = gemmEngineBytes(8192) <= freeBytes / 4 ? 8192 : 4096;
    std::size_t copyBytes = std::min<std::size_t>(1024 * kMiB, freeBytes / 8) / (2 * kMiB) * (2 * kMiB);

    Stream gemmStream, copyStream;
    std::unique_ptr<GemmEngine> engine = GemmEngine::create(n, dtype, gemmStream.get());
    DeviceBuffer source(copyBytes), destination(copyBytes);
    LaunchShape shape = copyLaunchShape();
    launchFill(source.get(), copyBytes, 0x51, shape, copyStream.get());

    // ~0.2 s GEMM batches, with enough copies alongside to cover each batch.
    EventTimer timer;
    timer.start(gemmStream.get());
    engine->enqueue();
    timer.stop(gemmStream.get());
    const int perBatch = std::max(1, static_cast<int>(0.2 / std::max(timer.seconds(), 1e-6)));
    timer.start(copyStream.get());
    launchCopy(source.get(), destination.get(), copyBytes, shape, copyStream.get());
    timer.stop(copyStream.get());
    const int copiesPerBatch = std::max(1, static_cast<int>(0.2 / std::max(timer.seconds(), 1e-6)));

    // The first result, which every later one must repeat.
    GV_CUDA(cudaStreamSynchronize(gemmStream.get()));
    const std::size_t resultBytes = engine->outputBytes() / 16 * 16;
    DeviceBuffer golden(resultBytes);
    GV_CUDA(cudaMemcpyAsync(golden.get(), engine->output(), resultBytes, cudaMemcpyDeviceToDevice, gemmStream.get()));
    GV_CUDA(cudaStreamSynchronize(gemmStream.get()));
    SustainedCorrectness correctness;

    struct Batch {
      double at;
      double tflops;
    };
    std::vector<Batch> batches;
    auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    while (elapsed() < kDurationSeconds) {
      for (int i = 0; i < copiesPerBatch; ++i)
        launchCopy(source.get(), destination.get(), copyBytes, shape, copyStream.get());
      timer.start(gemmStream.get());
      for (int i = 0; i < perBatch; ++i) engine->enqueue();
      timer.stop(gemmStream.get());
      double seconds = timer.seconds();
      batches.push_back({elapsed(), engine->flopsPerGemm() * perBatch / seconds / 1e12});
      // Untimed: the batch's last result against the first (a 16-bit C at 8192 is 128 MiB, ~0.1 ms).
      unsigned long long wrong =
          countMismatchedWords(engine->output(), golden.get(), resultBytes, shape, gemmStream.get());
      ++correctness.comparisons;
      if (wrong) {
        if (!correctness.mismatchedComparisons) correctness.firstMismatchAtSeconds = elapsed();
        ++correctness.mismatchedComparisons;
        correctness.mismatchedWords += wrong;
      }
      GV_CUDA(cudaStreamSynchronize(copyStream.get()));
    }
    unsigned long long wrongCopy = countMismatchedWords(source.get(), destination.get(), copyBytes, shape,
                                                        copyStream.get());

    double third = kDurationSeconds / 3;
    double early = 0, late = 0;
    int earlyCount = 0, lateCount = 0;
    for (const Batch& batch : batches) {
      if (batch.at <= third) early += batch.tflops, ++earlyCount;
      else if (batch.at >= 2 * third) late += batch.tflops, ++lateCount;
    }
    if (!earlyCount || !lateCount) throw std::runtime_error("too few GEMM batches to compare early and late rates");
    early /= earlyCount;
    late /= lateCount;
    CheckResult result = evaluateSustainedLoad(early, late, context.skus.policy(), context.timeSliced, correctness);
    result.details.set("copyWrongWords", wrongCopy);
    if (wrongCopy) {
      result.status = Status::Fail;
      result.reason = "the HBM copy under load produced " + std::to_string(wrongCopy) + " wrong 16-byte words; " +
                      result.reason;
    }
    result.details.set("engine", engine->engineName());
    result.details.set("dtype", toString(dtype));
    result.details.set("size", n);
    result.details.set("durationSeconds", elapsed());
    result.details.set("batches", batches.size());
    result.details.set("copyBytesPerLaunch", copyBytes);
    result.details.set("copiesPerBatch", copiesPerBatch);
    return result;
  }
};

}  // namespace

std::unique_ptr<GpuCheck> makeSustainedLoadCheck() { return std::make_unique<SustainedLoadCheck>(); }

}  // namespace gv
