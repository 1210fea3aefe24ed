// A square GEMM that can be enqueued repeatedly for throughput and stress:
// cuBLAS when the build found it, else our WMMA kernel.
#pragma once

#include <cuda_runtime_api.h>

#include <memory>
#include <string>

#include "kernels/wmma_gemm.cuh"

namespace gv {

bool builtWithCublas();

class GemmEngine {
 public:
  // cuBLAS when built with it (release builds require it, CMake option
// GPU_VALIDATE_REQUIRE_CUBLAS); else our WMMA kernel. Allocates A, B, C
// (n x n) and fills A, B.
  static std::unique_ptr<GemmEngine> create(int n, GemmDtype dtype, cudaStream_t stream);
  virtual ~GemmEngine() = default;
  virtual void enqueue() = 0;  // one n x n x n GEMM on the stream
  virtual std::string engineName() const = 0;
  // C after the last enqueue (for comparing results under load) and its size.
  virtual const void* output() const = 0;
  virtual std::size_t outputBytes() const = 0;
  int size() const { return n_; }
  double flopsPerGemm() const { return 2.0 * n_ * static_cast<double>(n_) * n_; }

 protected:
  explicit GemmEngine(int n) : n_(n) {}
  int n_;
};

// Device memory an engine of size n needs, for sizing against free memory.
std::size_t gemmEngineBytes(int n);

// C (float, row-major m x n) = A (m x k) * B (k x n) with cuBLAS, for
// cross-checking our kernels. Throws if built without cuBLAS.
void cublasGemmToFloat(const void* a, const void* b, float* c, int m, int n, int k, GemmDtype dtype,
                       cudaStream_t stream);

}  // namespace gv
