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

// Enum arguments we pass by value (NVML API reference): nvmlMemoryErrorType_t,
// nvmlEccCounterType_t, nvmlTemperatureSensors_t, nvmlTemperatureThresholds_t,
// nvmlClockType_t, nvmlPageRetirementCause_t; nvmlEnableState_t comes back.
inline constexpr int kMemoryErrorCorrected = 0;
inline constexpr int kMemoryErrorUncorrected = 1;
inline constexpr int kVolatileEcc = 0;
inline constexpr int kAggregateEcc = 1;
inline constexpr int kTemperatureGpu = 0;
inline constexpr int kThresholdSlowdown = 1;
inline constexpr int kClockSm = 1;
inline constexpr int kRetiredDoubleBit = 1;
inline constexpr int kFeatureEnabled = 1;  // NVML_FEATURE_ENABLED

// nvmlPciInfo_t as nvmlDeviceGetPciInfo_v3 fills it (NVML API reference,
// "nvmlPciInfo_t Struct Reference").
struct PciInfoV3 {
  char busIdLegacy[16];
  unsigned int domain;
  unsigned int bus;
  unsigned int device;
  unsigned int pciDeviceId;  // device id in the upper 16 bits, vendor in the lower
  unsigned int pciSubSystemId;
  char busId[32];
};
static_assert(sizeof(PciInfoV3) == 68, "nvmlPciInfo_t layout");
}  // namespace nvml

// Every NVML function nvml_library.cpp binds with dlsym, as X(symbol, type).
// The type is written over placeholders the expansion defines: Ret
// (nvmlReturn_t), Dev (nvmlDevice_t), Enable (nvmlEnableState_t), MemErr
// (nvmlMemoryErrorType_t), EccCounter (nvmlEccCounterType_t), TempSensor
// (nvmlTemperatureSensors_t), TempThreshold (nvmlTemperatureThresholds_t),
// Clock (nvmlClockType_t), RetireCause (nvmlPageRetirementCause_t), Pci
// (nvmlPciInfo_t), ProcInfo (nvmlProcessInfo_t). The loader maps them to int,
// void* and nvml::PciInfoV3; tests/test_nvml_abi.cpp maps them to NVIDIA's
// nvml.h and fails to compile when a signature, an enum's size or value, a
// struct's layout, or the symbol version (nvml.h's "auto upgrade" macros)
// disagrees with what we bind.
#define GV_NVML_FUNCTIONS(X)                                                                 \
  X(nvmlInit_v2, Ret())                                                                      \
  X(nvmlShutdown, Ret())                                                                     \
  X(nvmlErrorString, const char*(Ret))                                                       \
  X(nvmlSystemGetDriverVersion, Ret(char*, unsigned int))                                    \
  X(nvmlSystemGetCudaDriverVersion_v2, Ret(int*))                                            \
  X(nvmlDeviceGetCount_v2, Ret(unsigned int*))                                               \
  X(nvmlDeviceGetHandleByIndex_v2, Ret(unsigned int, Dev*))                                  \
  X(nvmlDeviceGetHandleByPciBusId_v2, Ret(const char*, Dev*))                                \
  X(nvmlDeviceGetHandleByUUID, Ret(const char*, Dev*))                                       \
  X(nvmlDeviceGetName, Ret(Dev, char*, unsigned int))                                        \
  X(nvmlDeviceGetUUID, Ret(Dev, char*, unsigned int))                                        \
  X(nvmlDeviceGetPciInfo_v3, Ret(Dev, Pci*))                                                 \
  X(nvmlDeviceGetMigMode, Ret(Dev, unsigned int*, unsigned int*))                            \
  X(nvmlDeviceGetMaxMigDeviceCount, Ret(Dev, unsigned int*))                                 \
  X(nvmlDeviceGetMigDeviceHandleByIndex, Ret(Dev, unsigned int, Dev*))                       \
  X(nvmlDeviceGetComputeRunningProcesses_v3, Ret(Dev, unsigned int*, ProcInfo*))             \
  X(nvmlDeviceGetEccMode, Ret(Dev, Enable*, Enable*))                                        \
  X(nvmlDeviceGetTotalEccErrors, Ret(Dev, MemErr, EccCounter, unsigned long long*))          \
  X(nvmlDeviceGetRemappedRows, Ret(Dev, unsigned int*, unsigned int*, unsigned int*, unsigned int*)) \
  X(nvmlDeviceGetRetiredPagesPendingStatus, Ret(Dev, Enable*))                               \
  X(nvmlDeviceGetRetiredPages, Ret(Dev, RetireCause, unsigned int*, unsigned long long*))    \
  X(nvmlDeviceGetCurrPcieLinkGeneration, Ret(Dev, unsigned int*))                            \
  X(nvmlDeviceGetCurrPcieLinkWidth, Ret(Dev, unsigned int*))                                 \
  X(nvmlDeviceGetMaxPcieLinkGeneration, Ret(Dev, unsigned int*))                             \
  X(nvmlDeviceGetMaxPcieLinkWidth, Ret(Dev, unsigned int*))                                  \
  X(nvmlDeviceGetPcieReplayCounter, Ret(Dev, unsigned int*))                                 \
  X(nvmlDeviceGetCurrentClocksEventReasons, Ret(Dev, unsigned long long*))                   \
  X(nvmlDeviceGetCurrentClocksThrottleReasons, Ret(Dev, unsigned long long*))                \
  X(nvmlDeviceGetTemperature, Ret(Dev, TempSensor, unsigned int*))                           \
  X(nvmlDeviceGetTemperatureThreshold, Ret(Dev, TempThreshold, unsigned int*))               \
  X(nvmlDeviceGetPowerUsage, Ret(Dev, unsigned int*))                                        \
  X(nvmlDeviceGetEnforcedPowerLimit, Ret(Dev, unsigned int*))                                \
  X(nvmlDeviceGetClockInfo, Ret(Dev, Clock, unsigned int*))                                  \
  X(nvmlDeviceGetMaxClockInfo, Ret(Dev, Clock, unsigned int*))

using NvmlDevice = void*;  // an nvmlDevice_t

template <typename T>
struct NvmlResult {
  int code = nvml::kErrorNotSupported;
  T value{};
  bool ok() const { return code == nvml::kSuccess; }
  static NvmlResult success(T v) { return {nvml::kSuccess, v}; }
  static NvmlResult failure(int c) { return {c, T{}}; }
};

// How a check treats an NVML answer. Unsupported is NOT_SUPPORTED and
// FUNCTION_NOT_FOUND only; NO_PERMISSION is an Error (the query could be
// answered, just not to us), so it never becomes a skip.
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
