// NVML health readings as plain structs, and the rules that judge them.
// Reading and judging are separate so tests can judge readings without NVML.
#pragma once

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "check.h"
#include "faults.h"
#include "nvml_api.h"
#include "sku_table.h"
#include "telemetry.h"

namespace gv {

// ---- NVML queries beyond NvmlApi (health checks of review 2026-12 finding 10)
//
// Read-only, declared after the NVML API reference (copy checked: DCGM @72fa3fe
// sdk/nvidia/nvml/dcgm_nvml.h). The real implementation (checks/
// nvml_health_library.cpp) resolves these symbols in the libnvidia-ml.so.1
// that openNvmlLibrary already loaded and initialised; tests use FakeNvml.

// nvmlNvLinkErrorCounter_t: DL_REPLAY 0, DL_RECOVERY 1, DL_CRC_FLIT 2, DL_CRC_DATA 3.
enum class NvLinkCounter : int { Replay = 0, Recovery = 1, CrcFlit = 2, CrcData = 3 };
inline constexpr int kNvLinkCounters = 4;
const char* toString(NvLinkCounter counter);

// nvmlGpuRecoveryAction_t, read as field NVML_FI_DEV_GET_GPU_RECOVERY_ACTION (230).
namespace recovery {
inline constexpr unsigned kNone = 0;
inline constexpr unsigned kGpuReset = 1;
inline constexpr unsigned kNodeReboot = 2;
inline constexpr unsigned kDrainP2p = 3;
inline constexpr unsigned kDrainAndReset = 4;
}  // namespace recovery
std::string recoveryActionName(unsigned action);

// nvmlEccSramErrorStatus_v1_t (nvmlDeviceGetSramEccErrorStatus).
struct SramEccStatus {
  std::uint64_t aggregateUncParity = 0;
  std::uint64_t aggregateUncSecDed = 0;
  std::uint64_t aggregateCorrected = 0;
  std::uint64_t volatileUncParity = 0;
  std::uint64_t volatileUncSecDed = 0;
  std::uint64_t volatileCorrected = 0;
  bool thresholdExceeded = false;  // "the error threshold of field diag is exceeded"
};

// One nvmlEventTypeXidCriticalError event (nvmlEventData_t).
struct XidEvent {
  unsigned long long xid = 0;  // 999: unknown XID
  unsigned gpuInstanceId = 0xffffffffu;
  unsigned computeInstanceId = 0xffffffffu;
};

class XidWatch {
 public:
  virtual ~XidWatch() = default;
  // Events since the watch started (or the last drain); never blocks.
  virtual NvmlResult<std::vector<XidEvent>> drain() = 0;
};

class NvmlHealthApi {
 public:
  virtual ~NvmlHealthApi() = default;
  virtual NvmlResult<unsigned> nvLinkCount(NvmlDevice device) = 0;  // links the GPU has (NVML_FI_DEV_NVLINK_LINK_COUNT)
  virtual NvmlResult<bool> nvLinkActive(NvmlDevice device, unsigned link) = 0;
  virtual NvmlResult<std::uint64_t> nvLinkErrorCounter(NvmlDevice device, unsigned link, NvLinkCounter counter) = 0;
  virtual NvmlResult<unsigned> gpuRecoveryAction(NvmlDevice device) = 0;
  virtual NvmlResult<SramEccStatus> sramEccStatus(NvmlDevice device) = 0;
  virtual NvmlResult<unsigned> numaNodeId(NvmlDevice device) = 0;
  // Registers nvmlEventTypeXidCriticalError for the device in a new event set.
  virtual NvmlResult<std::shared_ptr<XidWatch>> watchXids(NvmlDevice device) = 0;
};

// The NvmlHealthApi behind `nvml`: the object itself when it implements it
// (FakeNvml), else the loaded libnvidia-ml; null when NVML is not loaded.
NvmlHealthApi* nvmlHealthApi(NvmlApi* nvml);
// The libnvidia-ml implementation alone (null when the library is not loaded).
NvmlHealthApi* loadedNvmlHealthLibrary();

struct EccReadings {
  NvmlResult<EccMode> mode;
  NvmlResult<std::uint64_t> volatileUncorrected;
  NvmlResult<std::uint64_t> aggregateUncorrected;
  NvmlResult<std::uint64_t> volatileCorrected;
  NvmlResult<SramEccStatus> sram = NvmlResult<SramEccStatus>::failure(nvml::kErrorFunctionNotFound);
};

struct NvLinkReadings {
  NvmlResult<unsigned> links;
  std::vector<NvmlResult<bool>> active;  // per link
  std::vector<std::array<NvmlResult<std::uint64_t>, kNvLinkCounters>> counters;  // per link, by NvLinkCounter
};
NvLinkReadings readNvLink(NvmlHealthApi& health, NvmlDevice device);

// What the health checks after the load compare with: read by health-baseline
// before the load, per GPU.
struct HealthBaseline {
  std::chrono::steady_clock::time_point at = std::chrono::steady_clock::now();
  NvmlResult<unsigned> pcieReplays;
  NvmlResult<RemappedRows> rows;
  NvLinkReadings nvlink;
  NvmlResult<std::shared_ptr<XidWatch>> xids = NvmlResult<std::shared_ptr<XidWatch>>::failure(nvml::kErrorUninitialized);
};

// Baselines of one run, shared by the checks the registry makes (thread-safe:
// one worker per GPU). Keyed by the GPU's context, which lives for the run.
class HealthWatch {
 public:
  void record(const GpuContext* gpu, std::shared_ptr<const HealthBaseline> baseline);
  std::shared_ptr<const HealthBaseline> find(const GpuContext* gpu) const;

 private:
  mutable std::mutex mutex_;
  std::map<const GpuContext*, std::shared_ptr<const HealthBaseline>> baselines_;
};

// The health checks that compare with a baseline (null: none, they report what they can).
std::unique_ptr<GpuCheck> makeHealthBaselineCheck(std::shared_ptr<HealthWatch> watch);
std::unique_ptr<GpuCheck> makeXidEventsCheck(std::shared_ptr<HealthWatch> watch);
std::unique_ptr<GpuCheck> makeNvLinkHealthCheck(std::shared_ptr<HealthWatch> watch);
std::unique_ptr<GpuCheck> makeRecoveryActionCheck();
std::unique_ptr<GpuCheck> makeRowRemapCheck(std::shared_ptr<HealthWatch> watch);
std::unique_ptr<GpuCheck> makePcieLinkCheck(std::shared_ptr<HealthWatch> watch);

struct RemapReadings {
  NvmlResult<RemappedRows> rows;  // Ampere and newer
  NvmlResult<bool> retiredPagesPending;  // page retirement, before Ampere
  NvmlResult<unsigned> retiredPagesDoubleBit;
};

EccReadings readEcc(NvmlApi& nvml, NvmlDevice device);
RemapReadings readRemap(NvmlApi& nvml, NvmlDevice device);

void injectHealthFaults(EccReadings& ecc, const FaultSet& faults);
void injectHealthFaults(RemapReadings& remap, const FaultSet& faults);

// Each returns a complete result for the named check (duration excluded).
// ecc-errors: volatile uncorrectable > 0 fails; so does the driver's SRAM
// field-diag threshold; aggregate (lifetime) counts are reported.
CheckResult evaluateEcc(const EccReadings& readings, const NvmlApi* nvml);
// row-remap: pending or failed remap, >= policy.rowRemapMaxUncorrectableRows
// uncorrectable remapped rows, a row remapped during the run (vs `before`),
// or >= policy.retiredPagesMax retired pages (pre-Ampere) fail.
CheckResult evaluateRemap(const RemapReadings& readings, const NvmlApi* nvml, const SkuPolicy& policy,
                          const RemappedRows* before = nullptr);
CheckResult evaluateRemap(const RemapReadings& readings, const NvmlApi* nvml);  // built-in policy

// PCIe replays during the run (the counter before the load and after it).
struct PcieReplayWindow {
  NvmlResult<unsigned> before;
  NvmlResult<unsigned> after;
  double seconds = 0;
};
// Replays allowed in `seconds` on a link at `gen` x `width` by the spec's
// bit error rate (DCGM's expected rate): ceil(ber x GT/s per lane x 1e9 x lanes x seconds).
double allowedPcieReplays(unsigned gen, unsigned width, double seconds, double bitErrorRate);
CheckResult evaluatePcieLink(const std::vector<TelemetrySample>& samples, const TelemetryLimits& limits,
                             const SkuSpec* sku, const PcieReplayWindow* replays = nullptr,
                             const SkuPolicy* policy = nullptr);

// recovery action: anything but NONE means the GPU must be reset, drained or
// the node rebooted before it is used; `name` is the check reporting it.
CheckResult evaluateRecoveryAction(const std::string& name, const NvmlResult<unsigned>& action,
                                   const std::string& when, const NvmlApi* nvml);

// XIDs during the run. In a time-sliced context the XIDs NVIDIA lists as
// possibly caused by an application (13, 31, 43, 45) are reported, not
// judged: another replica's process may have raised them.
CheckResult evaluateXidEvents(const NvmlResult<std::shared_ptr<XidWatch>>& watch,
                              const NvmlResult<std::vector<XidEvent>>& events, bool timeSliced, double seconds,
                              const NvmlApi* nvml);

// NVLink: links inactive, replay/recovery errors during the run above
// policy, CRC errors at >= policy.nvlinkMaxCrcErrorsPerSecond. `nvlinkExpected`:
// the SKU has NVLink (a P2P floor); `singleGpu`: the pod has one GPU, where a
// single-GPU instance may show every link inactive.
CheckResult evaluateNvLink(const NvLinkReadings* before, const NvLinkReadings& after, double seconds,
                           bool nvlinkExpected, bool singleGpu, const SkuPolicy& policy, const NvmlApi* nvml);
CheckResult evaluateClocks(const std::vector<TelemetrySample>& samples, const TelemetryLimits& limits,
                           const SkuPolicy& policy);

}  // namespace gv
