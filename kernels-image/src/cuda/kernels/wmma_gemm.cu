#include "wmma_gemm.cuh"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <mma.h>

#include <cfloat>
#include <stdexcept>

#include "../cuda_util.h"
#include "gemm_tolerance.h"

namespace gv {

namespace {

constexpr int kWarpTile = 32;       // each warp computes a 32 x 32 block of C
constexpr int kWarpsPerBlock = 4;   // 2 x 2 warps -> 64 x 64 per block

__device__ __forceinline__ float toFloat(__half x) { return __half2float(x); }
__device__ __forceinline__ float toFloat(__nv_bfloat16 x) { return __bfloat162float(x); }
template <typename T>
__device__ __forceinline__ T fromFloat(float x);
template <>
__device__ __forceinline__ __half fromFloat<__half>(float x) { return __float2half_rn(x); }
template <>
__device__ __forceinline__ __nv_bfloat16 fromFloat<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }

// One warp's 32 x 32 output: 2 x 2 WMMA 16x16x16 tiles, fragments loaded
// straight from global memory (this kernel is for correctness, not speed;
// L2 serves the reuse).
template <typename T>
__device__ void wmmaWarpTile(const T* a, const T* b, float* c, int n, int k) {
  using namespace nvcuda;
  const int warp = threadIdx.x / 32;
  const int row = blockIdx.y * kWmmaTile + (warp / 2) * kWarpTile;
  const int col = blockIdx.x * kWmmaTile + (warp % 2) * kWarpTile;
  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2][2];
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.0f);
  for (int kk = 0; kk < k; kk += 16) {
    wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> fa[2];
    wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::row_major> fb[2];
    for (int i = 0; i < 2; ++i) wmma::load_matrix_sync(fa[i], a + static_cast<std::size_t>(row + 16 * i) * k + kk, k);
    for (int j = 0; j < 2; ++j) wmma::load_matrix_sync(fb[j], b + static_cast<std::size_t>(kk) * n + col + 16 * j, n);
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
  }
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      wmma::store_matrix_sync(c + static_cast<std::size_t>(row + 16 * i) * n + col + 16 * j, acc[i][j], n,
                              wmma::mem_row_major);
}

__global__ void wmmaGemmFp16(const __half* a, const __half* b, float* c, int n, int k) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 700
  wmmaWarpTile(a, b, c, n, k);
#endif
}

__global__ void wmmaGemmBf16(const __nv_bfloat16* a, const __nv_bfloat16* b, float* c, int n, int k) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  wmmaWarpTile(a, b, c, n, k);
#endif
}

template <typename T>
__global__ void referenceGemmKernel(const T* a, const T* b, float* c, float* absSum, int n, int k) {
  const int col = blockIdx.x * blockDim.x + threadIdx.x;
  const int row = blockIdx.y;
  if (col >= n) return;
  float sum = 0.0f, magnitude = 0.0f;
  for (int kk = 0; kk < k; ++kk) {
    float x = toFloat(a[static_cast<std::size_t>(row) * k + kk]);
    float y = toFloat(b[static_cast<std::size_t>(kk) * n + col]);
    sum = fmaf(x, y, sum);
    magnitude += fabsf(x * y);
  }
  c[static_cast<std::size_t>(row) * n + col] = sum;
  absSum[static_cast<std::size_t>(row) * n + col] = magnitude;
}

template <typename T>
__global__ void fillInputsKernel(T* x, std::size_t count, std::uint64_t seed, bool exact) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride)
    x[i] = fromFloat<T>(exact ? gemmExactInput(i, seed) : gemmUniformInput(i, seed));
}

__global__ void compareKernel(const float* c, const float* reference, const float* absSum, std::size_t count,
                              float tolerance, unsigned long long* mismatches, unsigned* maxErrorBits,
                              unsigned long long* firstBad) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  float worst = 0.0f;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride) {
    float difference = fabsf(c[i] - reference[i]);
    float scale = absSum[i] > 0.0f ? absSum[i] : 1.0f;
    float normalized = difference / scale;
    if (!(normalized <= FLT_MAX)) normalized = FLT_MAX;  // NaN and inf count as the worst error
    worst = fmaxf(worst, normalized);
    if (!gemmElementMatches(c[i], reference[i], absSum[i], tolerance)) {
      atomicAdd(mismatches, 1ull);
      atomicMin(firstBad, static_cast<unsigned long long>(i));
    }
  }
  // Non-negative floats order the same as their bit patterns.
  atomicMax(maxErrorBits, __float_as_uint(worst));
}

__global__ void perturbKernel(float* c, std::size_t index, float delta) { c[index] += delta; }

template <typename T>
void fillTyped(void* a, void* b, int m, int n, int k, bool exact, std::uint64_t seed, cudaStream_t stream) {
  fillInputsKernel<T><<<1024, 256, 0, stream>>>(static_cast<T*>(a), static_cast<std::size_t>(m) * k, seed, exact);
  GV_CUDA_LAUNCH();
  fillInputsKernel<T><<<1024, 256, 0, stream>>>(static_cast<T*>(b), static_cast<std::size_t>(k) * n,
                                                seed ^ 0x5bd1e995ull, exact);
  GV_CUDA_LAUNCH();
}

void checkShape(int m, int n, int k) {
  if (m <= 0 || n <= 0 || k <= 0 || m % kWmmaTile || n % kWmmaTile || k % 16)
    throw std::invalid_argument("GEMM shape must be positive with m, n multiples of 64 and k of 16");
}

}  // namespace

const char* toString(GemmDtype dtype) { return dtype == GemmDtype::Fp16 ? "fp16" : "bf16"; }

bool wmmaSupports(GemmDtype dtype, int computeMajor) {
  return dtype == GemmDtype::Fp16 ? computeMajor >= 7 : computeMajor >= 8;
}

void fillGemmInputs(void* a, void* b, int m, int n, int k, GemmDtype dtype, GemmInputs inputs, std::uint64_t seed,
                    cudaStream_t stream) {
  bool exact = inputs == GemmInputs::ExactFullMantissa;
  if (exact && k > kExactGemmMaxK) throw std::invalid_argument("exact GEMM inputs need K <= 256 (gemm_tolerance.h)");
  if (dtype == GemmDtype::Fp16) fillTyped<__half>(a, b, m, n, k, exact, seed, stream);
  else fillTyped<__nv_bfloat16>(a, b, m, n, k, exact, seed, stream);
}

void launchWmmaGemm(const void* a, const void* b, float* c, int m, int n, int k, GemmDtype dtype,
                    cudaStream_t stream) {
  checkShape(m, n, k);
  dim3 grid(n / kWmmaTile, m / kWmmaTile);
  dim3 block(32 * kWarpsPerBlock);
  if (dtype == GemmDtype::Fp16)
    wmmaGemmFp16<<<grid, block, 0, stream>>>(static_cast<const __half*>(a), static_cast<const __half*>(b), c, n, k);
  else
    wmmaGemmBf16<<<grid, block, 0, stream>>>(static_cast<const __nv_bfloat16*>(a),
                                             static_cast<const __nv_bfloat16*>(b), c, n, k);
  GV_CUDA_LAUNCH();
}

void launchReferenceGemm(const void* a, const void* b, float* c, float* absSum, int m, int n, int k, GemmDtype dtype,
                         cudaStream_t stream) {
  checkShape(m, n, k);
  dim3 grid((n + 255) / 256, m);
  if (dtype == GemmDtype::Fp16)
    referenceGemmKernel<<<grid, 256, 0, stream>>>(static_cast<const __half*>(a), static_cast<const __half*>(b), c,
                                                  absSum, n, k);
  else
    referenceGemmKernel<<<grid, 256, 0, stream>>>(static_cast<const __nv_bfloat16*>(a),
                                                  static_cast<const __nv_bfloat16*>(b), c, absSum, n, k);
  GV_CUDA_LAUNCH();
}

GemmComparison compareGemm(const float* c, const float* reference, const float* absSum, std::size_t count,
                           float tolerance, cudaStream_t stream) {
  struct Counters {
    unsigned long long mismatches;
    unsigned long long firstBad;
    unsigned maxErrorBits;
  };
  DeviceBuffer counters(sizeof(Counters));
  Counters initial{0, ~0ull, 0};
  GV_CUDA(cudaMemcpyAsync(counters.get(), &initial, sizeof initial, cudaMemcpyHostToDevice, stream));
  Counters* device = counters.as<Counters>();
  compareKernel<<<1024, 256, 0, stream>>>(c, reference, absSum, count, tolerance, &device->mismatches,
                                          &device->maxErrorBits, &device->firstBad);
  GV_CUDA_LAUNCH();
  Counters result{};
  GV_CUDA(cudaMemcpyAsync(&result, counters.get(), sizeof result, cudaMemcpyDeviceToHost, stream));
  GV_CUDA(cudaStreamSynchronize(stream));
  GemmComparison out;
  out.mismatches = result.mismatches;
  unsigned bits = result.maxErrorBits;
  float maxError = 0.0f;
  static_assert(sizeof bits == sizeof maxError, "float is 32 bits");
  __builtin_memcpy(&maxError, &bits, sizeof bits);
  out.maxNormalizedError = maxError;
  out.firstBadIndex = result.mismatches ? static_cast<long long>(result.firstBad) : -1;
  return out;
}

void perturbElement(float* c, std::size_t index, float delta, cudaStream_t stream) {
  perturbKernel<<<1, 1, 0, stream>>>(c, index, delta);
  GV_CUDA_LAUNCH();
}

}  // namespace gv
