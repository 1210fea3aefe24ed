#include "cuda_util.h"

#include <stdexcept>
#include <utility>

namespace gv {

bool isDeviceFault(cudaError_t error) {
  switch (error) {
    case cudaErrorECCUncorrectable:
    case cudaErrorNvlinkUncorrectable:
    case cudaErrorDevicesUnavailable:
    case cudaErrorHardwareStackError:
    case cudaErrorIllegalInstruction:
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchFailure:
    case cudaErrorLaunchTimeout:
    case cudaErrorContained:
      return true;
    default:
      return false;
  }
}

std::string cudaErrorText(cudaError_t error) {
  return std::string(cudaGetErrorName(error)) + ": " + cudaGetErrorString(error);
}

void throwCudaError(cudaError_t error, const char* call) {
  std::string text = std::string(call) + " failed: " + cudaErrorText(error);
  if (isDeviceFault(error)) throw DeviceFault(text);
  throw std::runtime_error(text);
}

DeviceBuffer::DeviceBuffer(std::size_t bytes) : bytes_(bytes) { GV_CUDA(cudaMalloc(&pointer_, bytes)); }

DeviceBuffer::~DeviceBuffer() {
  if (pointer_) cudaFree(pointer_);
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : pointer_(std::exchange(other.pointer_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    if (pointer_) cudaFree(pointer_);
    pointer_ = std::exchange(other.pointer_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

bool DeviceBuffer::tryAllocate(std::size_t bytes, DeviceBuffer* out) {
  void* pointer = nullptr;
  cudaError_t error = cudaMalloc(&pointer, bytes);
  if (error == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // clear the non-sticky error
    return false;
  }
  cudaCheck(error, "cudaMalloc");
  DeviceBuffer buffer;
  buffer.pointer_ = pointer;
  buffer.bytes_ = bytes;
  *out = std::move(buffer);
  return true;
}

PinnedBuffer::PinnedBuffer(std::size_t bytes) { GV_CUDA(cudaHostAlloc(&pointer_, bytes, cudaHostAllocDefault)); }

PinnedBuffer::~PinnedBuffer() {
  if (pointer_) cudaFreeHost(pointer_);
}

Stream::Stream() { GV_CUDA(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking)); }

Stream::~Stream() {
  if (stream_) cudaStreamDestroy(stream_);
}

EventTimer::EventTimer() {
  GV_CUDA(cudaEventCreate(&start_));
  GV_CUDA(cudaEventCreate(&stop_));
}

EventTimer::~EventTimer() {
  if (start_) cudaEventDestroy(start_);
  if (stop_) cudaEventDestroy(stop_);
}

void EventTimer::start(cudaStream_t stream) { GV_CUDA(cudaEventRecord(start_, stream)); }
void EventTimer::stop(cudaStream_t stream) { GV_CUDA(cudaEventRecord(stop_, stream)); }

double EventTimer::seconds() {
  GV_CUDA(cudaEventSynchronize(stop_));
  float milliseconds = 0.0f;
  GV_CUDA(cudaEventElapsedTime(&milliseconds, start_, stop_));
  return milliseconds / 1000.0;
}

void deviceMemory(std::size_t* freeBytes, std::size_t* totalBytes) { GV_CUDA(cudaMemGetInfo(freeBytes, totalBytes)); }

}  // namespace gv
