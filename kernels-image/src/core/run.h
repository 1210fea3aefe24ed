// One run of gpu-validate from NVML init to the verdict: the orchestration
// main.cpp used to do inline, here so the binary, the sample-report generator
// and the tests run the same code. What needs a GPU comes in through
// RunPlatform (main.cpp passes CUDA; tests and sample_reports pass fakes).
//
// One deadline covers the whole run (--deadline, counted from the process
// start): NVML init, discovery, the node checks before the GPU checks, every
// GPU check and the node checks after them (P2P). Each phase runs on a thread
// of its own; the calling thread only waits. When the deadline passes first,
// the check in flight is reported as a timeout (error, details.timeout), the
// verdict is could-not-run with reason "timeout: ..." (unless a check already
// failed), and RunOutcome::abandoned tells the caller that threads are still
// stuck inside a call (a hung GPU never returns): main.cpp writes the report
// and leaves with std::_Exit.
//
// MIG: CUDA enumerates one MIG device per process, so with --sharing mig and
// more than one MIG slice in the pod (NVML lists them) every slice is
// validated by a child run of this binary with CUDA_VISIBLE_DEVICES set to the
// slice, concurrently, within the same deadline; the parent merges their
// reports, runs the node checks over all slices, and checks the slices
// against --expect-mig-slices (node check mig-layout).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "check.h"
#include "nvml_api.h"
#include "options.h"
#include "report.h"
#include "sku_table.h"

namespace gv {

// What discovery finds (src/cuda/device_discovery.cu fills it from CUDA).
struct DiscoveredGpu {
  GpuIdentity identity;
  NvmlDevice nvmlDevice = nullptr;     // physical GPU (MIG parent)
  NvmlDevice nvmlMigDevice = nullptr;  // the MIG instance, when NVML can name it
};

struct Discovery {
  NodeFacts facts;
  std::vector<DiscoveredGpu> gpus;
  std::optional<std::string> couldNotRunReason;  // no driver, no device, ...
};

// Monotonic time as the deadline sees it. Tests pass a clock they move by
// hand, so a deadline test never depends on how fast the machine is.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual double now() = 0;  // seconds
  // Called with `lock` held on the mutex `signal` goes with: waits until
  // done() or now() >= deadline; returns done().
  virtual bool waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& signal, double deadline,
                         const std::function<bool()>& done) = 0;
};
Clock& steadyClock();

struct CheckSet {
  std::vector<std::unique_ptr<GpuCheck>> gpu;    // in run order
  std::vector<std::unique_ptr<NodeCheck>> node;  // in run order, both phases
};

// One MIG slice, validated by a run of its own.
struct SliceRequest {
  std::string uuid;               // MIG-..., becomes CUDA_VISIBLE_DEVICES
  std::string profile;            // as NVML names it; may be empty
  std::vector<std::string> args;  // gpu-validate arguments; the runner adds --json
};

struct SliceOutcome {
  int exitCode = -1;       // -1: it did not end by itself (killed, not started)
  std::string reportJson;  // empty: no report
  std::string error;       // why there is no report (stderr tail, ...)
};

struct MigSliceInfo {
  std::string uuid;
  std::string profile;  // "3g.40gb", from NVML's device name; empty when unknown
  std::string parentUuid;
};

// Every MIG device NVML shows on every GPU (a pod sees the GPUs of its slices).
std::vector<MigSliceInfo> listMigSlices(NvmlApi& nvml);

// The production SliceRequest runner: this executable again, with
// CUDA_VISIBLE_DEVICES=<uuid> and GPU_VALIDATE_MIG_CHILD=1, its report in a
// temporary directory ($TMPDIR or /tmp). Killed when `cancel` turns true.
SliceOutcome runSliceProcess(const SliceRequest& request, const std::atomic<bool>& cancel);

// Set in a child run (the environment variable GPU_VALIDATE_MIG_CHILD=1): it
// validates its one slice and never starts children of its own.
inline constexpr const char* kMigChildEnvironment = "GPU_VALIDATE_MIG_CHILD";

struct RunPlatform {
  std::function<std::unique_ptr<NvmlApi>(std::string* whyNot)> openNvml;
  std::function<Discovery(NvmlApi*)> discover;
  // Creates the CUDA context of a device on the calling (worker) thread; "" on success.
  std::function<std::string(int cudaIndex)> initializeDevice;
  // Runs one MIG slice (runSliceProcess in production); must return soon after
  // `cancel` turns true. Unset: slices are not run one by one.
  std::function<SliceOutcome(const SliceRequest&, const std::atomic<bool>& cancel)> runSlice;
  // Called for each GPU context once it is assembled (sample_reports feeds telemetry).
  std::function<void(GpuContext&, const DiscoveredGpu&)> prepareGpu;
  Clock* clock = nullptr;     // null: steadyClock()
  double startedAt = 0.0;     // clock time the process started; the deadline counts from here
  std::chrono::milliseconds sampleInterval{100};
  bool migChild = false;      // see kMigChildEnvironment
};

// What the report says about the tool and the node, decided by the caller.
struct RunIdentity {
  std::string toolVersion;
  std::string toolBuild = kToolBuildBinary;
  bool cublas = false;
  std::string cudaArchitectures;
  std::string startedAtUtc;
  std::string nodeName;
};

struct RunOutcome {
  RunReport report;        // verdict decided
  bool abandoned = false;  // the deadline passed with threads still busy: exit without joining them
  std::shared_ptr<void> state;
  // Tests: waits (real time) until the abandoned threads have returned.
  bool waitForAbandonedThreads(std::chrono::milliseconds limit) const;
};

RunOutcome runValidation(const Options& options, const SkuTable& table, CheckSet checks, RunPlatform platform,
                         const RunIdentity& identity);

}  // namespace gv
