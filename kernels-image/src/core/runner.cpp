#include "runner.h"

#include <memory>

namespace gv {

namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

CheckResult skipped(const std::string& name, const std::string& reason) {
  CheckResult result;
  result.name = name;
  result.status = Status::Skip;
  result.reason = reason;
  return result;
}

// Calls run() and maps exceptions: a device fault fails the check, anything
// else means the check itself could not complete.
template <typename F>
CheckResult guarded(const std::string& name, F&& body, bool* deviceFault, std::string* faultText) {
  try {
    CheckResult result = body();
    result.name = name;
    return result;
  } catch (const DeviceFault& e) {
    if (deviceFault) *deviceFault = true;
    if (faultText) *faultText = e.what();
    CheckResult result;
    result.name = name;
    result.status = Status::Fail;
    result.reason = std::string("device fault: ") + e.what();
    return result;
  } catch (const std::exception& e) {
    CheckResult result;
    result.name = name;
    result.status = Status::Error;
    result.reason = e.what();
    return result;
  }
}

}  // namespace

void runGpuChecks(GpuRunState& run, const std::vector<GpuCheck*>& checks, Profile profile,
                  std::chrono::milliseconds sampleInterval, const std::atomic<bool>* stop) {
  GpuContext& context = *run.context;
  std::vector<GpuCheck*> selected;
  for (GpuCheck* check : checks)
    if (inProfile(check->info().profiles, profile)) selected.push_back(check);
  int lastLoad = -1;
  for (int i = 0; i < static_cast<int>(selected.size()); ++i)
    if (selected[i]->generatesLoad()) lastLoad = i;

  std::unique_ptr<TelemetrySampler> sampler;
  for (int i = 0; i < static_cast<int>(selected.size()); ++i) {
    if (stop && stop->load()) break;  // the deadline passed: the run reports what it has
    GpuCheck& check = *selected[i];
    const std::string name = check.info().name;
    {
      std::lock_guard<std::mutex> lock(run.mutex);
      run.currentCheck = name;
      run.currentCheckStart = std::chrono::steady_clock::now();
    }
    std::string why;
    if (check.usesCuda() && context.cudaUnusable) why = "CUDA context unusable: " + context.cudaUnusableReason;
    if (why.empty()) why = check.cannotRunReason(context);

    CheckResult result;
    if (!why.empty()) {
      result = skipped(name, why);
    } else {
      if (check.generatesLoad() && !sampler && context.nvmlReady())
        sampler = std::make_unique<TelemetrySampler>(*context.nvml, context.nvmlDevice, context.telemetry,
                                                     sampleInterval);
      auto start = std::chrono::steady_clock::now();
      bool deviceFault = false;
      std::string faultText;
      result = guarded(name, [&] { return check.run(context); }, &deviceFault, &faultText);
      result.durationSeconds = secondsSince(start);
      if (deviceFault && check.usesCuda()) {
        context.cudaUnusable = true;
        context.cudaUnusableReason = name + " hit a device fault (" + faultText + ")";
      }
    }
    if (i == lastLoad && sampler) sampler->stop();
    std::lock_guard<std::mutex> lock(run.mutex);
    run.results.push_back(std::move(result));
  }
  sampler.reset();
  std::lock_guard<std::mutex> lock(run.mutex);
  run.currentCheck.clear();
  run.finished = true;
}

std::optional<CheckResult> runNodeCheck(NodeContext& context, NodeCheck& check, NodeCheck::Phase phase) {
  if (check.phase() != phase || !inProfile(check.info().profiles, context.options.profile)) return std::nullopt;
  const std::string name = check.info().name;
  std::string why = check.cannotRunReason(context);
  if (!why.empty()) return skipped(name, why);
  auto start = std::chrono::steady_clock::now();
  CheckResult result = guarded(name, [&] { return check.run(context); }, nullptr, nullptr);
  result.durationSeconds = secondsSince(start);
  return result;
}

std::vector<CheckResult> runNodeChecks(NodeContext& context, const std::vector<NodeCheck*>& checks,
                                       NodeCheck::Phase phase) {
  std::vector<CheckResult> results;
  for (NodeCheck* check : checks)
    if (auto result = runNodeCheck(context, *check, phase)) results.push_back(std::move(*result));
  return results;
}

GpuSnapshot snapshotOf(const GpuRunState& run) {
  const GpuContext& context = *run.context;
  GpuSnapshot snapshot;
  snapshot.identity = context.identity;
  if (context.sku) {
    snapshot.skuKey = context.sku->key;
    snapshot.skuName = context.sku->name;
  }
  snapshot.skuMatchedBy = context.skuMatchedBy;
  snapshot.timeSliced = context.timeSliced;
  snapshot.sharingSource = context.sharingSource;
  snapshot.nvlinkExpected = context.sku && context.sku->floors.p2pGBps.value.has_value();
  std::lock_guard<std::mutex> lock(run.mutex);
  snapshot.checks = run.results;
  return snapshot;
}

}  // namespace gv
