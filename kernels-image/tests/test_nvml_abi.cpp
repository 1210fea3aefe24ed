// The NVML ABI: what nvml_library.cpp binds with dlsym (GV_NVML_FUNCTIONS and
// the constants in nvml_api.h, which the fake NVML and the health rules use
// too) against NVIDIA's own nvml.h. Compiled only where nvml.h is found
// (tests/CMakeLists.txt); a disagreement is a compile error, naming it.
#include <nvml.h>

#include <cstddef>
#include <cstdio>
#include <string_view>
#include <type_traits>

#include "nvml_api.h"
#include "test_framework.h"

namespace {

namespace abi {
using Ret = nvmlReturn_t;
using Dev = nvmlDevice_t;
using Enable = nvmlEnableState_t;
using MemErr = nvmlMemoryErrorType_t;
using EccCounter = nvmlEccCounterType_t;
using TempSensor = nvmlTemperatureSensors_t;
using TempThreshold = nvmlTemperatureThresholds_t;
using Clock = nvmlClockType_t;
using RetireCause = nvmlPageRetirementCause_t;
using Pci = nvmlPciInfo_t;
using ProcInfo = nvmlProcessInfo_t;

#define GV_STRING(x) #x
#define GV_EXPANDED(x) GV_STRING(x)
// Each bound function has exactly our signature in NVIDIA's header, and
// nvml.h does not "auto upgrade" its name to another version (we would bind
// the old symbol while the header describes the new one).
#define GV_NVML_CHECK(symbol, type)                                                                   \
  using symbol##_ours = type;                                                                          \
  static_assert(std::is_same_v<decltype(&symbol), symbol##_ours*>, #symbol ": signature differs from nvml.h"); \
  static_assert(std::string_view(#symbol) == std::string_view(GV_EXPANDED(symbol)),                \
                #symbol ": nvml.h maps this name to another version");
GV_NVML_FUNCTIONS(GV_NVML_CHECK)
#undef GV_NVML_CHECK
}  // namespace abi

// Our loader passes these as int: they must be int-sized.
static_assert(sizeof(nvmlReturn_t) == sizeof(int));
static_assert(sizeof(nvmlEnableState_t) == sizeof(int));
static_assert(sizeof(nvmlMemoryErrorType_t) == sizeof(int));
static_assert(sizeof(nvmlEccCounterType_t) == sizeof(int));
static_assert(sizeof(nvmlTemperatureSensors_t) == sizeof(int));
static_assert(sizeof(nvmlTemperatureThresholds_t) == sizeof(int));
static_assert(sizeof(nvmlClockType_t) == sizeof(int));
static_assert(sizeof(nvmlPageRetirementCause_t) == sizeof(int));
static_assert(sizeof(nvmlDevice_t) == sizeof(gv::NvmlDevice));

// nvmlPciInfo_t, field by field.
static_assert(sizeof(gv::nvml::PciInfoV3) == sizeof(nvmlPciInfo_t));
static_assert(offsetof(gv::nvml::PciInfoV3, domain) == offsetof(nvmlPciInfo_t, domain));
static_assert(offsetof(gv::nvml::PciInfoV3, bus) == offsetof(nvmlPciInfo_t, bus));
static_assert(offsetof(gv::nvml::PciInfoV3, device) == offsetof(nvmlPciInfo_t, device));
static_assert(offsetof(gv::nvml::PciInfoV3, pciDeviceId) == offsetof(nvmlPciInfo_t, pciDeviceId));
static_assert(offsetof(gv::nvml::PciInfoV3, pciSubSystemId) == offsetof(nvmlPciInfo_t, pciSubSystemId));
static_assert(offsetof(gv::nvml::PciInfoV3, busId) == offsetof(nvmlPciInfo_t, busId));
static_assert(sizeof(gv::nvml::PciInfoV3::busId) == NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE);
static_assert(sizeof(gv::nvml::PciInfoV3::busIdLegacy) == NVML_DEVICE_PCI_BUS_ID_BUFFER_V2_SIZE);

// Return codes the rules act on (classifyNvml, the fake NVML's errorString).
static_assert(gv::nvml::kSuccess == NVML_SUCCESS);
static_assert(gv::nvml::kErrorUninitialized == NVML_ERROR_UNINITIALIZED);
static_assert(gv::nvml::kErrorInvalidArgument == NVML_ERROR_INVALID_ARGUMENT);
static_assert(gv::nvml::kErrorNotSupported == NVML_ERROR_NOT_SUPPORTED);
static_assert(gv::nvml::kErrorNoPermission == NVML_ERROR_NO_PERMISSION);
static_assert(gv::nvml::kErrorNotFound == NVML_ERROR_NOT_FOUND);
static_assert(gv::nvml::kErrorInsufficientSize == NVML_ERROR_INSUFFICIENT_SIZE);
static_assert(gv::nvml::kErrorDriverNotLoaded == NVML_ERROR_DRIVER_NOT_LOADED);
static_assert(gv::nvml::kErrorFunctionNotFound == NVML_ERROR_FUNCTION_NOT_FOUND);
static_assert(gv::nvml::kErrorGpuIsLost == NVML_ERROR_GPU_IS_LOST);
static_assert(gv::nvml::kErrorResetRequired == NVML_ERROR_RESET_REQUIRED);
static_assert(gv::nvml::kErrorUnknown == NVML_ERROR_UNKNOWN);

// Enum values we pass by value.
static_assert(gv::nvml::kMemoryErrorCorrected == NVML_MEMORY_ERROR_TYPE_CORRECTED);
static_assert(gv::nvml::kMemoryErrorUncorrected == NVML_MEMORY_ERROR_TYPE_UNCORRECTED);
static_assert(gv::nvml::kVolatileEcc == NVML_VOLATILE_ECC);
static_assert(gv::nvml::kAggregateEcc == NVML_AGGREGATE_ECC);
static_assert(gv::nvml::kTemperatureGpu == NVML_TEMPERATURE_GPU);
static_assert(gv::nvml::kThresholdSlowdown == NVML_TEMPERATURE_THRESHOLD_SLOWDOWN);
static_assert(gv::nvml::kClockSm == NVML_CLOCK_SM);
static_assert(gv::nvml::kRetiredDoubleBit == NVML_PAGE_RETIREMENT_CAUSE_DOUBLE_BIT_ECC_ERROR);
static_assert(gv::nvml::kFeatureEnabled == NVML_FEATURE_ENABLED);

// Clock event reason bits (clocks-under-load).
static_assert(gv::nvml::kReasonGpuIdle == nvmlClocksThrottleReasonGpuIdle);
static_assert(gv::nvml::kReasonSwPowerCap == nvmlClocksThrottleReasonSwPowerCap);
static_assert(gv::nvml::kReasonHwSlowdown == nvmlClocksThrottleReasonHwSlowdown);
static_assert(gv::nvml::kReasonSwThermalSlowdown == nvmlClocksThrottleReasonSwThermalSlowdown);
static_assert(gv::nvml::kReasonHwThermalSlowdown == nvmlClocksThrottleReasonHwThermalSlowdown);
static_assert(gv::nvml::kReasonHwPowerBrakeSlowdown == nvmlClocksThrottleReasonHwPowerBrakeSlowdown);

}  // namespace

TEST(nvml_abi_matches_the_header) {
  // Everything above is checked at compile time; this records which header it was.
  CHECK(NVML_API_VERSION >= 12);
  std::printf("checked against nvml.h NVML_API_VERSION %s\n", NVML_API_VERSION_STR);
}
