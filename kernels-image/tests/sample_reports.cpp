// sample_reports OUTDIR
//
// Writes the sample reports committed under tests/fixtures/reports/, for the
// consumers of the JSON (report aggregation, JUnit output) to test against.
// They are synthetic and say so inside: tool.build "sample_reports", node
// names starting "sample-", tool.cublas false (this program has no cuBLAS).
//
// Everything a GPU-less machine can run is the real code, called as the
// binary calls it: argument parsing, runValidation (src/core/run.h: context
// assembly, SKU resolution and sharing decisions, the runner, the node checks,
// the deadline, the skip policy and the verdict) with the real check registry
// (src/cuda/registry.cpp, linked in), the NVML health checks on a fake NVML,
// floor selection and the performance judgements, and the JSON writer. Only
// what needs a GPU is given: device identities, measured numbers and NVML
// readings. The device checks' factories (src/cuda/device_checks.h) are
// defined here as replays of those numbers through the judging code the real
// checks call, so the registry's order is the binary's. Timestamps and
// durations are fixed, so the files are byte-stable and ctest
// (fixtures.reports) fails when the code and the committed copies differ.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli.h"
#include "context_setup.h"
#include "cuda/device_checks.h"
#include "cuda/registry.h"
#include "fake_nvml.h"
#include "health.h"
#include "performance.h"
#include "report.h"
#include "run.h"

#ifndef GV_VERSION
#error "GV_VERSION must be defined by the build"
#endif
#ifndef GV_RELEASE_CUDA_ARCHITECTURES
#error "GV_RELEASE_CUDA_ARCHITECTURES must be defined by the build"
#endif

namespace {

using namespace gv;

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint64_t kGiB = 1024 * kMiB;

// ---- what a GPU would have told us

struct LoadTrace {  // NVML samples taken every 100 ms while the load checks ran
  int samples = 150;
  int idleSamples = 3;  // between two load checks the GPU reports idle
  unsigned pcieGen = 5, pcieWidth = 16;
  unsigned startTemperatureC = 41, endTemperatureC = 66;
  unsigned powerW = 655;
  unsigned smClockMhz = 1980;
};

struct GpuPlan {
  GpuIdentity identity;
  std::uint64_t freeBytes = 0;  // cudaMemGetInfo at the start of each check
  int copyBlocksPerSm = 8;      // occupancy of the 256-thread copy kernel
  std::unique_ptr<gvtest::FakeNvml> nvml = std::make_unique<gvtest::FakeNvml>();
  LoadTrace load;
  HbmMeasurement hbm;
  double gemmMedianTflops = 0, gemmBestTflops = 0, gemmWorstTflops = 0;
  int gemmBatches = 0;
  double h2dGBps = 0, d2hGBps = 0;
};

struct NodePlan {
  std::string file;
  std::string nodeName;  // as $NODE_NAME from the downward API
  std::vector<std::string> args;
  std::string startedAt;
  double durationSeconds = 0;
  std::vector<GpuPlan> gpus;  // gpus[0]'s fake NVML also answers the node-wide queries
  P2pMeasurement p2p;
};

// Fixed wall times (seconds) of the checks that ran, in place of the clock.
const std::map<std::string, double>& fixedDurations() {
  static const std::map<std::string, double> durations = {
      {"inventory", 0.003817},        {"mig-slice", 0.000041},         {"hbm-bandwidth", 2.184306},
      {"memory-pattern", 6.372915},   {"gemm-correctness", 1.906442},  {"gemm-throughput", 3.418027},
      {"pinned-bandwidth", 1.271583}, {"ecc-errors", 0.000512},        {"row-remap", 0.000388},
      {"pcie-link", 0.000027},        {"clocks-under-load", 0.000431}, {"p2p-bandwidth", 4.861209},
      {"node-consistency", 0.000064}, {"health-baseline", 0.000733},   {"nvlink-health", 0.000214},
      {"xid-events", 0.000391},       {"recovery-action", 0.000052},   {"mig-layout", 0.000019}};
  return durations;
}

// Deterministic 64-bit mixing (splitmix64), for UUIDs.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::string uuid(const char* prefix, const std::string& seed, int index) {
  std::uint64_t h = 1469598103934665603ull;
  for (char c : seed) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  std::uint64_t a = mix(h + static_cast<std::uint64_t>(index)), b = mix(a);
  char text[64];
  std::snprintf(text, sizeof text, "%s-%08llx-%04llx-%04llx-%04llx-%012llx", prefix,
                static_cast<unsigned long long>(a >> 32), static_cast<unsigned long long>((a >> 16) & 0xffff),
                static_cast<unsigned long long>(a & 0xffff), static_cast<unsigned long long>(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffull));
  return text;
}

std::vector<TelemetrySample> samplesOf(const LoadTrace& load) {
  std::vector<TelemetrySample> samples;
  for (int i = 0; i < load.samples; ++i) {
    TelemetrySample s;
    s.secondsSinceStart = 0.1 * i;
    bool idle = i < load.idleSamples;
    s.clocksEventReasons = NvmlResult<std::uint64_t>::success(idle ? nvml::kReasonGpuIdle : nvml::kReasonSwPowerCap);
    s.pcieGeneration = NvmlResult<unsigned>::success(load.pcieGen);
    s.pcieWidth = NvmlResult<unsigned>::success(load.pcieWidth);
    unsigned rise = (load.endTemperatureC - load.startTemperatureC) * static_cast<unsigned>(i) /
                    static_cast<unsigned>(load.samples - 1);
    s.temperatureC = NvmlResult<unsigned>::success(load.startTemperatureC + rise);
    s.powerMilliwatts = NvmlResult<unsigned>::success(idle ? 90000 : load.powerW * 1000 - 1000u * (i % 7));
    s.smClockMhz = NvmlResult<unsigned>::success(load.smClockMhz - (idle ? 0 : 15u * (i % 3)));
    samples.push_back(s);
  }
  return samples;
}

// ---- the device checks, replaying the plan's measurements through the
// judging code they call (src/cuda/checks/*.cu), with the details they add.

class Replay : public GpuCheck {
 public:
  Replay(const NodePlan& plan, const char* name, unsigned profiles) : plan_(plan), name_(name), profiles_(profiles) {}
  CheckInfo info() const override { return {name_, "replays a measurement", profiles_}; }
  bool usesCuda() const override { return true; }
  // No sampler thread: the telemetry log is filled from the plan instead.
  bool generatesLoad() const override { return false; }

 protected:
  const GpuPlan& gpu(const GpuContext& context) const { return plan_.gpus.at(context.identity.cudaIndex); }
  const NodePlan& plan_;

 private:
  std::string name_;
  unsigned profiles_;
};

class HbmReplay final : public Replay {
 public:
  explicit HbmReplay(const NodePlan& plan) : Replay(plan, "hbm-bandwidth", kBothProfiles) {}
  CheckResult run(GpuContext& context) override {
    const GpuPlan& g = gpu(context);
    // Buffer sizing as in hbm_bandwidth_check.cu.
    std::uint64_t wanted = std::max<std::uint64_t>(1024 * kMiB, 8ull * g.identity.l2CacheBytes);
    double share = context.timeSliced ? 0.10 : 0.25;
    auto cap = static_cast<std::uint64_t>(share * g.freeBytes / 2);
    std::uint64_t bytes = std::min(wanted, cap) / (2 * kMiB) * (2 * kMiB);
    CheckResult result =
        evaluateHbm(g.hbm, selectFloor(FloorKind::HbmBandwidth, context.skus, context.floorContext()), context.faults);
    result.details.set("bufferBytes", bytes);
    result.details.set("l2CacheBytes", g.identity.l2CacheBytes);
    result.details.set("blocks", g.identity.smCount * g.copyBlocksPerSm);
    result.details.set("threadsPerBlock", 256);
    result.details.set("samples", 10);
    return result;
  }
};

class MemoryPatternReplay final : public Replay {
 public:
  explicit MemoryPatternReplay(const NodePlan& plan) : Replay(plan, "memory-pattern", kBothProfiles) {}
  CheckResult run(GpuContext& context) override {
    const GpuPlan& g = gpu(context);
    MemoryPatternMeasurement m;
    double share = context.timeSliced ? 0.05 : 0.10;  // quick profile shares
    m.bytesTested = static_cast<std::uint64_t>(share * g.freeBytes) / (2 * kMiB) * (2 * kMiB);
    m.freeBytesAtStart = g.freeBytes;
    m.passes = 6 + 64 / 8;  // fixed patterns plus every eighth walking-ones position
    m.rounds = 1;
    return evaluateMemoryPattern(m);
  }
};

class GemmCorrectnessReplay final : public Replay {
 public:
  explicit GemmCorrectnessReplay(const NodePlan& plan) : Replay(plan, "gemm-correctness", kBothProfiles) {}
  CheckResult run(GpuContext& context) override {
    const GpuIdentity& id = gpu(context).identity;
    GemmCorrectnessMeasurement m;
    m.computeMajor = id.computeMajor;
    m.computeMinor = id.computeMinor;
    for (const char* dtype : {"fp16", "bf16"}) {
      if (std::string(dtype) == "bf16" && id.computeMajor < 8) continue;  // WMMA BF16 needs Ampere
      struct Case {
        const char* engine;
        const char* inputs;
        float tolerance;
        float maxNormalizedError;
      } cases[] = {{"wmma", "small-integers", 0.0f, 0.0f},
                   {"wmma", "uniform", 1.0f / 1024.0f, std::string(dtype) == "fp16" ? 2.3841858e-07f : 4.7683716e-07f},
                   {"cublas", "small-integers", 0.0f, 0.0f}};
      for (const Case& c : cases) {
        Json report = Json::object();
        report.set("engine", c.engine);
        report.set("dtype", dtype);
        report.set("inputs", c.inputs);
        report.set("size", 1024);
        report.set("repeat", 0);
        report.set("tolerance", static_cast<double>(c.tolerance));
        report.set("mismatches", 0ull);
        report.set("maxNormalizedError", static_cast<double>(c.maxNormalizedError));
        report.set("firstBadIndex", Json());
        m.cases.push(report);
        ++m.casesPerRepeat;
      }
    }
    return evaluateGemmCorrectness(m);
  }
};

class GemmThroughputReplay final : public Replay {
 public:
  explicit GemmThroughputReplay(const NodePlan& plan) : Replay(plan, "gemm-throughput", kBothProfiles) {}
  CheckResult run(GpuContext& context) override {
    const GpuPlan& g = gpu(context);
    const int n = 8192;
    double secondsPerGemm = 2.0 * n * n * static_cast<double>(n) / (g.gemmMedianTflops * 1e12);
    // The replayed number stands for a cuBLAS measurement, so it is judged as
    // one; the report's tool.cublas says false because nothing here ran cuBLAS.
    CheckResult result = evaluateGemmThroughput(
        g.gemmMedianTflops, selectFloor(FloorKind::Gemm, context.skus, context.floorContext()), true);
    result.details.set("engine", "cublas (replayed: synthetic)");
    result.details.set("dtype", g.identity.computeMajor >= 8 ? "bf16" : "fp16");
    result.details.set("size", n);
    result.details.set("batches", g.gemmBatches);
    result.details.set("gemmsPerBatch", std::max(1, static_cast<int>(0.1 / secondsPerGemm)));
    result.details.set("bestTflops", g.gemmBestTflops);
    result.details.set("worstTflops", g.gemmWorstTflops);
    if (context.sku && context.sku->denseTensorTflops.value)
      result.details.set("fractionOfDatasheet", g.gemmMedianTflops / *context.sku->denseTensorTflops.value);
    return result;
  }
};

class PinnedReplay final : public Replay {
 public:
  explicit PinnedReplay(const NodePlan& plan) : Replay(plan, "pinned-bandwidth", kBothProfiles) {}
  CheckResult run(GpuContext& context) override {
    const GpuPlan& g = gpu(context);
    FloorContext floors = context.floorContext();
    CheckResult result = evaluatePinned(g.h2dGBps, g.d2hGBps, selectFloor(FloorKind::PinnedH2D, context.skus, floors),
                                        selectFloor(FloorKind::PinnedD2H, context.skus, floors));
    result.details.set("bytes", std::min<std::uint64_t>(256 * kMiB, g.freeBytes / 4 / (2 * kMiB) * (2 * kMiB)));
    result.details.set("samples", 10);
    return result;
  }
};

// Listed so the runner's profile selection drops it, as in a real quick run.
class SustainedLoadReplay final : public Replay {
 public:
  explicit SustainedLoadReplay(const NodePlan& plan) : Replay(plan, "sustained-load", kFullProfile) {}
  CheckResult run(GpuContext&) override { throw std::logic_error("the sample scenarios use the quick profile"); }
};

class P2pReplay final : public NodeCheck {
 public:
  explicit P2pReplay(const NodePlan& plan) : plan_(plan) {}
  CheckInfo info() const override { return {"p2p-bandwidth", "replays a measurement", kBothProfiles}; }
  Phase phase() const override { return Phase::AfterGpuChecks; }
  std::string cannotRunReason(const NodeContext& context) const override { return p2pCannotRunReason(context); }
  CheckResult run(NodeContext& context) override { return evaluateP2p(plan_.p2p, context); }

 private:
  const NodePlan& plan_;
};

// ---- one run, as the binary runs it

// Wall-clock windows inside details (the health checks time their watch from
// the baseline to the end): every number under a key ending in "Seconds"
// becomes 21.4, so the files stay byte-stable.
Json fixedSeconds(const Json& value) {
  if (value.isArray()) {
    Json out = Json::array();
    for (const Json& item : value.asArray()) out.push(fixedSeconds(item));
    return out;
  }
  if (!value.isObject()) return value;
  Json out = Json::object();
  for (const auto& [key, member] : value.asObject()) {
    bool seconds = key.size() > 7 && key.compare(key.size() - 7, 7, "Seconds") == 0;
    out.set(key, seconds && member.isNumber() ? Json(21.4) : fixedSeconds(member));
  }
  return out;
}

// The scenario the device checks replay (the registry's factories take no arguments).
const NodePlan* gPlan = nullptr;

// Time stands still: the run takes the scenario's duration, the deadline never passes.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(double now) : now_(now) {}
  double now() override { return now_; }
  bool waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& signal, double,
                 const std::function<bool()>& done) override {
    signal.wait(lock, done);
    return true;
  }

 private:
  double now_;
};

RunReport runScenario(NodePlan& plan) {
  ParseOutcome parsed = parseArguments(plan.args);
  if (parsed.action != ParseOutcome::Action::Run) throw std::runtime_error(plan.file + ": bad arguments");
  const Options& options = parsed.options;
  gPlan = &plan;

  RunIdentity identity;
  identity.toolVersion = GV_VERSION;
  identity.toolBuild = kToolBuildSampleReports;
  identity.cublas = builtWithCublas();  // false: nothing here ran cuBLAS
  identity.cudaArchitectures = GV_RELEASE_CUDA_ARCHITECTURES;
  identity.startedAtUtc = plan.startedAt;
  identity.nodeName = resolveNodeName(options.nodeName, plan.nodeName.c_str(), "pod-hostname");

  CheckRegistry registry = makeCheckRegistry();  // src/cuda/registry.cpp, with the replays below
  CheckSet checks;
  checks.gpu = std::move(registry.gpuChecks);
  checks.node = std::move(registry.nodeChecks);

  // Each GPU has its own fake NVML; the first also answers the node-wide queries.
  std::vector<gvtest::FakeNvml*> fakes;
  for (GpuPlan& gpu : plan.gpus) fakes.push_back(gpu.nvml.get());
  FixedClock clock(plan.durationSeconds);
  RunPlatform platform;
  platform.openNvml = [&plan](std::string*) -> std::unique_ptr<NvmlApi> { return std::move(plan.gpus.front().nvml); };
  platform.discover = [&plan, fakes](NvmlApi* nvml) {
    Discovery discovery;
    discovery.facts.cudaRuntimeVersion = 13000;
    discovery.facts.cudaDriverVersion = 13000;
    discovery.facts.cudaDeviceCount = static_cast<int>(plan.gpus.size());
    collectNvmlFacts(*nvml, &discovery.facts);
    for (std::size_t i = 0; i < plan.gpus.size(); ++i) {
      DiscoveredGpu gpu;
      gpu.identity = plan.gpus[i].identity;
      gpu.nvmlDevice = fakes[i]->handle();
      if (gpu.identity.migInstance) gpu.nvmlMigDevice = fakes[i]->handle();
      discovery.gpus.push_back(gpu);
    }
    return discovery;
  };
  platform.initializeDevice = [](int) { return std::string(); };
  // The replays start no sampler: the NVML samples a GPU would have given go in here.
  platform.prepareGpu = [&plan, fakes](GpuContext& context, const DiscoveredGpu&) {
    std::size_t index = static_cast<std::size_t>(context.identity.cudaIndex);
    context.nvml = fakes.at(index);
    for (const TelemetrySample& sample : samplesOf(plan.gpus.at(index).load)) context.telemetry.add(sample);
  };
  platform.clock = &clock;
  platform.startedAt = 0.0;

  RunOutcome outcome = runValidation(options, SkuTable::builtIn(), std::move(checks), std::move(platform), identity);
  if (outcome.abandoned) throw std::runtime_error(plan.file + ": the run did not finish");
  RunReport report = outcome.report;

  // The runner timed what ran (skipped checks stay at 0): fixed values instead.
  // Checks that time their own window (since the health baseline) say so in
  // the reason and details: the window is fixed too.
  const std::regex window("[0-9.]+(e[-+]?[0-9]+)? s of checks");
  auto fix = [&plan, &window](std::vector<CheckResult>& checks) {
    for (CheckResult& check : checks) {
      check.reason = std::regex_replace(check.reason, window, "21.4 s of checks");
      check.details = fixedSeconds(check.details);
      if (check.durationSeconds <= 0) continue;
      auto fixed = fixedDurations().find(check.name);
      if (fixed == fixedDurations().end())
        throw std::runtime_error(plan.file + ": no fixed duration for " + check.name + " (add it to fixedDurations)");
      check.durationSeconds = fixed->second;
    }
  };
  fix(report.nodeChecks);
  for (GpuSnapshot& gpu : report.gpus) fix(gpu.checks);
  finalizeVerdict(report);
  return report;
}

// ---- the scenarios

GpuPlan h100(const std::string& node, int index) {
  static const char* busIds[] = {"0000:53:00.0", "0000:64:00.0", "0000:75:00.0", "0000:86:00.0",
                                 "0000:97:00.0", "0000:A8:00.0", "0000:B9:00.0", "0000:CA:00.0"};
  static const double hbm[] = {2903.4, 2898.7, 2911.2, 2894.5, 2907.9, 2901.1, 2896.3, 2905.6};
  static const double memcpy[] = {2915.8, 2909.1, 2920.4, 2907.6, 2916.3, 2912.0, 2904.9, 2917.2};
  static const double gemm[] = {712.6, 709.8, 716.3, 705.2, 711.9, 714.4, 707.7, 710.5};
  GpuPlan g;
  GpuIdentity& id = g.identity;
  id.cudaIndex = index;
  id.name = "NVIDIA H100 80GB HBM3";
  id.pciDeviceId = 0x2330;
  id.pciBusId = busIds[index];
  id.uuid = uuid("GPU", node, index);
  id.computeMajor = 9;
  id.computeMinor = 0;
  id.smCount = 132;
  id.totalMemoryBytes = 81559 * kMiB;
  id.l2CacheBytes = 50 * 1024 * 1024;
  id.migDetection = "NVML: MIG mode disabled on the GPU";
  id.otherComputeProcesses = 0u;
  g.freeBytes = id.totalMemoryBytes - 586 * kMiB;  // less the CUDA context
  g.copyBlocksPerSm = 8;
  g.nvml->volatileCorrected = NvmlResult<std::uint64_t>::success(0);
  g.nvml->rows = NvmlResult<RemappedRows>::success({0, 0, false, false});
  g.load.startTemperatureC = 38 + index % 3;
  g.load.endTemperatureC = 63 + index % 4;
  g.load.powerW = 648 + 4 * index;
  g.hbm = {hbm[index], memcpy[index], 0};
  g.gemmMedianTflops = gemm[index];
  g.gemmBestTflops = gemm[index] + 6.1;
  g.gemmWorstTflops = gemm[index] - 9.4;
  g.gemmBatches = 31;
  g.h2dGBps = 53.6 - 0.2 * (index % 3);
  g.d2hGBps = 52.9 - 0.1 * (index % 4);
  return g;
}

// Eight H100s on NVLink4: every ordered pair has peer access.
P2pMeasurement nvlinkPairs(int gpus) {
  P2pMeasurement m;
  m.bytes = 256 * kMiB;
  for (int i = 0; i < gpus; ++i)
    for (int j = 0; j < gpus; ++j)
      if (i != j) m.pairs.push_back({i, j, 371.5 + 0.7 * ((3 * i + 5 * j) % 9)});
  return m;
}

NodePlan h100Node(const std::string& file, const std::string& name, const std::string& startedAt) {
  NodePlan plan;
  plan.file = file;
  plan.nodeName = name;
  plan.args = {"--profile", "quick", "--json", "-", "--expect-gpus", "8", "--expect-sku", "H100-SXM", "--sharing",
               "exclusive"};
  plan.startedAt = startedAt;
  plan.durationSeconds = 27.613405;
  for (int i = 0; i < 8; ++i) plan.gpus.push_back(h100(name, i));
  plan.gpus[0].nvml->count = NvmlResult<unsigned>::success(8);
  plan.p2p = nvlinkPairs(8);
  return plan;
}

GpuPlan l4(const std::string& node) {
  GpuPlan g;
  GpuIdentity& id = g.identity;
  id.cudaIndex = 0;
  id.name = "NVIDIA L4";
  id.pciDeviceId = 0x27b8;
  id.pciBusId = "0000:31:00.0";
  id.uuid = uuid("GPU", node, 0);
  id.computeMajor = 8;
  id.computeMinor = 9;
  id.smCount = 58;
  id.totalMemoryBytes = 23034 * kMiB;
  id.l2CacheBytes = 48 * 1024 * 1024;
  id.migDetection = "NVML: this GPU does not support MIG";
  id.otherComputeProcesses = 1u;  // another replica of the time-sliced GPU
  g.freeBytes = id.totalMemoryBytes - 4310 * kMiB;
  g.copyBlocksPerSm = 6;
  g.nvml->volatileCorrected = NvmlResult<std::uint64_t>::success(0);
  g.nvml->rows = NvmlResult<RemappedRows>::success({0, 0, false, false});
  g.nvml->maxGen = NvmlResult<unsigned>::success(4);
  g.nvml->maxWidth = NvmlResult<unsigned>::success(16);
  g.nvml->nvLinks = NvmlResult<unsigned>::success(0);  // PCIe only
  g.nvml->slowdownTemperature = NvmlResult<unsigned>::success(95);
  g.nvml->powerLimit = NvmlResult<unsigned>::success(72000);
  g.nvml->maxSmClock = NvmlResult<unsigned>::success(2040);
  g.load.pcieGen = 4;
  g.load.startTemperatureC = 47;
  g.load.endTemperatureC = 71;
  g.load.powerW = 71;
  g.load.smClockMhz = 1845;
  g.hbm = {236.8, 241.3, 0};  // shared with the other replica: reported, not judged
  g.gemmMedianTflops = 51.7;
  g.gemmBestTflops = 55.2;
  g.gemmWorstTflops = 38.9;
  g.gemmBatches = 29;
  g.h2dGBps = 24.9;
  g.d2hGBps = 25.6;
  return g;
}

NodePlan l4Node(const std::string& file, const std::string& name, const std::string& startedAt) {
  NodePlan plan;
  plan.file = file;
  plan.nodeName = name;
  plan.args = {"--profile", "quick", "--json", "-", "--expect-gpus", "1", "--expect-sku", "L4", "--sharing",
               "time-slicing"};
  plan.startedAt = startedAt;
  plan.durationSeconds = 19.842071;
  plan.gpus.push_back(l4(name));
  plan.gpus[0].nvml->count = NvmlResult<unsigned>::success(1);
  return plan;
}

NodePlan a100MigNode() {
  NodePlan plan;
  plan.file = "pass-a100-mig.json";
  plan.nodeName = "sample-ip-10-40-8-8.ec2.internal";
  plan.args = {"--profile",    "quick", "--json",    "-",   "--expect-gpus",        "1",
               "--expect-sku", "A100-SXM4-40GB", "--sharing", "mig", "--expect-mig-profile", "3g.20gb"};
  plan.startedAt = "2026-11-26T10:05:37Z";
  plan.durationSeconds = 16.207338;
  GpuPlan g;
  GpuIdentity& id = g.identity;
  id.cudaIndex = 0;
  id.name = "NVIDIA A100-SXM4-40GB MIG 3g.20gb";
  id.pciDeviceId = 0x20b0;
  id.pciBusId = "0000:10:1C.0";
  id.uuid = uuid("MIG", plan.nodeName, 0);
  id.parentUuid = uuid("GPU", plan.nodeName, 0);
  id.computeMajor = 8;
  id.computeMinor = 0;
  id.smCount = 42;
  id.totalMemoryBytes = 19968 * kMiB;
  id.l2CacheBytes = 20 * 1024 * 1024;
  id.migInstance = true;
  id.migProfile = std::string("3g.20gb");
  id.migDetection = "NVML: MIG mode enabled on the parent GPU; NVML MIG handle found by UUID";
  id.otherComputeProcesses = 0u;
  g.freeBytes = id.totalMemoryBytes - 512 * kMiB;
  g.copyBlocksPerSm = 8;
  g.nvml->deviceName = NvmlResult<std::string>::success("NVIDIA A100-SXM4-40GB");
  g.nvml->pci = NvmlResult<std::uint32_t>::success(0x20b010de);
  g.nvml->mig = NvmlResult<MigMode>::success({1, 1});
  g.nvml->nvLinks = NvmlResult<unsigned>::success(12);  // NVLink3 on the parent GPU
  g.nvml->volatileCorrected = NvmlResult<std::uint64_t>::success(0);
  // NVML answers "not supported" for row remapping on a MIG GPU with instances.
  g.nvml->rows = NvmlResult<RemappedRows>::failure(nvml::kErrorNotSupported);
  g.nvml->maxGen = NvmlResult<unsigned>::success(4);
  g.nvml->maxWidth = NvmlResult<unsigned>::success(16);
  g.nvml->powerLimit = NvmlResult<unsigned>::success(400000);
  g.nvml->maxSmClock = NvmlResult<unsigned>::success(1410);
  g.load.pcieGen = 4;
  g.load.startTemperatureC = 33;
  g.load.endTemperatureC = 52;
  g.load.powerW = 214;
  g.load.smClockMhz = 1410;
  g.hbm = {731.6, 736.2, 0};
  g.gemmMedianTflops = 108.3;
  g.gemmBestTflops = 110.9;
  g.gemmWorstTflops = 104.1;
  g.gemmBatches = 30;
  g.h2dGBps = 22.8;
  g.d2hGBps = 23.1;
  g.nvml->count = NvmlResult<unsigned>::success(1);  // NVML counts the parent GPU
  plan.gpus.push_back(std::move(g));
  return plan;
}

std::vector<NodePlan> scenarios() {
  std::vector<NodePlan> plans;
  plans.push_back(h100Node("pass-h100-node.json", "sample-ip-10-40-12-34.ec2.internal", "2026-11-26T09:30:12Z"));

  NodePlan failing = h100Node("fail-h100-node.json", "sample-ip-10-40-77-1.ec2.internal", "2026-11-26T09:41:03Z");
  failing.gpus[3].hbm = {2100.5, 2108.2, 0};  // slow memory: the copy kernel and cudaMemcpy agree
  failing.gpus[5].nvml->rows = NvmlResult<RemappedRows>::success({0, 1, true, false});
  plans.push_back(std::move(failing));

  plans.push_back(l4Node("pass-l4-timeslice.json", "sample-ip-10-40-3-9.ec2.internal", "2026-11-26T09:52:48Z"));

  NodePlan degraded = l4Node("fail-l4-timeslice.json", "sample-ip-10-40-3-10.ec2.internal", "2026-11-26T09:58:20Z");
  degraded.gpus[0].nvml->volatileUncorrected = NvmlResult<std::uint64_t>::success(2);
  degraded.gpus[0].nvml->aggregateUncorrected = NvmlResult<std::uint64_t>::success(2);
  degraded.gpus[0].load.pcieWidth = 8;  // the link trained to x8 under load
  degraded.gpus[0].h2dGBps = 12.7;
  degraded.gpus[0].d2hGBps = 13.1;
  plans.push_back(std::move(degraded));

  plans.push_back(a100MigNode());
  return plans;
}

}  // namespace

// The device checks of src/cuda/device_checks.h, as replays of the scenario.
namespace gv {
std::unique_ptr<GpuCheck> makeHbmBandwidthCheck() { return std::make_unique<HbmReplay>(*gPlan); }
std::unique_ptr<GpuCheck> makeMemoryPatternCheck() { return std::make_unique<MemoryPatternReplay>(*gPlan); }
std::unique_ptr<GpuCheck> makeGemmCorrectnessCheck() { return std::make_unique<GemmCorrectnessReplay>(*gPlan); }
std::unique_ptr<GpuCheck> makeGemmThroughputCheck() { return std::make_unique<GemmThroughputReplay>(*gPlan); }
std::unique_ptr<GpuCheck> makePinnedBandwidthCheck() { return std::make_unique<PinnedReplay>(*gPlan); }
std::unique_ptr<GpuCheck> makeSustainedLoadCheck() { return std::make_unique<SustainedLoadReplay>(*gPlan); }
std::unique_ptr<NodeCheck> makeP2pBandwidthCheck() { return std::make_unique<P2pReplay>(*gPlan); }
bool builtWithCublas() { return false; }
}  // namespace gv

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: sample_reports OUTDIR\n");
    return 2;
  }
  try {
    for (NodePlan& plan : scenarios()) {
      RunReport report = runScenario(plan);
      std::string path = std::string(argv[1]) + "/" + plan.file;
      std::string error;
      if (!writeFileAtomically(path, reportToJson(report).dump(2) + "\n", &error)) {
        std::fprintf(stderr, "sample_reports: %s\n", error.c_str());
        return 1;
      }
      std::printf("%s: %s (exit %d)\n", path.c_str(), toString(report.verdict.verdict), report.verdict.exitCode);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sample_reports: %s\n", e.what());
    return 1;
  }
  return 0;
}
