// CUDA error handling and RAII wrappers shared by the device-side checks.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <string>

#include "check.h"

namespace gv {

// Errors that point at the GPU rather than at us (XID-style faults): the
// check fails and the context is treated as unusable afterwards.
bool isDeviceFault(cudaError_t error);
std::string cudaErrorText(cudaError_t error);  // "cudaErrorNoDevice: no CUDA-capable device is detected"

// Throws DeviceFault or std::runtime_error naming the call.
[[noreturn]] void throwCudaError(cudaError_t error, const char* call);

inline void cudaCheck(cudaError_t error, const char* call) {
  if (error != cudaSuccess) throwCudaError(error, call);
}

#define GV_CUDA(call) ::gv::cudaCheck((call), #call)
// After a kernel launch: launch errors now, execution errors at the next sync.
#define GV_CUDA_LAUNCH() ::gv::cudaCheck(cudaGetLastError(), "kernel launch")

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  // Allocation that may fail without throwing (for "try a smaller share").
  static bool tryAllocate(std::size_t bytes, DeviceBuffer* out);

  template <typename T>
  T* as() const { return static_cast<T*>(pointer_); }
  void* get() const { return pointer_; }
  std::size_t bytes() const { return bytes_; }

 private:
  void* pointer_ = nullptr;
  std::size_t bytes_ = 0;
};

class PinnedBuffer {
 public:
  explicit PinnedBuffer(std::size_t bytes);
  ~PinnedBuffer();
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  void* get() const { return pointer_; }

 private:
  void* pointer_ = nullptr;
};

class Stream {
 public:
  Stream();
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  cudaStream_t get() const { return stream_; }

 private:
  cudaStream_t stream_ = nullptr;
};

// Times work on one stream with a pair of CUDA events.
class EventTimer {
 public:
  EventTimer();
  ~EventTimer();
  EventTimer(const EventTimer&) = delete;
  EventTimer& operator=(const EventTimer&) = delete;
  void start(cudaStream_t stream);
  void stop(cudaStream_t stream);
  double seconds();  // waits for the stop event

 private:
  cudaEvent_t start_ = nullptr;
  cudaEvent_t stop_ = nullptr;
};

// Free and total device memory of the current device.
void deviceMemory(std::size_t* freeBytes, std::size_t* totalBytes);

}  // namespace gv
