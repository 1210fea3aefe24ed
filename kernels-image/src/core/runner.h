// Runs checks in order, turning exceptions and context limits into results.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "check.h"
#include "report.h"

namespace gv {

// One GPU's run. The mutex guards results, currentCheck and its start, which
// the deadline reads while the worker may still be inside a check.
struct GpuRunState : GpuRun {
  mutable std::mutex mutex;
  std::string currentCheck;  // also "cuda-context" while the context is being created
  std::chrono::steady_clock::time_point currentCheckStart;
  bool finished = false;
};

// Runs the checks that belong to the profile on one GPU. NVML telemetry is
// sampled from the start of the first load check to the end of the last.
// Once *stop is true (the run's deadline passed) no further check starts.
void runGpuChecks(GpuRunState& run, const std::vector<GpuCheck*>& checks, Profile profile,
                  std::chrono::milliseconds sampleInterval = std::chrono::milliseconds(100),
                  const std::atomic<bool>* stop = nullptr);

// The GPU's identity and its results so far, for the report (safe while the run is still going).
GpuSnapshot snapshotOf(const GpuRunState& run);

// One node check in `phase`, or nullopt when it belongs to the other phase or
// another profile; a skip when cannotRunReason says so.
std::optional<CheckResult> runNodeCheck(NodeContext& context, NodeCheck& check, NodeCheck::Phase phase);

std::vector<CheckResult> runNodeChecks(NodeContext& context, const std::vector<NodeCheck*>& checks,
                                       NodeCheck::Phase phase);

}  // namespace gv
