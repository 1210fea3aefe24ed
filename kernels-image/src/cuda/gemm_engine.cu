#include "gemm_engine.h"

#include <stdexcept>

#include "cuda_util.h"

#if GV_HAVE_CUBLAS
#include <cublas_v2.h>
#endif

namespace gv {

namespace {

constexpr std::size_t kInputBytes = 2;  // fp16 / bf16

class WmmaEngine final : public GemmEngine {
 public:
  WmmaEngine(int n, GemmDtype dtype, cudaStream_t stream)
      : GemmEngine(n),
        dtype_(dtype),
        stream_(stream),
        a_(kInputBytes * n * static_cast<std::size_t>(n)),
        b_(kInputBytes * n * static_cast<std::size_t>(n)),
        c_(sizeof(float) * n * static_cast<std::size_t>(n)) {
    fillGemmInputs(a_.get(), b_.get(), n, n, n, dtype, GemmInputs::Uniform, 0x7157, stream);
  }
  void enqueue() override { launchWmmaGemm(a_.get(), b_.get(), c_.as<float>(), n_, n_, n_, dtype_, stream_); }
  std::string engineName() const override { return "wmma"; }
  const void* output() const override { return c_.get(); }
  std::size_t outputBytes() const override { return c_.bytes(); }

 private:
  GemmDtype dtype_;
  cudaStream_t stream_;
  DeviceBuffer a_, b_, c_;
};

#if GV_HAVE_CUBLAS

void cublasCheck(cublasStatus_t status, const char* call) {
  if (status != CUBLAS_STATUS_SUCCESS)
    throw std::runtime_error(std::string(call) + " failed: " + cublasGetStatusString(status));
}

cudaDataType_t cudaTypeOf(GemmDtype dtype) { return dtype == GemmDtype::Fp16 ? CUDA_R_16F : CUDA_R_16BF; }

class CublasHandle {
 public:
  explicit CublasHandle(cudaStream_t stream) {
    cublasCheck(cublasCreate(&handle_), "cublasCreate");
    cublasCheck(cublasSetStream(handle_, stream), "cublasSetStream");
  }
  ~CublasHandle() { cublasDestroy(handle_); }
  CublasHandle(const CublasHandle&) = delete;
  CublasHandle& operator=(const CublasHandle&) = delete;
  cublasHandle_t get() const { return handle_; }

 private:
  cublasHandle_t handle_ = nullptr;
};

// Row-major C = A * B is column-major C^T = B^T * A^T: swap the operands.
void gemmRowMajor(cublasHandle_t handle, const void* a, const void* b, void* c, cudaDataType_t cType, int m, int n,
                  int k, GemmDtype dtype) {
  const float alpha = 1.0f, beta = 0.0f;
  cublasCheck(cublasGemmEx(handle, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &alpha, b, cudaTypeOf(dtype), n, a,
                           cudaTypeOf(dtype), k, &beta, c, cType, n, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
              "cublasGemmEx");
}

class CublasEngine final : public GemmEngine {
 public:
  CublasEngine(int n, GemmDtype dtype, cudaStream_t stream)
      : GemmEngine(n),
        dtype_(dtype),
        handle_(stream),
        a_(kInputBytes * n * static_cast<std::size_t>(n)),
        b_(kInputBytes * n * static_cast<std::size_t>(n)),
        c_(kInputBytes * n * static_cast<std::size_t>(n)) {
    fillGemmInputs(a_.get(), b_.get(), n, n, n, dtype, GemmInputs::Uniform, 0x7157, stream);
  }
  void enqueue() override { gemmRowMajor(handle_.get(), a_.get(), b_.get(), c_.get(), cudaTypeOf(dtype_), n_, n_, n_, dtype_); }
  std::string engineName() const override { return "cublas"; }
  const void* output() const override { return c_.get(); }
  std::size_t outputBytes() const override { return c_.bytes(); }

 private:
  GemmDtype dtype_;
  CublasHandle handle_;
  DeviceBuffer a_, b_, c_;
};

#endif

}  // namespace

bool builtWithCublas() { return GV_HAVE_CUBLAS != 0; }

std::size_t gemmEngineBytes(int n) {
  // A and B in 16-bit, C in 32-bit (WMMA) or 16-bit (cuBLAS): size for the larger.
  return (2 * kInputBytes + sizeof(float)) * static_cast<std::size_t>(n) * n;
}

std::unique_ptr<GemmEngine> GemmEngine::create(int n, GemmDtype dtype, cudaStream_t stream) {
#if GV_HAVE_CUBLAS
  return std::make_unique<CublasEngine>(n, dtype, stream);
#else
  return std::make_unique<WmmaEngine>(n, dtype, stream);
#endif
}

void cublasGemmToFloat(const void* a, const void* b, float* c, int m, int n, int k, GemmDtype dtype,
                       cudaStream_t stream) {
#if GV_HAVE_CUBLAS
  CublasHandle handle(stream);
  gemmRowMajor(handle.get(), a, b, c, CUDA_R_32F, m, n, k, dtype);
#else
  (void)a, (void)b, (void)c, (void)m, (void)n, (void)k, (void)dtype, (void)stream;
  throw std::logic_error("built without cuBLAS");
#endif
}

}  // namespace gv
