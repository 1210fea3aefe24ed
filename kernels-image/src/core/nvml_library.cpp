// NvmlApi over the real libnvidia-ml.so.1, loaded with dlopen so the binary
// runs (and reports) where NVML is missing. The declarations below are our own
// minimal copies of what the NVML API reference documents; functions a driver
// lacks resolve to NVML_ERROR_FUNCTION_NOT_FOUND and read as "unsupported".
#include <dlfcn.h>

#include <cstring>

#include "nvml_api.h"

namespace gv {

namespace {

using nvmlReturn_t = int;
using nvmlDevice_t = void*;

// nvmlPciInfo_t as filled by nvmlDeviceGetPciInfo_v3 (NVML API reference,
// "nvmlPciInfo_t Struct Reference": busIdLegacy[16], domain, bus, device,
// pciDeviceId, pciSubSystemId, busId[32]).
struct NvmlPciInfo {
  char busIdLegacy[16];
  unsigned int domain;
  unsigned int bus;
  unsigned int device;
  unsigned int pciDeviceId;
  unsigned int pciSubSystemId;
  char busId[32];
};
static_assert(sizeof(NvmlPciInfo) == 68, "nvmlPciInfo_t layout");

// Enum arguments (NVML API reference): nvmlMemoryErrorType_t UNCORRECTED = 1,
// CORRECTED = 0; nvmlEccCounterType_t VOLATILE = 0, AGGREGATE = 1;
// nvmlTemperatureSensors_t GPU = 0; nvmlTemperatureThresholds_t SLOWDOWN = 1;
// nvmlClockType_t SM = 1; nvmlPageRetirementCause_t DOUBLE_BIT_ECC_ERROR = 1.
constexpr int kMemoryErrorCorrected = 0;
constexpr int kMemoryErrorUncorrected = 1;
constexpr int kVolatileEcc = 0;
constexpr int kAggregateEcc = 1;
constexpr int kTemperatureGpu = 0;
constexpr int kThresholdSlowdown = 1;
constexpr int kClockSm = 1;
constexpr int kRetiredDoubleBit = 1;

constexpr unsigned kStringBuffer = 256;  // above every NVML *_BUFFER_SIZE

class NvmlLibrary final : public NvmlApi {
 public:
  ~NvmlLibrary() override {
    if (shutdown_) shutdown_();
    if (handle_) dlclose(handle_);
  }

  bool load(const std::string& soname, std::string* whyNot) {
    handle_ = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_) {
      const char* error = dlerror();
      *whyNot = error ? error : ("cannot load " + soname);
      return false;
    }
    bind(init_, "nvmlInit_v2");
    bind(shutdown_, "nvmlShutdown");
    bind(errorString_, "nvmlErrorString");
    if (!init_ || !shutdown_) {
      *whyNot = soname + " lacks nvmlInit_v2/nvmlShutdown";
      return false;
    }
    bind(systemDriverVersion_, "nvmlSystemGetDriverVersion");
    bind(systemCudaDriverVersion_, "nvmlSystemGetCudaDriverVersion_v2");
    bind(deviceCount_, "nvmlDeviceGetCount_v2");
    bind(byIndex_, "nvmlDeviceGetHandleByIndex_v2");
    bind(byPciBusId_, "nvmlDeviceGetHandleByPciBusId_v2");
    bind(byUuid_, "nvmlDeviceGetHandleByUUID");
    bind(name_, "nvmlDeviceGetName");
    bind(uuid_, "nvmlDeviceGetUUID");
    bind(pciInfo_, "nvmlDeviceGetPciInfo_v3");
    bind(migMode_, "nvmlDeviceGetMigMode");
    bind(maxMigDeviceCount_, "nvmlDeviceGetMaxMigDeviceCount");
    bind(migDeviceByIndex_, "nvmlDeviceGetMigDeviceHandleByIndex");
    bind(computeProcesses_, "nvmlDeviceGetComputeRunningProcesses_v3");
    bind(eccMode_, "nvmlDeviceGetEccMode");
    bind(totalEccErrors_, "nvmlDeviceGetTotalEccErrors");
    bind(remappedRows_, "nvmlDeviceGetRemappedRows");
    bind(retiredPagesPending_, "nvmlDeviceGetRetiredPagesPendingStatus");
    bind(retiredPages_, "nvmlDeviceGetRetiredPages");
    bind(currPcieGen_, "nvmlDeviceGetCurrPcieLinkGeneration");
    bind(currPcieWidth_, "nvmlDeviceGetCurrPcieLinkWidth");
    bind(maxPcieGen_, "nvmlDeviceGetMaxPcieLinkGeneration");
    bind(maxPcieWidth_, "nvmlDeviceGetMaxPcieLinkWidth");
    bind(pcieReplay_, "nvmlDeviceGetPcieReplayCounter");
    // Renamed in R535; older drivers only have the "Throttle" spelling.
    bind(clocksEventReasons_, "nvmlDeviceGetCurrentClocksEventReasons");
    if (!clocksEventReasons_) bind(clocksEventReasons_, "nvmlDeviceGetCurrentClocksThrottleReasons");
    bind(temperature_, "nvmlDeviceGetTemperature");
    bind(temperatureThreshold_, "nvmlDeviceGetTemperatureThreshold");
    bind(powerUsage_, "nvmlDeviceGetPowerUsage");
    bind(enforcedPowerLimit_, "nvmlDeviceGetEnforcedPowerLimit");
    bind(clockInfo_, "nvmlDeviceGetClockInfo");
    bind(maxClockInfo_, "nvmlDeviceGetMaxClockInfo");

    int rc = init_();
    if (rc != nvml::kSuccess) {
      *whyNot = "nvmlInit_v2 failed: " + errorString(rc);
      shutdown_ = nullptr;  // nothing to shut down
      return false;
    }
    return true;
  }

  std::string errorString(int code) const override {
    if (code == nvml::kErrorFunctionNotFound && !errorString_) return "function not found in this NVML";
    if (errorString_) {
      const char* text = errorString_(code);
      if (text) return text;
    }
    return "NVML error " + std::to_string(code);
  }

  NvmlResult<std::string> driverVersion() override {
    if (!systemDriverVersion_) return missing<std::string>();
    char buffer[kStringBuffer] = {};
    int rc = systemDriverVersion_(buffer, kStringBuffer);
    return rc == nvml::kSuccess ? NvmlResult<std::string>::success(buffer) : NvmlResult<std::string>::failure(rc);
  }

  NvmlResult<int> cudaDriverVersion() override {
    if (!systemCudaDriverVersion_) return missing<int>();
    int version = 0;
    int rc = systemCudaDriverVersion_(&version);
    return {rc, version};
  }

  NvmlResult<unsigned> deviceCount() override { return scalar(deviceCount_); }

  NvmlResult<NvmlDevice> deviceByIndex(unsigned index) override {
    if (!byIndex_) return missing<NvmlDevice>();
    nvmlDevice_t device = nullptr;
    int rc = byIndex_(index, &device);
    return {rc, device};
  }

  NvmlResult<NvmlDevice> deviceByPciBusId(const std::string& busId) override {
    if (!byPciBusId_) return missing<NvmlDevice>();
    nvmlDevice_t device = nullptr;
    int rc = byPciBusId_(busId.c_str(), &device);
    return {rc, device};
  }

  NvmlResult<NvmlDevice> deviceByUuid(const std::string& uuid) override {
    if (!byUuid_) return missing<NvmlDevice>();
    nvmlDevice_t device = nullptr;
    int rc = byUuid_(uuid.c_str(), &device);
    return {rc, device};
  }

  NvmlResult<std::string> name(NvmlDevice device) override { return text(name_, device); }
  NvmlResult<std::string> uuid(NvmlDevice device) override { return text(uuid_, device); }

  NvmlResult<std::uint32_t> pciDeviceId(NvmlDevice device) override {
    if (!pciInfo_) return missing<std::uint32_t>();
    NvmlPciInfo info;
    std::memset(&info, 0, sizeof info);
    int rc = pciInfo_(device, &info);
    return {rc, info.pciDeviceId};
  }

  NvmlResult<MigMode> migMode(NvmlDevice device) override {
    if (!migMode_) return missing<MigMode>();
    MigMode mode;
    int rc = migMode_(device, &mode.current, &mode.pending);
    return {rc, mode};
  }

  NvmlResult<unsigned> maxMigDeviceCount(NvmlDevice device) override { return scalar(maxMigDeviceCount_, device); }

  NvmlResult<NvmlDevice> migDeviceByIndex(NvmlDevice device, unsigned index) override {
    if (!migDeviceByIndex_) return missing<NvmlDevice>();
    nvmlDevice_t mig = nullptr;
    int rc = migDeviceByIndex_(device, index, &mig);
    return {rc, mig};
  }

  NvmlResult<unsigned> computeProcessCount(NvmlDevice device) override {
    if (!computeProcesses_) return missing<unsigned>();
    // With a zero-sized buffer NVML reports the count only: SUCCESS when there
    // are none, INSUFFICIENT_SIZE with the count otherwise. No struct needed.
    unsigned count = 0;
    int rc = computeProcesses_(device, &count, nullptr);
    if (rc == nvml::kErrorInsufficientSize) rc = nvml::kSuccess;
    return {rc, count};
  }

  NvmlResult<EccMode> eccMode(NvmlDevice device) override {
    if (!eccMode_) return missing<EccMode>();
    int current = 0, pending = 0;
    int rc = eccMode_(device, &current, &pending);
    return {rc, EccMode{current == 1, pending == 1}};
  }

  NvmlResult<std::uint64_t> volatileUncorrectedEccErrors(NvmlDevice device) override {
    return ecc(device, kMemoryErrorUncorrected, kVolatileEcc);
  }
  NvmlResult<std::uint64_t> aggregateUncorrectedEccErrors(NvmlDevice device) override {
    return ecc(device, kMemoryErrorUncorrected, kAggregateEcc);
  }
  NvmlResult<std::uint64_t> volatileCorrectedEccErrors(NvmlDevice device) override {
    return ecc(device, kMemoryErrorCorrected, kVolatileEcc);
  }

  NvmlResult<RemappedRows> remappedRows(NvmlDevice device) override {
    if (!remappedRows_) return missing<RemappedRows>();
    unsigned corr = 0, unc = 0, pending = 0, failed = 0;
    int rc = remappedRows_(device, &corr, &unc, &pending, &failed);
    return {rc, RemappedRows{corr, unc, pending != 0, failed != 0}};
  }

  NvmlResult<bool> retiredPagesPending(NvmlDevice device) override {
    if (!retiredPagesPending_) return missing<bool>();
    int pending = 0;
    int rc = retiredPagesPending_(device, &pending);
    return {rc, pending == 1};
  }

  NvmlResult<unsigned> retiredPagesDoubleBit(NvmlDevice device) override {
    if (!retiredPages_) return missing<unsigned>();
    // pageCount 0 with a null buffer asks for the count only.
    unsigned count = 0;
    int rc = retiredPages_(device, kRetiredDoubleBit, &count, nullptr);
    if (rc == nvml::kErrorInsufficientSize) rc = nvml::kSuccess;
    return {rc, count};
  }

  NvmlResult<unsigned> currentPcieGeneration(NvmlDevice device) override { return scalar(currPcieGen_, device); }
  NvmlResult<unsigned> currentPcieWidth(NvmlDevice device) override { return scalar(currPcieWidth_, device); }
  NvmlResult<unsigned> maxPcieGeneration(NvmlDevice device) override { return scalar(maxPcieGen_, device); }
  NvmlResult<unsigned> maxPcieWidth(NvmlDevice device) override { return scalar(maxPcieWidth_, device); }
  NvmlResult<unsigned> pcieReplayCounter(NvmlDevice device) override { return scalar(pcieReplay_, device); }

  NvmlResult<std::uint64_t> clocksEventReasons(NvmlDevice device) override {
    if (!clocksEventReasons_) return missing<std::uint64_t>();
    unsigned long long reasons = 0;
    int rc = clocksEventReasons_(device, &reasons);
    return {rc, static_cast<std::uint64_t>(reasons)};
  }

  NvmlResult<unsigned> temperatureC(NvmlDevice device) override {
    if (!temperature_) return missing<unsigned>();
    unsigned value = 0;
    int rc = temperature_(device, kTemperatureGpu, &value);
    return {rc, value};
  }

  NvmlResult<unsigned> slowdownTemperatureC(NvmlDevice device) override {
    if (!temperatureThreshold_) return missing<unsigned>();
    unsigned value = 0;
    int rc = temperatureThreshold_(device, kThresholdSlowdown, &value);
    return {rc, value};
  }

  NvmlResult<unsigned> powerUsageMilliwatts(NvmlDevice device) override { return scalar(powerUsage_, device); }
  NvmlResult<unsigned> enforcedPowerLimitMilliwatts(NvmlDevice device) override {
    return scalar(enforcedPowerLimit_, device);
  }

  NvmlResult<unsigned> smClockMhz(NvmlDevice device) override { return clock(clockInfo_, device); }
  NvmlResult<unsigned> maxSmClockMhz(NvmlDevice device) override { return clock(maxClockInfo_, device); }

 private:
  template <typename F>
  void bind(F& slot, const char* symbol) {
    slot = reinterpret_cast<F>(dlsym(handle_, symbol));
  }

  template <typename T>
  static NvmlResult<T> missing() {
    return NvmlResult<T>::failure(nvml::kErrorFunctionNotFound);
  }

  NvmlResult<unsigned> scalar(nvmlReturn_t (*fn)(unsigned*)) {
    if (!fn) return missing<unsigned>();
    unsigned value = 0;
    int rc = fn(&value);
    return {rc, value};
  }

  NvmlResult<unsigned> scalar(nvmlReturn_t (*fn)(nvmlDevice_t, unsigned*), NvmlDevice device) {
    if (!fn) return missing<unsigned>();
    unsigned value = 0;
    int rc = fn(device, &value);
    return {rc, value};
  }

  NvmlResult<unsigned> clock(nvmlReturn_t (*fn)(nvmlDevice_t, int, unsigned*), NvmlDevice device) {
    if (!fn) return missing<unsigned>();
    unsigned value = 0;
    int rc = fn(device, kClockSm, &value);
    return {rc, value};
  }

  NvmlResult<std::string> text(nvmlReturn_t (*fn)(nvmlDevice_t, char*, unsigned), NvmlDevice device) {
    if (!fn) return missing<std::string>();
    char buffer[kStringBuffer] = {};
    int rc = fn(device, buffer, kStringBuffer);
    return rc == nvml::kSuccess ? NvmlResult<std::string>::success(buffer) : NvmlResult<std::string>::failure(rc);
  }

  NvmlResult<std::uint64_t> ecc(NvmlDevice device, int errorType, int counterType) {
    if (!totalEccErrors_) return missing<std::uint64_t>();
    unsigned long long count = 0;
    int rc = totalEccErrors_(device, errorType, counterType, &count);
    return {rc, static_cast<std::uint64_t>(count)};
  }

  void* handle_ = nullptr;
  nvmlReturn_t (*init_)() = nullptr;
  nvmlReturn_t (*shutdown_)() = nullptr;
  const char* (*errorString_)(nvmlReturn_t) = nullptr;
  nvmlReturn_t (*systemDriverVersion_)(char*, unsigned) = nullptr;
  nvmlReturn_t (*systemCudaDriverVersion_)(int*) = nullptr;
  nvmlReturn_t (*deviceCount_)(unsigned*) = nullptr;
  nvmlReturn_t (*byIndex_)(unsigned, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*byPciBusId_)(const char*, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*byUuid_)(const char*, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*name_)(nvmlDevice_t, char*, unsigned) = nullptr;
  nvmlReturn_t (*uuid_)(nvmlDevice_t, char*, unsigned) = nullptr;
  nvmlReturn_t (*pciInfo_)(nvmlDevice_t, NvmlPciInfo*) = nullptr;
  nvmlReturn_t (*migMode_)(nvmlDevice_t, unsigned*, unsigned*) = nullptr;
  nvmlReturn_t (*maxMigDeviceCount_)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*migDeviceByIndex_)(nvmlDevice_t, unsigned, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*computeProcesses_)(nvmlDevice_t, unsigned*, void*) = nullptr;
  nvmlReturn_t (*eccMode_)(nvmlDevice_t, int*, int*) = nullptr;
  nvmlReturn_t (*totalEccErrors_)(nvmlDevice_t, int, int, unsigned long long*) = nullptr;
  nvmlReturn_t (*remappedRows_)(nvmlDevice_t, unsigned*, unsigned*, unsigned*, unsigned*) = nullptr;
  nvmlReturn_t (*retiredPagesPending_)(nvmlDevice_t, int*) = nullptr;
  nvmlReturn_t (*retiredPages_)(nvmlDevice_t, int, unsigned*, unsigned long long*) = nullptr;
  nvmlReturn_t (*currPcieGen_)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*currPcieWidth_)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*maxPcieGen_)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*maxPcieWidth_)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*pcieReplay_)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*clocksEventReasons_)(nvmlDevice_t, unsigned long long*) = nullptr;
  nvmlReturn_t (*temperature_)(nvmlDevice_t, int, unsigned*) = nullptr;
  nvmlReturn_t (*temperatureThreshold_)(nvmlDevice_t, int, unsigned*) = nullptr;
  nvmlReturn_t (*powerUsage_)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*enforcedPowerLimit_)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*clockInfo_)(nvmlDevice_t, int, unsigned*) = nullptr;
  nvmlReturn_t (*maxClockInfo_)(nvmlDevice_t, int, unsigned*) = nullptr;
};

}  // namespace

NvmlOutcome classifyNvml(int code) {
  switch (code) {
    case nvml::kSuccess: return NvmlOutcome::Ok;
    case nvml::kErrorNotSupported:
    case nvml::kErrorFunctionNotFound:
    case nvml::kErrorNoPermission: return NvmlOutcome::Unsupported;
    case nvml::kErrorGpuIsLost:
    case nvml::kErrorResetRequired: return NvmlOutcome::GpuLost;
    default: return NvmlOutcome::Error;
  }
}

std::unique_ptr<NvmlApi> openNvmlLibrary(const std::string& soname, std::string* whyNot) {
  auto library = std::make_unique<NvmlLibrary>();
  std::string reason;
  if (!library->load(soname, &reason)) {
    if (whyNot) *whyNot = reason;
    return nullptr;
  }
  return library;
}

}  // namespace gv
