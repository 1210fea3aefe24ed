#include "copy_kernels.cuh"

#include "../cuda_util.h"

namespace gv {

namespace {

constexpr int kCopyThreads = 256;

// Four independent 16-byte loads in flight per thread before the stores, so
// each SM keeps enough memory requests outstanding to saturate HBM.
__global__ void copyKernel(const uint4* __restrict__ source, uint4* __restrict__ destination, std::size_t words) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  for (; i + 3 * stride < words; i += 4 * stride) {
    uint4 a = source[i];
    uint4 b = source[i + stride];
    uint4 c = source[i + 2 * stride];
    uint4 d = source[i + 3 * stride];
    destination[i] = a;
    destination[i + stride] = b;
    destination[i + 2 * stride] = c;
    destination[i + 3 * stride] = d;
  }
  for (; i < words; i += stride) destination[i] = source[i];
}

__device__ __forceinline__ std::uint32_t mix32(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return static_cast<std::uint32_t>(x);
}

__global__ void fillKernel(uint4* destination, std::size_t words, std::uint64_t seed) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < words; i += stride) {
    std::uint64_t base = (i << 2) ^ seed;
    destination[i] = make_uint4(mix32(base), mix32(base + 1), mix32(base + 2), mix32(base + 3));
  }
}

__global__ void compareKernel(const uint4* a, const uint4* b, std::size_t words, unsigned long long* mismatches) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  unsigned long long local = 0;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < words; i += stride) {
    uint4 x = a[i], y = b[i];
    local += (x.x != y.x || x.y != y.y || x.z != y.z || x.w != y.w) ? 1 : 0;
  }
  if (local) atomicAdd(mismatches, local);
}

}  // namespace

LaunchShape copyLaunchShape() {
  int device = 0, sms = 0, blocksPerSm = 0;
  GV_CUDA(cudaGetDevice(&device));
  GV_CUDA(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  GV_CUDA(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocksPerSm, copyKernel, kCopyThreads, 0));
  return {sms * (blocksPerSm > 0 ? blocksPerSm : 1), kCopyThreads};
}

void launchCopy(const void* source, void* destination, std::size_t bytes, LaunchShape shape, cudaStream_t stream) {
  copyKernel<<<shape.blocks, shape.threadsPerBlock, 0, stream>>>(static_cast<const uint4*>(source),
                                                                 static_cast<uint4*>(destination), bytes / 16);
  GV_CUDA_LAUNCH();
}

void launchFill(void* destination, std::size_t bytes, std::uint64_t seed, LaunchShape shape, cudaStream_t stream) {
  fillKernel<<<shape.blocks, shape.threadsPerBlock, 0, stream>>>(static_cast<uint4*>(destination), bytes / 16, seed);
  GV_CUDA_LAUNCH();
}

unsigned long long countMismatchedWords(const void* a, const void* b, std::size_t bytes, LaunchShape shape,
                                        cudaStream_t stream) {
  DeviceBuffer counter(sizeof(unsigned long long));
  GV_CUDA(cudaMemsetAsync(counter.get(), 0, sizeof(unsigned long long), stream));
  compareKernel<<<shape.blocks, shape.threadsPerBlock, 0, stream>>>(
      static_cast<const uint4*>(a), static_cast<const uint4*>(b), bytes / 16, counter.as<unsigned long long>());
  GV_CUDA_LAUNCH();
  unsigned long long mismatches = 0;
  GV_CUDA(cudaMemcpyAsync(&mismatches, counter.get(), sizeof mismatches, cudaMemcpyDeviceToHost, stream));
  GV_CUDA(cudaStreamSynchronize(stream));
  return mismatches;
}

}  // namespace gv
