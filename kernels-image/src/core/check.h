// The one interface every check implements, and what a check sees: a GPU
// context (per device) or a node context (across devices).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "json.h"
#include "nvml_api.h"
#include "options.h"
#include "sku_table.h"
#include "telemetry.h"
#include "thresholds.h"
#include "types.h"

namespace gv {

struct CheckResult {
  std::string name;
  Status status = Status::Skip;
  std::optional<double> value;
  std::string unit;
  std::optional<Threshold> threshold;
  double durationSeconds = 0.0;
  std::string reason;
  Json details = Json::object();
  std::vector<std::string> injectedFaults;
  // For a skip: the documented exemption that allows it (skip_policy.cpp),
  // absent when none does, which makes the run "could not validate".
  std::optional<std::string> exemption;
};

// Sets status and reason from the threshold; records the value either way.
void applyJudgement(CheckResult& result, double measured, const Threshold& threshold);

// Thrown by device code when a CUDA error points at the hardware (ECC,
// illegal address, lost device): the check fails rather than errors.
struct DeviceFault : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct GpuIdentity {
  int cudaIndex = -1;
  std::string name;
  std::optional<std::uint16_t> pciDeviceId;
  std::string pciBusId;
  std::string uuid;  // "GPU-..." or "MIG-..."
  int computeMajor = 0;
  int computeMinor = 0;
  int smCount = 0;
  std::uint64_t totalMemoryBytes = 0;
  int l2CacheBytes = 0;
  bool migInstance = false;
  std::optional<std::string> migProfile;  // as the device reports it
  std::string migDetection;               // how MIG was (or was not) detected
  std::string parentUuid;
  std::optional<unsigned> otherComputeProcesses;  // before we created a context
  bool mpsEnabled = false;
};

// State shared by all GPU workers of one run.
struct NodeShared {
  std::mutex hostLinkMutex;  // host<->device bandwidth is measured one GPU at a time
};

struct GpuContext {
  GpuContext(const Options& options_, const SkuTable& skus_) : options(options_), skus(skus_) {}

  const Options& options;
  const SkuTable& skus;
  FaultSet faults;
  GpuIdentity identity;
  const SkuSpec* sku = nullptr;
  std::string skuMatchedBy;  // "pci-device-id", "cuda-name", "expect-sku", "" (unknown)
  bool timeSliced = false;   // performance floors not binding
  std::string sharingSource; // why the sharing mode is what it is

  NvmlApi* nvml = nullptr;           // null when NVML is unavailable
  NvmlDevice nvmlDevice = nullptr;   // the physical GPU (MIG parent)
  NvmlDevice nvmlMigDevice = nullptr;
  std::string nvmlUnavailableReason;

  TelemetryLog telemetry;
  NodeShared* node = nullptr;

  // Set when the CUDA context cannot be created, or after a device fault:
  // later CUDA checks are skipped, and no exemption covers those skips.
  bool cudaUnusable = false;
  std::string cudaUnusableReason;

  // The MIG profile this GPU is judged as: the device's own, else --expect-mig-profile.
  std::optional<std::string> effectiveMigProfile() const;
  FloorContext floorContext() const;
  bool nvmlReady() const { return nvml && nvmlDevice; }
};

struct CheckInfo {
  std::string name;
  std::string description;  // one line, for --list
  unsigned profiles = kBothProfiles;
};

class GpuCheck {
 public:
  virtual ~GpuCheck() = default;
  virtual CheckInfo info() const = 0;
  virtual bool usesCuda() const = 0;
  virtual bool generatesLoad() const { return false; }
  // Empty when the check can run in this context; otherwise the skip reason.
  virtual std::string cannotRunReason(const GpuContext& context) const;
  virtual CheckResult run(GpuContext& context) = 0;
};

struct GpuRun {
  GpuContext* context = nullptr;
  std::vector<CheckResult> results;
};

struct NodeFacts {
  int cudaDeviceCount = 0;
  std::optional<int> cudaDeviceCountError;  // cudaError_t from cudaGetDeviceCount
  std::string cudaErrorString;
  bool cudaNoDevice = false;  // cudaErrorNoDevice: driver fine, no GPU visible
  std::optional<unsigned> nvmlDeviceCount;
  std::vector<unsigned> nvmlLostIndices;  // handles that answered GPU_IS_LOST
  int cudaRuntimeVersion = 0;
  int cudaDriverVersion = 0;
  std::optional<std::string> nvmlDriverVersion;
  std::optional<int> nvmlCudaDriverVersion;
};

struct NodeContext {
  NodeContext(const Options& options_, const SkuTable& skus_) : options(options_), skus(skus_) {}
  const Options& options;
  const SkuTable& skus;
  FaultSet faults;
  NodeFacts facts;
  std::vector<GpuRun*> gpus;
};

class NodeCheck {
 public:
  enum class Phase { BeforeGpuChecks, AfterGpuChecks };
  virtual ~NodeCheck() = default;
  virtual CheckInfo info() const = 0;
  virtual Phase phase() const = 0;
  virtual std::string cannotRunReason(const NodeContext& context) const;
  virtual CheckResult run(NodeContext& context) = 0;
};

// Factories of the checks that need no GPU code (src/core/checks/).
std::unique_ptr<GpuCheck> makeEccErrorsCheck();
std::unique_ptr<GpuCheck> makeRowRemapCheck();
std::unique_ptr<GpuCheck> makePcieLinkCheck();
std::unique_ptr<GpuCheck> makeClocksUnderLoadCheck();
std::unique_ptr<GpuCheck> makeMigSliceCheck();
std::unique_ptr<NodeCheck> makeInventoryCheck();
std::unique_ptr<NodeCheck> makeNodeConsistencyCheck();

}  // namespace gv
