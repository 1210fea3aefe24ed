// Runs checks in order, turning exceptions and context limits into results.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "check.h"
#include "report.h"

namespace gv {

// One GPU's run. The mutex guards results and currentCheck, which the
// watchdog reads while the worker may still be running.
struct GpuRunState : GpuRun {
  mutable std::mutex mutex;
  std::string currentCheck;
  bool finished = false;
};

// Runs the checks that belong to the profile on one GPU. NVML telemetry is
// sampled from the start of the first load check to the end of the last.
void runGpuChecks(GpuRunState& run, const std::vector<GpuCheck*>& checks, Profile profile,
                  std::chrono::milliseconds sampleInterval = std::chrono::milliseconds(100));

// The GPU's identity and its results so far, for the report (safe while the run is still going).
GpuSnapshot snapshotOf(const GpuRunState& run);

std::vector<CheckResult> runNodeChecks(NodeContext& context, const std::vector<NodeCheck*>& checks,
                                       NodeCheck::Phase phase);

}  // namespace gv
