// NvmlHealthApi over the libnvidia-ml.so.1 that openNvmlLibrary loaded and
// initialised (nvml_library.cpp): the symbols are resolved in the same
// library instance (dlopen with RTLD_NOLOAD never loads a second copy, and
// nothing here calls nvmlInit or nvmlShutdown). Declarations are our own
// minimal copies of the NVML API reference, checked against NVIDIA's header
// as DCGM ships it (DCGM @72fa3fe sdk/nvidia/nvml/dcgm_nvml.h): functions a
// driver lacks resolve to NVML_ERROR_FUNCTION_NOT_FOUND ("unsupported").
#include <dlfcn.h>

#include <cstring>
#include <mutex>

#include "../health.h"

namespace gv {

namespace {

using nvmlReturn_t = int;
using nvmlDevice_t = void*;
using nvmlEventSet_t = void*;

constexpr int kErrorTimeout = 10;  // NVML_ERROR_TIMEOUT

// nvmlFieldValue_t: fieldId, scopeId, timestamp, latencyUsec, valueType,
// nvmlReturn, value (union of 8 bytes).
struct NvmlFieldValue {
  unsigned int fieldId;
  unsigned int scopeId;
  long long timestamp;
  long long latencyUsec;
  int valueType;
  int nvmlReturn;
  union {
    double dVal;
    int siVal;
    unsigned int uiVal;
    unsigned long ulVal;
    unsigned long long ullVal;
    signed long long sllVal;
    unsigned short usVal;
  } value;
};
static_assert(sizeof(NvmlFieldValue) == 40, "nvmlFieldValue_t layout");

constexpr unsigned kFieldNvLinkLinkCount = 91;      // NVML_FI_DEV_NVLINK_LINK_COUNT
constexpr unsigned kFieldGpuRecoveryAction = 230;   // NVML_FI_DEV_GET_GPU_RECOVERY_ACTION
constexpr unsigned kNvLinkMaxLinks = 36;            // NVML_NVLINK_MAX_LINKS
constexpr unsigned long long kEventXidCritical = 0x8;  // nvmlEventTypeXidCriticalError

// nvmlEccSramErrorStatus_v1_t; version = sizeof | (1 << 24) (NVML_STRUCT_VERSION).
struct NvmlSramStatus {
  unsigned int version;
  unsigned long long aggregateUncParity;
  unsigned long long aggregateUncSecDed;
  unsigned long long aggregateCor;
  unsigned long long volatileUncParity;
  unsigned long long volatileUncSecDed;
  unsigned long long volatileCor;
  unsigned long long aggregateUncBucketL2;
  unsigned long long aggregateUncBucketSm;
  unsigned long long aggregateUncBucketPcie;
  unsigned long long aggregateUncBucketMcu;
  unsigned long long aggregateUncBucketOther;
  unsigned int bThresholdExceeded;
};
static_assert(sizeof(NvmlSramStatus) == 104, "nvmlEccSramErrorStatus_v1_t layout");

// nvmlEventData_t.
struct NvmlEventData {
  nvmlDevice_t device;
  unsigned long long eventType;
  unsigned long long eventData;
  unsigned int gpuInstanceId;
  unsigned int computeInstanceId;
};
static_assert(sizeof(NvmlEventData) == 32, "nvmlEventData_t layout");

struct Symbols {
  nvmlReturn_t (*fieldValues)(nvmlDevice_t, int, NvmlFieldValue*) = nullptr;
  nvmlReturn_t (*nvLinkState)(nvmlDevice_t, unsigned, int*) = nullptr;
  nvmlReturn_t (*nvLinkErrorCounter)(nvmlDevice_t, unsigned, int, unsigned long long*) = nullptr;
  nvmlReturn_t (*sramStatus)(nvmlDevice_t, NvmlSramStatus*) = nullptr;
  nvmlReturn_t (*numaNode)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*eventSetCreate)(nvmlEventSet_t*) = nullptr;
  nvmlReturn_t (*eventSetFree)(nvmlEventSet_t) = nullptr;
  nvmlReturn_t (*registerEvents)(nvmlDevice_t, unsigned long long, nvmlEventSet_t) = nullptr;
  nvmlReturn_t (*eventSetWait)(nvmlEventSet_t, NvmlEventData*, unsigned) = nullptr;
};

template <typename T>
NvmlResult<T> missing() {
  return NvmlResult<T>::failure(nvml::kErrorFunctionNotFound);
}

class LibraryXidWatch final : public XidWatch {
 public:
  LibraryXidWatch(const Symbols& symbols, nvmlEventSet_t set) : symbols_(symbols), set_(set) {}
  ~LibraryXidWatch() override {
    if (set_ && symbols_.eventSetFree) symbols_.eventSetFree(set_);
  }
  NvmlResult<std::vector<XidEvent>> drain() override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<XidEvent> events;
    // Timeout 0: return what is queued, never wait. Bounded in case of a flood.
    for (int i = 0; i < 4096; ++i) {
      NvmlEventData data;
      std::memset(&data, 0, sizeof data);
      int rc = symbols_.eventSetWait(set_, &data, 0);
      if (rc == kErrorTimeout) break;
      if (rc != nvml::kSuccess) return NvmlResult<std::vector<XidEvent>>::failure(rc);
      if (!(data.eventType & kEventXidCritical)) continue;
      events.push_back({data.eventData, data.gpuInstanceId, data.computeInstanceId});
    }
    return NvmlResult<std::vector<XidEvent>>::success(events);
  }

 private:
  const Symbols& symbols_;
  nvmlEventSet_t set_;
  std::mutex mutex_;
};

class NvmlHealthLibrary final : public NvmlHealthApi {
 public:
  explicit NvmlHealthLibrary(void* handle) {
    bind(symbols_.fieldValues, handle, "nvmlDeviceGetFieldValues");
    bind(symbols_.nvLinkState, handle, "nvmlDeviceGetNvLinkState");
    bind(symbols_.nvLinkErrorCounter, handle, "nvmlDeviceGetNvLinkErrorCounter");
    bind(symbols_.sramStatus, handle, "nvmlDeviceGetSramEccErrorStatus");
    bind(symbols_.numaNode, handle, "nvmlDeviceGetNumaNodeId");
    bind(symbols_.eventSetCreate, handle, "nvmlEventSetCreate");
    bind(symbols_.eventSetFree, handle, "nvmlEventSetFree");
    bind(symbols_.registerEvents, handle, "nvmlDeviceRegisterEvents");
    bind(symbols_.eventSetWait, handle, "nvmlEventSetWait_v2");
  }

  NvmlResult<unsigned> nvLinkCount(NvmlDevice device) override {
    auto field = fieldValue(device, kFieldNvLinkLinkCount);
    if (field.ok()) return NvmlResult<unsigned>::success(field.value.value.uiVal);
    // Older drivers: count the links whose state NVML answers for.
    if (!symbols_.nvLinkState) return NvmlResult<unsigned>::failure(field.code);
    unsigned links = 0;
    for (unsigned link = 0; link < kNvLinkMaxLinks; ++link) {
      int state = 0;
      if (symbols_.nvLinkState(device, link, &state) != nvml::kSuccess) break;
      ++links;
    }
    return links ? NvmlResult<unsigned>::success(links) : NvmlResult<unsigned>::failure(field.code);
  }

  NvmlResult<bool> nvLinkActive(NvmlDevice device, unsigned link) override {
    if (!symbols_.nvLinkState) return missing<bool>();
    int state = 0;  // nvmlEnableState_t: DISABLED 0, ENABLED 1
    int rc = symbols_.nvLinkState(device, link, &state);
    return {rc, state == 1};
  }

  NvmlResult<std::uint64_t> nvLinkErrorCounter(NvmlDevice device, unsigned link, NvLinkCounter counter) override {
    if (!symbols_.nvLinkErrorCounter) return missing<std::uint64_t>();
    unsigned long long value = 0;
    int rc = symbols_.nvLinkErrorCounter(device, link, static_cast<int>(counter), &value);
    return {rc, static_cast<std::uint64_t>(value)};
  }

  NvmlResult<unsigned> gpuRecoveryAction(NvmlDevice device) override {
    auto field = fieldValue(device, kFieldGpuRecoveryAction);
    if (!field.ok()) return NvmlResult<unsigned>::failure(field.code);
    return NvmlResult<unsigned>::success(field.value.value.uiVal);
  }

  NvmlResult<SramEccStatus> sramEccStatus(NvmlDevice device) override {
    if (!symbols_.sramStatus) return missing<SramEccStatus>();
    NvmlSramStatus raw;
    std::memset(&raw, 0, sizeof raw);
    raw.version = static_cast<unsigned>(sizeof raw) | (1u << 24);
    int rc = symbols_.sramStatus(device, &raw);
    if (rc != nvml::kSuccess) return NvmlResult<SramEccStatus>::failure(rc);
    SramEccStatus status;
    status.aggregateUncParity = raw.aggregateUncParity;
    status.aggregateUncSecDed = raw.aggregateUncSecDed;
    status.aggregateCorrected = raw.aggregateCor;
    status.volatileUncParity = raw.volatileUncParity;
    status.volatileUncSecDed = raw.volatileUncSecDed;
    status.volatileCorrected = raw.volatileCor;
    status.thresholdExceeded = raw.bThresholdExceeded != 0;
    return NvmlResult<SramEccStatus>::success(status);
  }

  NvmlResult<unsigned> numaNodeId(NvmlDevice device) override {
    if (!symbols_.numaNode) return missing<unsigned>();
    unsigned node = 0;
    int rc = symbols_.numaNode(device, &node);
    return {rc, node};
  }

  NvmlResult<std::shared_ptr<XidWatch>> watchXids(NvmlDevice device) override {
    using Result = NvmlResult<std::shared_ptr<XidWatch>>;
    if (!symbols_.eventSetCreate || !symbols_.registerEvents || !symbols_.eventSetWait) return missing<std::shared_ptr<XidWatch>>();
    nvmlEventSet_t set = nullptr;
    int rc = symbols_.eventSetCreate(&set);
    if (rc != nvml::kSuccess) return Result::failure(rc);
    auto watch = std::make_shared<LibraryXidWatch>(symbols_, set);  // frees the set
    rc = symbols_.registerEvents(device, kEventXidCritical, set);
    if (rc != nvml::kSuccess) return Result::failure(rc);
    return Result::success(watch);
  }

 private:
  template <typename F>
  static void bind(F& slot, void* handle, const char* symbol) {
    slot = reinterpret_cast<F>(dlsym(handle, symbol));
  }

  NvmlResult<NvmlFieldValue> fieldValue(NvmlDevice device, unsigned fieldId) {
    NvmlFieldValue value;
    std::memset(&value, 0, sizeof value);
    if (!symbols_.fieldValues) return NvmlResult<NvmlFieldValue>::failure(nvml::kErrorFunctionNotFound);
    value.fieldId = fieldId;
    int rc = symbols_.fieldValues(device, 1, &value);
    if (rc != nvml::kSuccess) return NvmlResult<NvmlFieldValue>::failure(rc);
    if (value.nvmlReturn != nvml::kSuccess) return NvmlResult<NvmlFieldValue>::failure(value.nvmlReturn);
    return NvmlResult<NvmlFieldValue>::success(value);
  }

  Symbols symbols_;
};

}  // namespace

NvmlHealthApi* loadedNvmlHealthLibrary() {
  static std::mutex mutex;
  static NvmlHealthLibrary* library = nullptr;
  std::lock_guard<std::mutex> lock(mutex);
  if (!library) {
    // Only a library already loaded (and initialised) by openNvmlLibrary;
    // asked again later while it is not.
    void* handle = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    if (handle) library = new NvmlHealthLibrary(handle);  // lives for the process, like the library
  }
  return library;
}

}  // namespace gv
