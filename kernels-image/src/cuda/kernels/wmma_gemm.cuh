// Tensor-core GEMM with WMMA (FP16 or BF16 inputs, FP32 accumulate), an FP32
// reference GEMM, input generators and an on-device comparison.
// Matrices are row-major: A is m x k, B is k x n, C is m x n (float).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace gv {

enum class GemmDtype { Fp16, Bf16 };
const char* toString(GemmDtype dtype);
// WMMA FP16 needs sm_70, BF16 sm_80.
bool wmmaSupports(GemmDtype dtype, int computeMajor);

// See gemm_tolerance.h for both, and the tolerance each one allows.
enum class GemmInputs {
  ExactFullMantissa,  // +-m * 2^-7, m in [128, 255]: full BF16 mantissas, FP32 sums exact for K <= 256
  Uniform,            // random mantissa, sign and exponent (2^-1..2^-8): the 3(K-1)u bound applies
};

inline constexpr int kWmmaTile = 64;  // m and n must be multiples of this, k of 16

void fillGemmInputs(void* a, void* b, int m, int n, int k, GemmDtype dtype, GemmInputs inputs, std::uint64_t seed,
                    cudaStream_t stream);
void launchWmmaGemm(const void* a, const void* b, float* c, int m, int n, int k, GemmDtype dtype,
                    cudaStream_t stream);
// Also writes absSum[i] = sum over k of |a*b|, the scale the tolerance uses.
void launchReferenceGemm(const void* a, const void* b, float* c, float* absSum, int m, int n, int k, GemmDtype dtype,
                         cudaStream_t stream);

struct GemmComparison {
  unsigned long long mismatches = 0;
  float maxNormalizedError = 0.0f;  // max |c - ref| / absSum
  long long firstBadIndex = -1;
};

// |c - ref| <= tolerance * absSum for every element (gemmElementMatches);
// synchronises the stream.
GemmComparison compareGemm(const float* c, const float* reference, const float* absSum, std::size_t count,
                           float tolerance, cudaStream_t stream);

// Fault injection: adds delta to one element of c.
void perturbElement(float* c, std::size_t index, float delta, cudaStream_t stream);

}  // namespace gv
