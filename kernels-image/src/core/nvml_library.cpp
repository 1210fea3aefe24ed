// NvmlApi over the real libnvidia-ml.so.1, loaded with dlopen so the binary
// runs (and reports) where NVML is missing. The function types are our own
// copies of what the NVML API reference documents, listed once in
// GV_NVML_FUNCTIONS (nvml_api.h), which tests/test_nvml_abi.cpp checks against
// NVIDIA's nvml.h; functions a driver lacks resolve to
// NVML_ERROR_FUNCTION_NOT_FOUND and read as "unsupported".
#include <dlfcn.h>

#include <cstring>

#include "nvml_api.h"

namespace gv {

namespace {

// The placeholders of GV_NVML_FUNCTIONS (nvml_api.h) in our terms: enums are
// passed as int (NVML's enums are int-sized; test_nvml_abi.cpp checks it).
namespace abi {
using Ret = int;
using Dev = void*;
using Enable = int;
using MemErr = int;
using EccCounter = int;
using TempSensor = int;
using TempThreshold = int;
using Clock = int;
using RetireCause = int;
using Pci = nvml::PciInfoV3;
using ProcInfo = void;  // only ever passed as a null buffer (count query)
#define GV_NVML_TYPEDEF(symbol, type) using symbol##_t = type;
GV_NVML_FUNCTIONS(GV_NVML_TYPEDEF)
#undef GV_NVML_TYPEDEF
}  // namespace abi

constexpr unsigned kStringBuffer = 256;  // above every NVML *_BUFFER_SIZE

class NvmlLibrary final : public NvmlApi {
 public:
  ~NvmlLibrary() override {
    if (shutdown_ && nvmlShutdown_) nvmlShutdown_();
    if (handle_) dlclose(handle_);
  }

  bool load(const std::string& soname, std::string* whyNot) {
    handle_ = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_) {
      const char* error = dlerror();
      *whyNot = error ? error : ("cannot load " + soname);
      return false;
    }
#define GV_NVML_BIND(symbol, type) bind(symbol##_, #symbol);
    GV_NVML_FUNCTIONS(GV_NVML_BIND)
#undef GV_NVML_BIND
    if (!nvmlInit_v2_ || !nvmlShutdown_) {
      *whyNot = soname + " lacks nvmlInit_v2/nvmlShutdown";
      return false;
    }
    int rc = nvmlInit_v2_();
    if (rc != nvml::kSuccess) {
      *whyNot = "nvmlInit_v2 failed: " + errorString(rc);
      return false;  // nothing to shut down
    }
    shutdown_ = true;
    return true;
  }

  std::string errorString(int code) const override {
    if (code == nvml::kErrorFunctionNotFound && !nvmlErrorString_) return "function not found in this NVML";
    if (nvmlErrorString_) {
      const char* text = nvmlErrorString_(code);
      if (text) return text;
    }
    return "NVML error " + std::to_string(code);
  }

  NvmlResult<std::string> driverVersion() override {
    if (!nvmlSystemGetDriverVersion_) return missing<std::string>();
    char buffer[kStringBuffer] = {};
    int rc = nvmlSystemGetDriverVersion_(buffer, kStringBuffer);
    return rc == nvml::kSuccess ? NvmlResult<std::string>::success(buffer) : NvmlResult<std::string>::failure(rc);
  }

  NvmlResult<int> cudaDriverVersion() override {
    if (!nvmlSystemGetCudaDriverVersion_v2_) return missing<int>();
    int version = 0;
    int rc = nvmlSystemGetCudaDriverVersion_v2_(&version);
    return {rc, version};
  }

  NvmlResult<unsigned> deviceCount() override {
    if (!nvmlDeviceGetCount_v2_) return missing<unsigned>();
    unsigned value = 0;
    int rc = nvmlDeviceGetCount_v2_(&value);
    return {rc, value};
  }

  NvmlResult<NvmlDevice> deviceByIndex(unsigned index) override {
    if (!nvmlDeviceGetHandleByIndex_v2_) return missing<NvmlDevice>();
    NvmlDevice device = nullptr;
    int rc = nvmlDeviceGetHandleByIndex_v2_(index, &device);
    return {rc, device};
  }

  NvmlResult<NvmlDevice> deviceByPciBusId(const std::string& busId) override {
    if (!nvmlDeviceGetHandleByPciBusId_v2_) return missing<NvmlDevice>();
    NvmlDevice device = nullptr;
    int rc = nvmlDeviceGetHandleByPciBusId_v2_(busId.c_str(), &device);
    return {rc, device};
  }

  NvmlResult<NvmlDevice> deviceByUuid(const std::string& uuid) override {
    if (!nvmlDeviceGetHandleByUUID_) return missing<NvmlDevice>();
    NvmlDevice device = nullptr;
    int rc = nvmlDeviceGetHandleByUUID_(uuid.c_str(), &device);
    return {rc, device};
  }

  NvmlResult<std::string> name(NvmlDevice device) override { return text(nvmlDeviceGetName_, device); }
  NvmlResult<std::string> uuid(NvmlDevice device) override { return text(nvmlDeviceGetUUID_, device); }

  NvmlResult<std::uint32_t> pciDeviceId(NvmlDevice device) override {
    if (!nvmlDeviceGetPciInfo_v3_) return missing<std::uint32_t>();
    nvml::PciInfoV3 info;
    std::memset(&info, 0, sizeof info);
    int rc = nvmlDeviceGetPciInfo_v3_(device, &info);
    return {rc, info.pciDeviceId};
  }

  NvmlResult<MigMode> migMode(NvmlDevice device) override {
    if (!nvmlDeviceGetMigMode_) return missing<MigMode>();
    MigMode mode;
    int rc = nvmlDeviceGetMigMode_(device, &mode.current, &mode.pending);
    return {rc, mode};
  }

  NvmlResult<unsigned> maxMigDeviceCount(NvmlDevice device) override {
    return scalar(nvmlDeviceGetMaxMigDeviceCount_, device);
  }

  NvmlResult<NvmlDevice> migDeviceByIndex(NvmlDevice device, unsigned index) override {
    if (!nvmlDeviceGetMigDeviceHandleByIndex_) return missing<NvmlDevice>();
    NvmlDevice mig = nullptr;
    int rc = nvmlDeviceGetMigDeviceHandleByIndex_(device, index, &mig);
    return {rc, mig};
  }

  NvmlResult<unsigned> computeProcessCount(NvmlDevice device) override {
    if (!nvmlDeviceGetComputeRunningProcesses_v3_) return missing<unsigned>();
    // With a zero-sized buffer NVML reports the count only: SUCCESS when there
    // are none, INSUFFICIENT_SIZE with the count otherwise. No struct needed.
    unsigned count = 0;
    int rc = nvmlDeviceGetComputeRunningProcesses_v3_(device, &count, nullptr);
    if (rc == nvml::kErrorInsufficientSize) rc = nvml::kSuccess;
    return {rc, count};
  }

  NvmlResult<EccMode> eccMode(NvmlDevice device) override {
    if (!nvmlDeviceGetEccMode_) return missing<EccMode>();
    int current = 0, pending = 0;
    int rc = nvmlDeviceGetEccMode_(device, &current, &pending);
    return {rc, EccMode{current == nvml::kFeatureEnabled, pending == nvml::kFeatureEnabled}};
  }

  NvmlResult<std::uint64_t> volatileUncorrectedEccErrors(NvmlDevice device) override {
    return ecc(device, nvml::kMemoryErrorUncorrected, nvml::kVolatileEcc);
  }
  NvmlResult<std::uint64_t> aggregateUncorrectedEccErrors(NvmlDevice device) override {
    return ecc(device, nvml::kMemoryErrorUncorrected, nvml::kAggregateEcc);
  }
  NvmlResult<std::uint64_t> volatileCorrectedEccErrors(NvmlDevice device) override {
    return ecc(device, nvml::kMemoryErrorCorrected, nvml::kVolatileEcc);
  }

  NvmlResult<RemappedRows> remappedRows(NvmlDevice device) override {
    if (!nvmlDeviceGetRemappedRows_) return missing<RemappedRows>();
    unsigned corr = 0, unc = 0, pending = 0, failed = 0;
    int rc = nvmlDeviceGetRemappedRows_(device, &corr, &unc, &pending, &failed);
    return {rc, RemappedRows{corr, unc, pending != 0, failed != 0}};
  }

  NvmlResult<bool> retiredPagesPending(NvmlDevice device) override {
    if (!nvmlDeviceGetRetiredPagesPendingStatus_) return missing<bool>();
    int pending = 0;
    int rc = nvmlDeviceGetRetiredPagesPendingStatus_(device, &pending);
    return {rc, pending == nvml::kFeatureEnabled};
  }

  NvmlResult<unsigned> retiredPagesDoubleBit(NvmlDevice device) override {
    if (!nvmlDeviceGetRetiredPages_) return missing<unsigned>();
    // pageCount 0 with a null buffer asks for the count only.
    unsigned count = 0;
    int rc = nvmlDeviceGetRetiredPages_(device, nvml::kRetiredDoubleBit, &count, nullptr);
    if (rc == nvml::kErrorInsufficientSize) rc = nvml::kSuccess;
    return {rc, count};
  }

  NvmlResult<unsigned> currentPcieGeneration(NvmlDevice device) override {
    return scalar(nvmlDeviceGetCurrPcieLinkGeneration_, device);
  }
  NvmlResult<unsigned> currentPcieWidth(NvmlDevice device) override {
    return scalar(nvmlDeviceGetCurrPcieLinkWidth_, device);
  }
  NvmlResult<unsigned> maxPcieGeneration(NvmlDevice device) override {
    return scalar(nvmlDeviceGetMaxPcieLinkGeneration_, device);
  }
  NvmlResult<unsigned> maxPcieWidth(NvmlDevice device) override { return scalar(nvmlDeviceGetMaxPcieLinkWidth_, device); }
  NvmlResult<unsigned> pcieReplayCounter(NvmlDevice device) override {
    return scalar(nvmlDeviceGetPcieReplayCounter_, device);
  }

  NvmlResult<std::uint64_t> clocksEventReasons(NvmlDevice device) override {
    // Renamed in R535; older drivers only have the "Throttle" spelling.
    auto* fn = nvmlDeviceGetCurrentClocksEventReasons_ ? nvmlDeviceGetCurrentClocksEventReasons_
                                                       : nvmlDeviceGetCurrentClocksThrottleReasons_;
    if (!fn) return missing<std::uint64_t>();
    unsigned long long reasons = 0;
    int rc = fn(device, &reasons);
    return {rc, static_cast<std::uint64_t>(reasons)};
  }

  NvmlResult<unsigned> temperatureC(NvmlDevice device) override {
    if (!nvmlDeviceGetTemperature_) return missing<unsigned>();
    unsigned value = 0;
    int rc = nvmlDeviceGetTemperature_(device, nvml::kTemperatureGpu, &value);
    return {rc, value};
  }

  NvmlResult<unsigned> slowdownTemperatureC(NvmlDevice device) override {
    if (!nvmlDeviceGetTemperatureThreshold_) return missing<unsigned>();
    unsigned value = 0;
    int rc = nvmlDeviceGetTemperatureThreshold_(device, nvml::kThresholdSlowdown, &value);
    return {rc, value};
  }

  NvmlResult<unsigned> powerUsageMilliwatts(NvmlDevice device) override {
    return scalar(nvmlDeviceGetPowerUsage_, device);
  }
  NvmlResult<unsigned> enforcedPowerLimitMilliwatts(NvmlDevice device) override {
    return scalar(nvmlDeviceGetEnforcedPowerLimit_, device);
  }

  NvmlResult<unsigned> smClockMhz(NvmlDevice device) override { return clock(nvmlDeviceGetClockInfo_, device); }
  NvmlResult<unsigned> maxSmClockMhz(NvmlDevice device) override { return clock(nvmlDeviceGetMaxClockInfo_, device); }

 private:
  template <typename F>
  void bind(F*& slot, const char* symbol) {
    slot = reinterpret_cast<F*>(dlsym(handle_, symbol));
  }

  template <typename T>
  static NvmlResult<T> missing() {
    return NvmlResult<T>::failure(nvml::kErrorFunctionNotFound);
  }

  NvmlResult<unsigned> scalar(int (*fn)(NvmlDevice, unsigned*), NvmlDevice device) {
    if (!fn) return missing<unsigned>();
    unsigned value = 0;
    int rc = fn(device, &value);
    return {rc, value};
  }

  NvmlResult<unsigned> clock(int (*fn)(NvmlDevice, int, unsigned*), NvmlDevice device) {
    if (!fn) return missing<unsigned>();
    unsigned value = 0;
    int rc = fn(device, nvml::kClockSm, &value);
    return {rc, value};
  }

  NvmlResult<std::string> text(int (*fn)(NvmlDevice, char*, unsigned), NvmlDevice device) {
    if (!fn) return missing<std::string>();
    char buffer[kStringBuffer] = {};
    int rc = fn(device, buffer, kStringBuffer);
    return rc == nvml::kSuccess ? NvmlResult<std::string>::success(buffer) : NvmlResult<std::string>::failure(rc);
  }

  NvmlResult<std::uint64_t> ecc(NvmlDevice device, int errorType, int counterType) {
    if (!nvmlDeviceGetTotalEccErrors_) return missing<std::uint64_t>();
    unsigned long long count = 0;
    int rc = nvmlDeviceGetTotalEccErrors_(device, errorType, counterType, &count);
    return {rc, static_cast<std::uint64_t>(count)};
  }

  void* handle_ = nullptr;
  bool shutdown_ = false;  // nvmlInit_v2 succeeded
#define GV_NVML_MEMBER(symbol, type) abi::symbol##_t* symbol##_ = nullptr;
  GV_NVML_FUNCTIONS(GV_NVML_MEMBER)
#undef GV_NVML_MEMBER
};

}  // namespace

NvmlOutcome classifyNvml(int code) {
  switch (code) {
    case nvml::kSuccess: return NvmlOutcome::Ok;
    case nvml::kErrorNotSupported:
    case nvml::kErrorFunctionNotFound: return NvmlOutcome::Unsupported;
    // The query exists and the GPU supports it, but this process may not
    // read it: nothing was proven, so it is an error (exit 2), never a skip.
    case nvml::kErrorNoPermission: return NvmlOutcome::Error;
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
