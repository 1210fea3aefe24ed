// Bandwidth kernels: a 16-byte vectorised grid-stride copy, a fill and a
// compare. Host-callable wrappers so checks need no kernel syntax.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace gv {

struct LaunchShape {
  int blocks = 0;
  int threadsPerBlock = 0;
};

// Enough resident blocks to fill every SM of the current device.
LaunchShape copyLaunchShape();

// bytes must be a multiple of 16; buffers 16-byte aligned (cudaMalloc is).
void launchCopy(const void* source, void* destination, std::size_t bytes, LaunchShape shape, cudaStream_t stream);
void launchFill(void* destination, std::size_t bytes, std::uint64_t seed, LaunchShape shape, cudaStream_t stream);
// Number of 16-byte words that differ; synchronises the stream.
unsigned long long countMismatchedWords(const void* a, const void* b, std::size_t bytes, LaunchShape shape,
                                        cudaStream_t stream);

}  // namespace gv
