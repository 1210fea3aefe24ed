// gemm-correctness: our tensor-core GEMM (WMMA, FP16 and BF16 inputs, FP32
// accumulate) and cuBLAS (when built in) against an FP32 reference GEMM
// computed on the device from the same inputs, plus a bitwise repeat.
//
// Cases per input type (tolerances derived in kernels/gemm_tolerance.h):
// - exact: full-mantissa inputs +-m*2^-7 (m in [128, 255]) with K = 256, so
//   every product and partial sum is exact in FP32: WMMA, cuBLAS and the
//   reference must agree bit for bit. A flipped bit in any input or product
//   changes the sum by at least 2^-7: caught.
// - uniform: random mantissas, signs and exponents with K = n; any element
//   further than 3*(K-1)*u * sum|a*b| from the reference is wrong.
// - repeat (cuBLAS): the uniform GEMM run twice must give identical bits
//   (cuBLAS is bitwise reproducible on one GPU, cuBLAS docs "Results
//   reproducibility"); gpu-burn compares every iteration the same way.
#include <cmath>
#include <vector>

#include "../cuda_util.h"
#include "../device_checks.h"
#include "../gemm_engine.h"
#include "../kernels/copy_kernels.cuh"
#include "../kernels/gemm_tolerance.h"
#include "../kernels/wmma_gemm.cuh"
#include "performance.h"

namespace gv {

namespace {

enum class Engine { Wmma, Cublas, CublasRepeat };

struct Case {
  GemmDtype dtype;
  GemmInputs inputs;
  Engine engine;
};

const char* engineName(Engine engine) {
  switch (engine) {
    case Engine::Wmma: return "wmma";
    case Engine::Cublas: return "cublas";
    case Engine::CublasRepeat: return "cublas-repeat";
  }
  return "?";
}

class GemmCorrectnessCheck final : public GpuCheck {
 public:
  CheckInfo info() const override {
    return {"gemm-correctness",
            "WMMA FP16/BF16 tensor-core GEMM and cuBLAS vs an FP32 device reference: bit-exact on full-mantissa "
            "inputs (K=256), 3(K-1)u x sum|ab| on random inputs, cuBLAS repeats bitwise",
            kBothProfiles};
  }
  bool usesCuda() const override { return true; }
  bool generatesLoad() const override { return true; }

  CheckResult run(GpuContext& context) override {
    bool quick = context.options.profile == Profile::Quick;
    const int n = quick ? 1024 : 2048;  // m = n; K = n for the uniform case, 256 for the exact one
    const int repeats = quick ? 1 : 5;  // full repeats to catch intermittent corruption
    const std::size_t elements = static_cast<std::size_t>(n) * n;

    std::vector<Case> cases;
    for (GemmDtype dtype : {GemmDtype::Fp16, GemmDtype::Bf16}) {
      if (!wmmaSupports(dtype, context.identity.computeMajor)) continue;
      cases.push_back({dtype, GemmInputs::ExactFullMantissa, Engine::Wmma});
      cases.push_back({dtype, GemmInputs::Uniform, Engine::Wmma});
      if (builtWithCublas()) {
        cases.push_back({dtype, GemmInputs::ExactFullMantissa, Engine::Cublas});
        cases.push_back({dtype, GemmInputs::Uniform, Engine::Cublas});
        cases.push_back({dtype, GemmInputs::Uniform, Engine::CublasRepeat});
      }
    }

    Stream stream;
    DeviceBuffer a(2 * elements), b(2 * elements), c(sizeof(float) * elements), reference(sizeof(float) * elements),
        absSum(sizeof(float) * elements);
    LaunchShape shape = copyLaunchShape();
    unsigned long long totalMismatches = 0;
    bool injected = false;
    Json caseReports = Json::array();
    for (int repeat = 0; repeat < repeats; ++repeat) {
      for (const Case& testCase : cases) {
        const bool exact = testCase.inputs == GemmInputs::ExactFullMantissa;
        const int k = exact ? kExactGemmMaxK : n;
        const std::uint64_t seed = 0x5eed + 0x100 * static_cast<std::uint64_t>(repeat);
        fillGemmInputs(a.get(), b.get(), n, n, k, testCase.dtype, testCase.inputs, seed, stream.get());
        float tolerance = exact ? 0.0f : static_cast<float>(gemmUniformToleranceFactor(k));
        GemmComparison comparison;
        if (testCase.engine == Engine::CublasRepeat) {
          // Two runs of the same GEMM, compared bit for bit (reference = first run).
          cublasGemmToFloat(a.get(), b.get(), reference.as<float>(), n, n, k, testCase.dtype, stream.get());
          cublasGemmToFloat(a.get(), b.get(), c.as<float>(), n, n, k, testCase.dtype, stream.get());
          if (context.faults.has(Fault::GemmCorrupt) && !injected) {
            perturbElement(c.as<float>(), elements / 3, 0.5f, stream.get());
            injected = true;
          }
          tolerance = 0.0f;
          comparison.mismatches =
              countMismatchedWords(c.get(), reference.get(), sizeof(float) * elements, shape, stream.get());
        } else {
          launchReferenceGemm(a.get(), b.get(), reference.as<float>(), absSum.as<float>(), n, n, k, testCase.dtype,
                              stream.get());
          if (testCase.engine == Engine::Cublas)
            cublasGemmToFloat(a.get(), b.get(), c.as<float>(), n, n, k, testCase.dtype, stream.get());
          else
            launchWmmaGemm(a.get(), b.get(), c.as<float>(), n, n, k, testCase.dtype, stream.get());
          if (context.faults.has(Fault::GemmCorrupt) && !injected) {
            perturbElement(c.as<float>(), elements / 3, 0.5f, stream.get());
            injected = true;
          }
          comparison =
              compareGemm(c.as<float>(), reference.as<float>(), absSum.as<float>(), elements, tolerance, stream.get());
        }
        totalMismatches += comparison.mismatches;
        if (repeat == 0 || comparison.mismatches) {
          Json report = Json::object();
          report.set("engine", engineName(testCase.engine));
          report.set("dtype", toString(testCase.dtype));
          report.set("inputs", exact ? "exact-full-mantissa" : "uniform");
          report.set("size", n);
          report.set("k", k);
          report.set("repeat", repeat);
          report.set("tolerance", tolerance);
          report.set("mismatches", comparison.mismatches);
          report.set("maxNormalizedError", testCase.engine == Engine::CublasRepeat
                                               ? Json()
                                               : Json(comparison.maxNormalizedError));
          report.set("firstBadIndex", comparison.firstBadIndex >= 0 ? Json(comparison.firstBadIndex) : Json());
          caseReports.push(report);
        }
      }
    }
    GemmCorrectnessMeasurement measurement;
    measurement.cases = caseReports;
    measurement.casesPerRepeat = cases.size();
    measurement.repeats = repeats;
    measurement.mismatches = totalMismatches;
    measurement.computeMajor = context.identity.computeMajor;
    measurement.computeMinor = context.identity.computeMinor;
    CheckResult result = evaluateGemmCorrectness(measurement);
    if (injected) result.injectedFaults.push_back("gemm-corrupt");
    return result;
  }
};

}  // namespace

std::unique_ptr<GpuCheck> makeGemmCorrectnessCheck() { return std::make_unique<GemmCorrectnessCheck>(); }

}  // namespace gv
