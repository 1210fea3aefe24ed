#include "run.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "cli.h"
#include "context_setup.h"
#include "mig_profile.h"
#include "runner.h"

extern char** environ;

namespace gv {

namespace {

class SteadyClock final : public Clock {
 public:
  double now() override {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }
  bool waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& signal, double deadline,
                 const std::function<bool()>& done) override {
    auto when = std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(deadline)));
    return signal.wait_until(lock, when, done);
  }
};

std::string formatSeconds(double seconds) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(seconds < 10 ? 1 : 0);
  out << seconds;
  return out.str();
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One slice of a MIG pod and what its child run produced.
struct SliceState {
  MigSliceInfo info;
  bool done = false;
  std::chrono::steady_clock::time_point start;
  // GPUs of its report (normally one); a placeholder with an error when the
  // run produced none. `real` says which entries are GPUs the child saw.
  std::vector<GpuSnapshot> snapshots;
  std::vector<bool> real;
};

struct RunState {
  RunState(const Options& options_, const SkuTable& table_, CheckSet checks_, RunPlatform platform_)
      : options(options_), table(table_), checks(std::move(checks_)), platform(std::move(platform_)) {}

  // Owned copies: threads left behind at the deadline may still use them.
  const Options options;
  const SkuTable table;
  CheckSet checks;
  RunPlatform platform;
  Clock* clock = nullptr;
  double deadlineAt = 0.0;
  double deadlineSeconds = 0.0;
  std::string nodeName;

  std::mutex mutex;
  std::condition_variable signal;
  std::atomic<bool> stop{false};  // the deadline passed: start nothing new
  int threadsAlive = 0;

  // Progress, guarded by mutex.
  std::string phase = "start";
  bool done = false;
  std::optional<std::string> internalError;
  bool nvmlOpened = false;
  std::unique_ptr<NvmlApi> nvml;
  std::string nvmlReason;
  bool discovered = false;
  Discovery discovery;
  NodeShared shared;
  std::vector<std::unique_ptr<GpuContext>> contexts;
  std::vector<std::unique_ptr<GpuRunState>> runs;
  std::unique_ptr<NodeContext> node;
  int workersRunning = 0;
  std::vector<CheckResult> nodeResults;
  std::string currentNodeCheck;
  std::chrono::steady_clock::time_point currentNodeCheckStart;
  bool fanOut = false;
  std::vector<SliceState> slices;
  int slicesRunning = 0;
};

using State = std::shared_ptr<RunState>;

// A detached thread that keeps the state alive and is counted, so tests can
// wait for threads a deadline left behind.
template <typename F>
void startThread(const State& state, F body) {
  {
    std::lock_guard<std::mutex> lock(state->mutex);
    ++state->threadsAlive;
  }
  std::thread([state, body]() mutable {
    body();
    std::lock_guard<std::mutex> lock(state->mutex);
    --state->threadsAlive;
    state->signal.notify_all();
  }).detach();
}

void setPhase(RunState& state, const std::string& phase) {
  std::lock_guard<std::mutex> lock(state.mutex);
  state.phase = phase;
}

CheckResult timeoutResult(const std::string& name, std::chrono::steady_clock::time_point start,
                          double deadlineSeconds) {
  CheckResult result;
  result.name = name;
  result.status = Status::Error;
  result.durationSeconds = secondsSince(start);
  result.reason = "timeout: still running when the run's " + formatSeconds(deadlineSeconds) +
                  " s deadline passed (" + formatSeconds(result.durationSeconds) +
                  " s in); the GPU may be hung (look for XID errors in the kernel log)";
  result.details.set("timeout", true);
  return result;
}

CheckResult sliceError(const std::string& reason) {
  CheckResult result;
  result.name = "slice-run";
  result.status = Status::Error;
  result.reason = reason;
  return result;
}

GpuSnapshot slicePlaceholder(const MigSliceInfo& info, CheckResult why) {
  GpuSnapshot gpu;
  gpu.identity.name = "MIG " + (info.profile.empty() ? std::string("slice") : info.profile) + " (no report)";
  gpu.identity.uuid = info.uuid;
  gpu.identity.migInstance = true;
  if (!info.profile.empty()) gpu.identity.migProfile = info.profile;
  gpu.identity.parentUuid = info.parentUuid;
  gpu.sharingSource = "--sharing mig, validated in a run of its own";
  gpu.checks.push_back(std::move(why));
  return gpu;
}

// The child's report, as GPU snapshots of the parent's report.
void takeSliceOutcome(SliceState& slice, const SliceOutcome& outcome) {
  auto placeholder = [&slice](const std::string& reason) {
    slice.snapshots.push_back(slicePlaceholder(slice.info, sliceError(reason)));
    slice.real.push_back(false);
  };
  if (outcome.reportJson.empty()) {
    placeholder("the run for " + slice.info.uuid + " ended without a report (exit " +
                std::to_string(outcome.exitCode) + "): " + outcome.error);
    return;
  }
  try {
    Json report = Json::parse(outcome.reportJson);
    for (const Json& gpu : report.at("gpus").asArray()) {
      slice.snapshots.push_back(gpuSnapshotFromJson(gpu));
      slice.real.push_back(true);
    }
    if (slice.snapshots.empty())
      placeholder("the run for " + slice.info.uuid + " found no GPU: " + report.at("reason").asString());
  } catch (const std::exception& e) {
    slice.snapshots.clear();
    slice.real.clear();
    placeholder("the report of the run for " + slice.info.uuid + " is unreadable: " + e.what());
  }
}

// Every slice's GPUs in slice order, numbered as the parent's gpu0, gpu1, ...
std::vector<GpuSnapshot> sliceSnapshots(const RunState& state, bool markTimeouts, std::vector<std::string>* unfinished) {
  std::vector<GpuSnapshot> out;
  for (const SliceState& slice : state.slices) {
    if (slice.done) {
      for (const GpuSnapshot& gpu : slice.snapshots) out.push_back(gpu);
    } else if (markTimeouts) {
      CheckResult timeout = timeoutResult("slice-run", slice.start, state.deadlineSeconds);
      out.push_back(slicePlaceholder(slice.info, timeout));
      if (unfinished) unfinished->push_back("slice " + slice.info.uuid);
    }
  }
  for (std::size_t i = 0; i < out.size(); ++i) out[i].identity.cudaIndex = static_cast<int>(i);
  return out;
}

// mig-layout: the slices found against --expect-mig-slices.
CheckResult migLayoutResult(const Options& options, const std::vector<GpuSnapshot>& gpus,
                            const std::vector<bool>& real) {
  CheckResult result;
  result.name = "mig-layout";
  std::map<std::string, int> expected, found;
  int expectedTotal = 0, foundTotal = 0;
  for (const auto& [profile, count] : options.expectMigSlices) {
    expected[parseMigProfile(profile)->baseName()] += count;
    expectedTotal += count;
  }
  for (std::size_t i = 0; i < gpus.size(); ++i) {
    if (!real[i]) continue;
    auto profile = gpus[i].identity.migProfile ? parseMigProfile(*gpus[i].identity.migProfile) : std::nullopt;
    ++found[profile ? profile->baseName() : std::string("(unknown profile)")];
    ++foundTotal;
  }
  Json expectedJson = Json::object(), foundJson = Json::object();
  for (const auto& [profile, count] : expected) expectedJson.set(profile, count);
  for (const auto& [profile, count] : found) foundJson.set(profile, count);
  result.details.set("expected", expectedJson);
  result.details.set("found", foundJson);
  result.value = foundTotal;
  result.unit = "slices";
  result.threshold = makeThreshold(Comparison::AtLeast, expectedTotal, "slices",
                                   "--expect-mig-slices (every slice of the pool's MIG layout on this node)");
  std::vector<std::string> problems;
  std::set<std::string> profiles;
  for (const auto& entry : expected) profiles.insert(entry.first);
  for (const auto& entry : found) profiles.insert(entry.first);
  for (const std::string& profile : profiles) {
    int want = expected.count(profile) ? expected.at(profile) : 0;
    int have = found.count(profile) ? found.at(profile) : 0;
    if (want != have)
      problems.push_back(profile + ": " + std::to_string(have) + " found, " + std::to_string(want) + " expected");
  }
  if (problems.empty()) {
    result.status = Status::Pass;
    result.reason = std::to_string(foundTotal) + " MIG slice(s) as the layout says, each validated";
  } else {
    result.status = Status::Fail;
    std::string joined;
    for (const auto& problem : problems) joined += (joined.empty() ? "" : "; ") + problem;
    result.reason = "the node's MIG slices are not the pool's layout: " + joined;
  }
  return result;
}

void runNodePhase(RunState& state, NodeCheck::Phase phase) {
  for (auto& check : state.checks.node) {
    {
      std::lock_guard<std::mutex> lock(state.mutex);
      if (state.stop) return;
      state.currentNodeCheck = check->info().name;
      state.currentNodeCheckStart = std::chrono::steady_clock::now();
    }
    std::optional<CheckResult> result = runNodeCheck(*state.node, *check, phase);
    std::lock_guard<std::mutex> lock(state.mutex);
    state.currentNodeCheck.clear();
    if (result) state.nodeResults.push_back(std::move(*result));
  }
}

// Contexts of the discovered GPUs, as main.cpp used to build them.
void assemble(RunState& state) {
  std::lock_guard<std::mutex> lock(state.mutex);
  const Options& options = state.options;
  FaultSet faults(options.faults);
  for (const DiscoveredGpu& gpu : state.discovery.gpus) {
    auto context = std::make_unique<GpuContext>(options, state.table);
    context->identity = gpu.identity;
    context->faults = faults;
    SkuResolution sku = resolveSku(state.table, gpu.identity, options.expectSku);
    context->sku = sku.sku;
    context->skuMatchedBy = sku.matchedBy;
    SharingDecision sharing = decideSharing(options.sharing, gpu.identity);
    context->timeSliced = sharing.timeSliced;
    context->sharingSource = sharing.source;
    context->nvml = state.nvml.get();
    context->nvmlDevice = gpu.nvmlDevice;
    context->nvmlMigDevice = gpu.nvmlMigDevice;
    context->nvmlUnavailableReason =
        state.nvml ? "NVML has no handle for PCI bus " + gpu.identity.pciBusId : state.nvmlReason;
    context->node = &state.shared;
    if (state.platform.prepareGpu) state.platform.prepareGpu(*context, gpu);
    auto run = std::make_unique<GpuRunState>();
    run->context = context.get();
    state.contexts.push_back(std::move(context));
    state.runs.push_back(std::move(run));
  }
  state.node = std::make_unique<NodeContext>(options, state.table);
  state.node->faults = faults;
  state.node->facts = state.discovery.facts;
  for (auto& run : state.runs) state.node->gpus.push_back(run.get());
}

void runGpuPhase(const State& state) {
  setPhase(*state, "gpu-checks");
  std::vector<GpuCheck*> checks;
  for (auto& check : state->checks.gpu) checks.push_back(check.get());
  for (auto& runPointer : state->runs) {
    GpuRunState* run = runPointer.get();
    const GpuIdentity& id = run->context->identity;
    if (id.computeMajor * 10 + id.computeMinor < 75) {  // inventory reports it; nothing here can run
      std::lock_guard<std::mutex> lock(run->mutex);
      run->finished = true;
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(state->mutex);
      ++state->workersRunning;
    }
    startThread(state, [state, run, checks] {
      {
        std::lock_guard<std::mutex> lock(run->mutex);
        run->currentCheck = "cuda-context";
        run->currentCheckStart = std::chrono::steady_clock::now();
      }
      std::string error =
          state->platform.initializeDevice ? state->platform.initializeDevice(run->context->identity.cudaIndex) : "";
      if (!error.empty()) {
        run->context->cudaUnusable = true;
        run->context->cudaUnusableReason = error;
      }
      {
        std::lock_guard<std::mutex> lock(run->mutex);
        run->currentCheck.clear();
      }
      runGpuChecks(*run, checks, state->options.profile, state->platform.sampleInterval, &state->stop);
      std::lock_guard<std::mutex> lock(state->mutex);
      --state->workersRunning;
      state->signal.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(state->mutex);
  state->signal.wait(lock, [&] { return state->workersRunning == 0 || state->stop; });
}

// Child runs, at most one per physical GPU at a time (each holds a CUDA
// context and pinned host buffers), slices of different GPUs side by side.
void runSlicePhase(const State& state, const std::vector<MigSliceInfo>& found) {
  setPhase(*state, "mig-slices");
  std::map<std::string, std::vector<MigSliceInfo>> byParent;
  for (const MigSliceInfo& slice : found) byParent[slice.parentUuid].push_back(slice);
  std::vector<MigSliceInfo> order;  // round-robin over the GPUs
  for (std::size_t round = 0; order.size() < found.size(); ++round)
    for (const auto& entry : byParent)
      if (round < entry.second.size()) order.push_back(entry.second[round]);
  const std::size_t parallel = std::max<std::size_t>(1, byParent.size());

  Options child = state->options;
  child.jsonPath.reset();
  child.terminationLogPath.reset();
  child.expectGpus = 1;
  child.expectMigSlices.clear();
  child.nodeName = state->nodeName;
  // The children end (and report) before the parent's deadline.
  double remaining = state->deadlineAt - state->clock->now();
  child.deadlineSeconds = std::max(1.0, remaining - std::min(10.0, 0.1 * remaining));
  const std::vector<std::string> args = argumentsFor(child);

  {
    std::lock_guard<std::mutex> lock(state->mutex);
    state->fanOut = true;
    for (const MigSliceInfo& info : order) {
      SliceState slice;
      slice.info = info;
      state->slices.push_back(std::move(slice));
    }
  }
  auto next = std::make_shared<std::atomic<std::size_t>>(0);
  {
    std::lock_guard<std::mutex> lock(state->mutex);
    state->slicesRunning = static_cast<int>(std::min(parallel, order.size()));
  }
  for (std::size_t lane = 0; lane < parallel && lane < order.size(); ++lane) {
    startThread(state, [state, next, args] {
      for (std::size_t i = (*next)++; i < state->slices.size() && !state->stop; i = (*next)++) {
        SliceRequest request;
        {
          std::lock_guard<std::mutex> lock(state->mutex);
          state->slices[i].start = std::chrono::steady_clock::now();
          request.uuid = state->slices[i].info.uuid;
          request.profile = state->slices[i].info.profile;
        }
        request.args = args;
        SliceOutcome outcome = state->platform.runSlice(request, state->stop);
        SliceState result;
        {
          std::lock_guard<std::mutex> lock(state->mutex);
          result.info = state->slices[i].info;
        }
        takeSliceOutcome(result, outcome);
        std::lock_guard<std::mutex> lock(state->mutex);
        state->slices[i].snapshots = std::move(result.snapshots);
        state->slices[i].real = std::move(result.real);
        state->slices[i].done = true;
      }
      std::lock_guard<std::mutex> lock(state->mutex);
      --state->slicesRunning;
      state->signal.notify_all();
    });
  }
  {
    std::unique_lock<std::mutex> lock(state->mutex);
    state->signal.wait(lock, [&] { return state->slicesRunning == 0 || state->stop; });
    if (state->stop) return;
  }

  // The node checks over every slice: contexts rebuilt from the children's reports.
  std::vector<GpuSnapshot> gpus;
  std::vector<bool> real;
  {
    std::lock_guard<std::mutex> lock(state->mutex);
    gpus = sliceSnapshots(*state, false, nullptr);
    for (const SliceState& slice : state->slices) real.insert(real.end(), slice.real.begin(), slice.real.end());
    FaultSet faults(state->options.faults);
    for (std::size_t i = 0; i < gpus.size(); ++i) {
      if (!real[i]) continue;  // no GPU behind it: its error is in the report, not in the node checks
      auto context = std::make_unique<GpuContext>(state->options, state->table);
      context->identity = gpus[i].identity;
      context->faults = faults;
      SkuResolution sku = resolveSku(state->table, gpus[i].identity, state->options.expectSku);
      context->sku = sku.sku;
      context->skuMatchedBy = sku.matchedBy;
      context->timeSliced = gpus[i].timeSliced;
      context->sharingSource = gpus[i].sharingSource;
      context->cudaUnusable = true;  // not in this process: node checks must not touch it with CUDA
      context->cudaUnusableReason = "validated in a run of its own";
      auto run = std::make_unique<GpuRunState>();
      run->context = context.get();
      run->results = gpus[i].checks;
      run->finished = true;
      state->contexts.push_back(std::move(context));
      state->runs.push_back(std::move(run));
    }
    state->node = std::make_unique<NodeContext>(state->options, state->table);
    state->node->faults = faults;
    state->node->facts = state->discovery.facts;
    state->node->facts.cudaDeviceCount = static_cast<int>(state->runs.size());
    for (auto& run : state->runs) state->node->gpus.push_back(run.get());
  }
  setPhase(*state, "node-checks");
  runNodePhase(*state, NodeCheck::Phase::BeforeGpuChecks);
  if (!state->options.expectMigSlices.empty()) {
    std::lock_guard<std::mutex> lock(state->mutex);
    state->nodeResults.push_back(migLayoutResult(state->options, gpus, real));
  }
  runNodePhase(*state, NodeCheck::Phase::AfterGpuChecks);
}

void orchestrate(const State& state) {
  RunState& s = *state;
  setPhase(s, "nvml-init");
  std::string whyNot;
  std::unique_ptr<NvmlApi> nvml = s.platform.openNvml ? s.platform.openNvml(&whyNot) : nullptr;
  if (!s.platform.openNvml) whyNot = "no NVML in this build";
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.nvml = std::move(nvml);
    s.nvmlReason = whyNot;
    s.nvmlOpened = true;
  }
  if (s.stop) return;
  setPhase(s, "discovery");
  Discovery discovery = s.platform.discover ? s.platform.discover(s.nvml.get()) : Discovery{};
  std::vector<MigSliceInfo> slices;
  if (!s.platform.migChild && s.options.sharing == SharingMode::Mig && s.nvml && s.platform.runSlice)
    slices = listMigSlices(*s.nvml);
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.discovery = std::move(discovery);
    s.discovered = true;
  }
  if (s.stop) return;
  if (slices.size() >= 2) {
    runSlicePhase(state, slices);
  } else {
    assemble(s);
    setPhase(s, "node-checks (before the GPU checks)");
    runNodePhase(s, NodeCheck::Phase::BeforeGpuChecks);
    if (s.stop) return;
    runGpuPhase(state);
    if (s.stop) return;
    setPhase(s, "node-checks");
    runNodePhase(s, NodeCheck::Phase::AfterGpuChecks);
  }
  std::lock_guard<std::mutex> lock(s.mutex);
  s.done = true;
  s.signal.notify_all();
}

// The report from what the run has, with the mutex held. With `timedOut`,
// whatever was still running becomes a timeout result.
RunReport buildReport(RunState& s, const RunIdentity& identity, bool timedOut) {
  RunReport report;
  report.toolVersion = identity.toolVersion;
  report.toolBuild = identity.toolBuild;
  report.cublas = identity.cublas;
  report.cudaArchitectures = identity.cudaArchitectures;
  report.skuTableUpdated = s.table.updated();
  report.startedAtUtc = identity.startedAtUtc;
  report.options = s.options;
  report.nodeName = identity.nodeName;
  report.injectedFaults = FaultSet(s.options.faults).names();
  report.deadline.seconds = s.deadlineSeconds;
  report.nvmlAvailable = s.nvml != nullptr;
  report.nvmlReason = s.nvmlOpened ? s.nvmlReason : "NVML initialisation had not returned when the deadline passed";
  if (s.discovered) {
    report.facts = s.discovery.facts;
    report.couldNotRunReason = s.discovery.couldNotRunReason;
  }
  if (s.internalError) report.couldNotRunReason = "internal error: " + *s.internalError;
  report.nodeChecks = s.nodeResults;
  std::vector<std::string>& unfinished = report.deadline.unfinished;
  if (s.fanOut) {
    report.gpus = sliceSnapshots(s, timedOut, &unfinished);
    if (s.node) report.facts = s.node->facts;  // the slices the children saw, not this process's one
  } else {
    for (auto& run : s.runs) {
      GpuSnapshot snapshot = snapshotOf(*run);
      std::lock_guard<std::mutex> lock(run->mutex);
      if (timedOut && !run->finished && !run->currentCheck.empty()) {
        snapshot.checks.push_back(timeoutResult(run->currentCheck, run->currentCheckStart, s.deadlineSeconds));
        unfinished.push_back("gpu" + std::to_string(run->context->identity.cudaIndex) + " " + run->currentCheck);
      }
      report.gpus.push_back(std::move(snapshot));
    }
  }
  if (timedOut) {
    report.deadline.expired = true;
    report.deadline.phase = s.phase;
    if (!s.currentNodeCheck.empty()) {
      report.nodeChecks.push_back(timeoutResult(s.currentNodeCheck, s.currentNodeCheckStart, s.deadlineSeconds));
      unfinished.push_back("node " + s.currentNodeCheck);
    }
    if (s.phase == "nvml-init" || s.phase == "discovery") unfinished.push_back(s.phase);
  }
  return report;
}

}  // namespace

Clock& steadyClock() {
  static SteadyClock clock;
  return clock;
}

std::vector<MigSliceInfo> listMigSlices(NvmlApi& nvml) {
  std::vector<MigSliceInfo> slices;
  auto count = nvml.deviceCount();
  if (!count.ok()) return slices;
  for (unsigned i = 0; i < count.value; ++i) {
    auto parent = nvml.deviceByIndex(i);
    if (!parent.ok()) continue;
    auto mode = nvml.migMode(parent.value);
    if (!mode.ok() || mode.value.current != 1) continue;
    auto parentUuid = nvml.uuid(parent.value);
    auto max = nvml.maxMigDeviceCount(parent.value);
    if (!max.ok()) continue;
    for (unsigned j = 0; j < max.value; ++j) {
      auto mig = nvml.migDeviceByIndex(parent.value, j);
      if (!mig.ok()) continue;  // no instance at this index
      auto uuid = nvml.uuid(mig.value);
      if (!uuid.ok()) continue;
      MigSliceInfo slice;
      slice.uuid = uuid.value;
      if (auto name = nvml.name(mig.value); name.ok())
        slice.profile = migProfileFromDeviceName(name.value).value_or("");
      slice.parentUuid = parentUuid.ok() ? parentUuid.value : "";
      slices.push_back(slice);
    }
  }
  return slices;
}

SliceOutcome runSliceProcess(const SliceRequest& request, const std::atomic<bool>& cancel) {
  SliceOutcome outcome;
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/gpu-validate-slice-XXXXXX";
  std::vector<char> directory(pattern.begin(), pattern.end());
  directory.push_back('\0');
  if (!mkdtemp(directory.data())) {
    outcome.error = "cannot create a directory for the slice's report: " + std::string(std::strerror(errno));
    return outcome;
  }
  const std::string dir = directory.data();
  const std::string reportPath = dir + "/report.json", logPath = dir + "/output.log";

  char self[4096] = {};
  ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
  if (length <= 0) {
    outcome.error = "cannot find this executable (/proc/self/exe)";
    rmdir(dir.c_str());
    return outcome;
  }
  std::vector<std::string> args = {self};
  args.insert(args.end(), request.args.begin(), request.args.end());
  args.push_back("--json");
  args.push_back(reportPath);
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  std::vector<std::string> environment;
  for (char** entry = environ; *entry; ++entry) {
    std::string text = *entry;
    if (text.rfind("CUDA_VISIBLE_DEVICES=", 0) == 0 || text.rfind(std::string(kMigChildEnvironment) + "=", 0) == 0)
      continue;
    environment.push_back(text);
  }
  environment.push_back("CUDA_VISIBLE_DEVICES=" + request.uuid);
  environment.push_back(std::string(kMigChildEnvironment) + "=1");
  std::vector<char*> envp;
  for (auto& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  int spawned = posix_spawn(&pid, self, &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    outcome.error = "cannot start " + std::string(self) + ": " + std::strerror(spawned);
    rmdir(dir.c_str());
    return outcome;
  }
  int status = 0;
  bool killed = false;
  for (;;) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) break;
    if (cancel && !killed) {
      kill(pid, SIGKILL);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!killed && WIFEXITED(status)) outcome.exitCode = WEXITSTATUS(status);
  std::ifstream report(reportPath);
  if (report) {
    std::stringstream text;
    text << report.rdbuf();
    outcome.reportJson = text.str();
  }
  if (outcome.reportJson.empty()) {
    std::ifstream log(logPath);
    std::stringstream text;
    text << log.rdbuf();
    std::string tail = text.str();
    if (tail.size() > 600) tail = tail.substr(tail.size() - 600);
    outcome.error = killed ? "killed at the deadline" : tail.empty() ? "no output" : tail;
  }
  std::remove(reportPath.c_str());
  std::remove(logPath.c_str());
  rmdir(dir.c_str());
  return outcome;
}

bool RunOutcome::waitForAbandonedThreads(std::chrono::milliseconds limit) const {
  auto run = std::static_pointer_cast<RunState>(state);
  if (!run) return true;
  std::unique_lock<std::mutex> lock(run->mutex);
  return run->signal.wait_for(lock, limit, [&] { return run->threadsAlive == 0; });
}

RunOutcome runValidation(const Options& options, const SkuTable& table, CheckSet checks, RunPlatform platform,
                         const RunIdentity& identity) {
  auto state = std::make_shared<RunState>(options, table, std::move(checks), std::move(platform));
  state->clock = state->platform.clock ? state->platform.clock : &steadyClock();
  state->deadlineSeconds = options.deadlineSeconds.value_or(defaultDeadlineSeconds(options.profile));
  state->deadlineAt = state->platform.startedAt + state->deadlineSeconds;
  state->nodeName = identity.nodeName;

  startThread(state, [state] {
    try {
      orchestrate(state);
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(state->mutex);
      state->internalError = e.what();
      state->done = true;
      state->signal.notify_all();
    }
  });

  RunOutcome outcome;
  outcome.state = state;
  std::unique_lock<std::mutex> lock(state->mutex);
  bool finished = state->clock->waitUntil(lock, state->signal, state->deadlineAt, [&] { return state->done; });
  if (!finished) {
    state->stop = true;
    state->signal.notify_all();
    outcome.abandoned = true;
  }
  outcome.report = buildReport(*state, identity, !finished);
  outcome.report.durationSeconds = std::max(0.0, state->clock->now() - state->platform.startedAt);
  lock.unlock();
  finalizeVerdict(outcome.report);
  return outcome;
}

}  // namespace gv
