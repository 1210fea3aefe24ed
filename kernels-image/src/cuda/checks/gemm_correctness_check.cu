// gemm-correctness: our tensor-core GEMM (WMMA, FP16 and BF16 inputs, FP32
// accumulate) against an FP32 reference GEMM computed on the device from the
// same inputs; cuBLAS is compared too when the build has it.
//
// Tolerances:
// - Small-integer inputs ({-2..2}): every product and partial sum is an
//   integer below 2^24, exact in FP32 whatever the summation order, so the
//   result must match bit for bit (tolerance 0).
// - Uniform inputs in [-1, 1): FP16/BF16 products are exact in FP32; only
//   the two FP32 summations differ. Each has error <= K*u*sum|a*b| (u =
//   2^-24), and tensor cores may truncate instead of round (<= 2u), so the
//   difference is <= 3*K*u*sum|a*b| = 3.7e-4 * sum|a*b| at K = 2048. We
//   allow 2^-10 (9.8e-4) of sum|a*b|: above that bound, still small enough
//   to catch a flipped exponent or upper-mantissa bit.
#include <cmath>
#include <vector>

#include "../cuda_util.h"
#include "../device_checks.h"
#include "../gemm_engine.h"
#include "../kernels/wmma_gemm.cuh"
#include "performance.h"

namespace gv {

namespace {

constexpr float kUniformTolerance = 1.0f / 1024.0f;

struct Case {
  GemmDtype dtype;
  GemmInputs inputs;
  bool viaCublas;
};

class GemmCorrectnessCheck final : public GpuCheck {
 public:
  CheckInfo info() const override {
    return {"gemm-correctness",
            "WMMA FP16/BF16 tensor-core GEMM (and cuBLAS when built in) vs an FP32 device reference: exact on "
            "integer inputs, 2^-10 relative on random inputs",
            kBothProfiles};
  }
  bool usesCuda() const override { return true; }
  bool generatesLoad() const override { return true; }

  CheckResult run(GpuContext& context) override {
    bool quick = context.options.profile == Profile::Quick;
    const int n = quick ? 1024 : 2048;  // m = n = k; K <= 2048 keeps integer sums exact
    const int repeats = quick ? 1 : 5;  // full repeats to catch intermittent corruption
    const std::size_t elements = static_cast<std::size_t>(n) * n;

    std::vector<Case> cases;
    for (GemmDtype dtype : {GemmDtype::Fp16, GemmDtype::Bf16}) {
      if (!wmmaSupports(dtype, context.identity.computeMajor)) continue;
      cases.push_back({dtype, GemmInputs::SmallIntegers, false});
      cases.push_back({dtype, GemmInputs::Uniform, false});
      if (builtWithCublas()) cases.push_back({dtype, GemmInputs::SmallIntegers, true});
    }

    Stream stream;
    DeviceBuffer a(2 * elements), b(2 * elements), c(sizeof(float) * elements), reference(sizeof(float) * elements),
        absSum(sizeof(float) * elements);
    unsigned long long totalMismatches = 0;
    bool injected = false;
    Json caseReports = Json::array();
    for (int repeat = 0; repeat < repeats; ++repeat) {
      for (const Case& testCase : cases) {
        fillGemmInputs(a.get(), b.get(), n, n, n, testCase.dtype, testCase.inputs, 0x5eed + repeat, stream.get());
        launchReferenceGemm(a.get(), b.get(), reference.as<float>(), absSum.as<float>(), n, n, n, testCase.dtype,
                            stream.get());
        if (testCase.viaCublas)
          cublasGemmToFloat(a.get(), b.get(), c.as<float>(), n, n, n, testCase.dtype, stream.get());
        else
          launchWmmaGemm(a.get(), b.get(), c.as<float>(), n, n, n, testCase.dtype, stream.get());
        if (context.faults.has(Fault::GemmCorrupt) && !injected) {
          perturbElement(c.as<float>(), elements / 3, 0.5f, stream.get());
          injected = true;
        }
        float tolerance = testCase.inputs == GemmInputs::SmallIntegers ? 0.0f : kUniformTolerance;
        GemmComparison comparison =
            compareGemm(c.as<float>(), reference.as<float>(), absSum.as<float>(), elements, tolerance, stream.get());
        totalMismatches += comparison.mismatches;
        if (repeat == 0 || comparison.mismatches) {
          Json report = Json::object();
          report.set("engine", testCase.viaCublas ? "cublas" : "wmma");
          report.set("dtype", toString(testCase.dtype));
          report.set("inputs", testCase.inputs == GemmInputs::SmallIntegers ? "small-integers" : "uniform");
          report.set("size", n);
          report.set("repeat", repeat);
          report.set("tolerance", tolerance);
          report.set("mismatches", comparison.mismatches);
          report.set("maxNormalizedError", comparison.maxNormalizedError);
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
