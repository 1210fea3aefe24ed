// GEMM correctness: the inputs and the tolerance, shared by the device kernels
// (gemm_correctness_check.cu, wmma_gemm.cu) and the host tests
// (tests/test_performance.cpp), so a host simulation with one flipped bit
// proves that the device comparison catches it.
//
// Notation: C = A x B with BF16 (or FP16) inputs and FP32 accumulation over
// K terms; u = 2^-24 is the FP32 unit roundoff; |.| element-wise.
//
// Products. A BF16 value has an 8-bit significand (FP16: 11 bits), so a
// product of two has at most 16 (22) significant bits and is exact in FP32's
// 24: every error comes from the summation.
//
// Summation error. A sum of K exact terms in FP32, in any order, is within
// gamma_(K-1) * sum|a*b| of the exact sum, gamma_n = n*u / (1 - n*u) (Higham,
// "Accuracy and Stability of Numerical Algorithms", 2nd ed., eq. 3.4/3.5).
// Tensor cores align the products of one MMA step to the largest exponent and
// truncate instead of rounding (Fasi, Higham, Mikaitis, Pranesh, "Numerical
// behavior of NVIDIA tensor cores", PeerJ CS 2021): at most twice the error of
// round-to-nearest, so the device sum is within 2*gamma_(K-1) and our FP32
// reference within gamma_(K-1) of the exact value, and
//     |c_device - c_reference| <= 3 * gamma_(K-1) * sum|a*b|   per element,
// about 3*(K-1)*u: 1.8e-4 * sum|a*b| at K = 1024. This bounds the uniform
// random case ("uniform": full mantissas, random signs, exponents 2^-1 to
// 2^-8, normal in FP16 too): an error above it is a fault, wherever it came
// from.
//
// Exact case. The bound is a worst case: for random inputs the real error is
// ~sqrt(K)*u, but the bound must hold for every element, and a flipped low
// mantissa bit of one input (a change of 2^-8 relative in one product out of
// K) hides under it. So the exact case picks inputs for which the bound is 0:
// x = +-m * 2^-7 with m in [128, 255], i.e. every BF16 value in +-[1, 2) with
// all 7 stored mantissa bits random (FP16 holds them exactly too). Every
// product is then a multiple of 2^-14 below 4 in magnitude, and every partial
// sum of K <= kExactGemmMaxK = 256 of them a multiple of 2^-14 below 2^10 --
// at most 24 significant bits, exact in FP32 whatever the order and whether
// the tensor core rounds or truncates. Device, cuBLAS and the reference must
// agree bit for bit (tolerance 0), and one flipped input bit changes at least
// one product by m' * 2^-14 >= 2^-7 (m' >= 128), far above nothing.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define GV_GEMM_HD __host__ __device__
#else
#define GV_GEMM_HD
#endif

namespace gv {

inline constexpr int kExactGemmMaxK = 256;
inline constexpr double kFp32UnitRoundoff = 1.0 / 16777216.0;  // 2^-24

GV_GEMM_HD inline std::uint64_t gemmInputHash(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// The exact case's input i: +-m * 2^-7, m in [128, 255] (see above).
GV_GEMM_HD inline float gemmExactInput(std::uint64_t index, std::uint64_t seed) {
  std::uint64_t h = gemmInputHash(index ^ seed);
  float m = static_cast<float>(128 + (h & 127));
  float value = m * (1.0f / 128.0f);
  return (h >> 7) & 1 ? -value : value;
}

// The uniform case's input i: random sign, exponent 2^-1 .. 2^-8 and 23 random
// mantissa bits (rounded to BF16/FP16 by the caller).
GV_GEMM_HD inline float gemmUniformInput(std::uint64_t index, std::uint64_t seed) {
  std::uint64_t h = gemmInputHash(index ^ seed);
  float mantissa = 1.0f + static_cast<float>(h & 0x7fffff) * (1.0f / 8388608.0f);  // [1, 2)
  int exponent = -static_cast<int>((h >> 23) % 8) - 1;                            // 2^-1 .. 2^-8
  float value = mantissa;
  for (int e = 0; e > exponent; --e) value *= 0.5f;
  return (h >> 40) & 1 ? -value : value;
}

// 3 * gamma_(K-1): the tolerance of the uniform case as a fraction of sum|a*b|.
GV_GEMM_HD inline double gemmUniformToleranceFactor(int k) {
  double n = k > 1 ? k - 1 : 0;
  return 3.0 * n * kFp32UnitRoundoff / (1.0 - n * kFp32UnitRoundoff);
}

// The one comparison rule: |c - reference| <= tolerance * sum|a*b|. NaN and
// infinities never pass; tolerance 0 demands equality.
GV_GEMM_HD inline bool gemmElementMatches(float c, float reference, float absSum, float tolerance) {
  float difference = c - reference;
  if (difference < 0) difference = -difference;
  return difference <= tolerance * absSum;  // false for NaN
}

}  // namespace gv
