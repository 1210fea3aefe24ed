// The slice of NVML gpu-validate uses, behind an interface so tests can feed
// readings without a driver. The real implementation (nvml_library.cpp) loads
// libnvidia-ml.so.1 with dlopen; nothing here needs NVIDIA headers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace gv {

// nvmlReturn_t values we act on (NVML API reference, nvmlReturn_t).
namespace nvml {
inline constexpr int kSuccess = 0;
inline constexpr int kErrorUninitialized = 1;
inline constexpr int kErrorInvalidArgument = 2;
inline constexpr int kErrorNotSupported = 3;
inline constexpr int kErrorNoPermission = 4;
inline constexpr int kErrorNotFound = 6;
inline constexpr int kErrorInsufficientSize = 7;
inline constexpr int kErrorDriverNotLoaded = 9;
inline constexpr int kErrorFunctionNotFound = 13;
inline constexpr int kErrorGpuIsLost = 15;
inline constexpr int kErrorResetRequired = 16;
inline constexpr int kErrorUnknown = 999;

// nvmlClocksEventReasons bits (NVML API reference, NvmlClocksEventReasons).
inline constexpr std::uint64_t kReasonGpuIdle = 0x1;
inline constexpr std::uint64_t kReasonSwPowerCap = 0x4;  // normal under load, not a failure
inline constexpr std::uint64_t kReasonHwSlowdown = 0x8;
inline constexpr std::uint64_t kReasonSwThermalSlowdown = 0x20;
inline constexpr std::uint64_t kReasonHwThermalSlowdown = 0x40;
inline constexpr std::uint64_t kReasonHwPowerBrakeSlowdown = 0x80;
inline constexpr std::uint64_t kFlaggedReasons =
    kReasonHwSlowdown | kReasonSwThermalSlowdown | kReasonHwThermalSlowdown | kReasonHwPowerBrakeSlowdown;
}  // namespace nvml

using NvmlDevice = void*;  // an nvmlDevice_t

template <typename T>
struct NvmlResult {
  int code = nvml::kErrorNotSupported;
  T value{};
  bool ok() const { return code == nvml::kSuccess; }
  static NvmlResult success(T v) { return {nvml::kSuccess, v}; }
  static NvmlResult failure(int c) { return {c, T{}}; }
};

// How a check treats an NVML answer.
enum class NvmlOutcome { Ok, Unsupported, GpuLost, Error };
NvmlOutcome classifyNvml(int code);

struct MigMode {
  unsigned current = 0;  // 1 = enabled
  unsigned pending = 0;
};

struct EccMode {
  bool current = false;
  bool pending = false;
};

struct RemappedRows {
  unsigned correctableRows = 0;
  unsigned uncorrectableRows = 0;
  bool pending = false;
  bool failureOccurred = false;
};

class NvmlApi {
 public:
  virtual ~NvmlApi() = default;
  virtual std::string errorString(int code) const = 0;

  virtual NvmlResult<std::string> driverVersion() = 0;
  virtual NvmlResult<int> cudaDriverVersion() = 0;  // e.g. 13000
  virtual NvmlResult<unsigned> deviceCount() = 0;
  virtual NvmlResult<NvmlDevice> deviceByIndex(unsigned index) = 0;
  virtual NvmlResult<NvmlDevice> deviceByPciBusId(const std::string& busId) = 0;
  virtual NvmlResult<NvmlDevice> deviceByUuid(const std::string& uuid) = 0;

  virtual NvmlResult<std::string> name(NvmlDevice device) = 0;
  virtual NvmlResult<std::string> uuid(NvmlDevice device) = 0;
  // Combined id: device id in the upper 16 bits, vendor (0x10de) in the lower.
  virtual NvmlResult<std::uint32_t> pciDeviceId(NvmlDevice device) = 0;
  virtual NvmlResult<MigMode> migMode(NvmlDevice device) = 0;
  virtual NvmlResult<unsigned> maxMigDeviceCount(NvmlDevice device) = 0;
  virtual NvmlResult<NvmlDevice> migDeviceByIndex(NvmlDevice device, unsigned index) = 0;
  virtual NvmlResult<unsigned> computeProcessCount(NvmlDevice device) = 0;

  virtual NvmlResult<EccMode> eccMode(NvmlDevice device) = 0;
  virtual NvmlResult<std::uint64_t> volatileUncorrectedEccErrors(NvmlDevice device) = 0;
  virtual NvmlResult<std::uint64_t> aggregateUncorrectedEccErrors(NvmlDevice device) = 0;
  virtual NvmlResult<std::uint64_t> volatileCorrectedEccErrors(NvmlDevice device) = 0;
  virtual NvmlResult<RemappedRows> remappedRows(NvmlDevice device) = 0;
  virtual NvmlResult<bool> retiredPagesPending(NvmlDevice device) = 0;
  virtual NvmlResult<unsigned> retiredPagesDoubleBit(NvmlDevice device) = 0;

  virtual NvmlResult<unsigned> currentPcieGeneration(NvmlDevice device) = 0;
  virtual NvmlResult<unsigned> currentPcieWidth(NvmlDevice device) = 0;
  virtual NvmlResult<unsigned> maxPcieGeneration(NvmlDevice device) = 0;  // device and system
  virtual NvmlResult<unsigned> maxPcieWidth(NvmlDevice device) = 0;
  virtual NvmlResult<unsigned> pcieReplayCounter(NvmlDevice device) = 0;

  virtual NvmlResult<std::uint64_t> clocksEventReasons(NvmlDevice device) = 0;
  virtual NvmlResult<unsigned> temperatureC(NvmlDevice device) = 0;
  virtual NvmlResult<unsigned> slowdownTemperatureC(NvmlDevice device) = 0;
  virtual NvmlResult<unsigned> powerUsageMilliwatts(NvmlDevice device) = 0;
  virtual NvmlResult<unsigned> enforcedPowerLimitMilliwatts(NvmlDevice device) = 0;
  virtual NvmlResult<unsigned> smClockMhz(NvmlDevice device) = 0;
  virtual NvmlResult<unsigned> maxSmClockMhz(NvmlDevice device) = 0;
};

// Loads libnvidia-ml (soname "libnvidia-ml.so.1" in production) and calls
// nvmlInit_v2. Returns null with *whyNot set when the library is absent or
// initialisation fails; that is reported, never fatal.
std::unique_ptr<NvmlApi> openNvmlLibrary(const std::string& soname, std::string* whyNot);

}  // namespace gv
