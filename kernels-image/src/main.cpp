// gpu-validate: runs the checks on every GPU of the pod concurrently (one
// thread per device), then the node checks, and reports a verdict whose exit
// code means pass (0), fail (1), could not run (2) or bad usage (3).
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "cli.h"
#include "context_setup.h"
#include "cuda/device_checks.h"
#include "cuda/device_discovery.h"
#include "cuda/registry.h"
#include "report.h"
#include "runner.h"

#ifndef GV_VERSION
#define GV_VERSION "0.0.0-dev"
#endif
#ifndef GV_CUDA_ARCHITECTURES
#define GV_CUDA_ARCHITECTURES "unknown"
#endif

namespace gv {
namespace {

std::string utcNow() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

std::string hostName() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0) return {};
  return buffer;
}

std::string renderSkuList(const SkuTable& table) {
  auto floor = [](const SourcedValue& value) {
    if (!value.value) return std::string("-");
    std::ostringstream out;
    out << *value.value;
    return out.str();
  };
  std::ostringstream out;
  out << "SKU table updated " << table.updated() << " (every value's source: data/skus.json)\n";
  out << "KEY               PCI ID  HBM GB/s  GEMM TF  H2D/D2H  P2P   MIG PROFILES\n";
  for (const auto& sku : table.skus()) {
    std::string profiles;
    for (const auto& profile : sku.migProfiles) profiles += (profiles.empty() ? "" : " ") + profile.name;
    char line[512];
    std::snprintf(line, sizeof line, "%-17s %-7s %-9s %-8s %-8s %-5s %s\n", sku.key.c_str(),
                  formatPciDeviceId(sku.pciDeviceId).c_str(), floor(sku.floors.hbmBandwidthGBps).c_str(),
                  floor(sku.floors.gemmTflops).c_str(), floor(sku.floors.pinnedH2DGBps).c_str(),
                  floor(sku.floors.p2pGBps).c_str(), profiles.empty() ? "-" : profiles.c_str());
    out << line;
  }
  out << "(floors; unknown SKUs are judged against sanity floors only)\n";
  return out.str();
}

bool loadSkuTable(const Options& options, SkuTable* table, std::string* error) {
  try {
    if (!options.skuFile) {
      *table = SkuTable::builtIn();
      return true;
    }
    std::ifstream file(*options.skuFile);
    if (!file) {
      *error = "cannot read " + *options.skuFile;
      return false;
    }
    std::stringstream text;
    text << file.rdbuf();
    *table = SkuTable::parse(text.str());
    return true;
  } catch (const std::exception& e) {
    *error = e.what();
    return false;
  }
}

// Emits JSON, termination summary and table; returns the process exit code.
int emitReport(RunReport& report) {
  finalizeVerdict(report);
  const Options& options = report.options;
  bool jsonToStdout = options.jsonPath && *options.jsonPath == "-";
  std::string json = reportToJson(report).dump(2) + "\n";
  int exitCode = report.verdict.exitCode;
  if (jsonToStdout) {
    std::fwrite(json.data(), 1, json.size(), stdout);
    std::fflush(stdout);
  } else if (options.jsonPath) {
    std::string error;
    if (!writeFileAtomically(*options.jsonPath, json, &error)) {
      std::fprintf(stderr, "gpu-validate: %s\n", error.c_str());
      if (report.verdict.verdict == Verdict::Pass) {  // a pass nobody can read is no pass
        report.verdict = {Verdict::CouldNotRun, kExitCouldNotRun, "the JSON report could not be written: " + error};
        exitCode = report.verdict.exitCode;
      }
    }
  }
  if (options.terminationLogPath) {
    std::string error;
    if (!writeFileInPlace(*options.terminationLogPath, terminationSummary(report), &error))
      std::fprintf(stderr, "gpu-validate: warning: termination log not written (the verdict stands): %s\n",
                   error.c_str());
  }
  std::string table = renderTable(report);
  std::fputs(table.c_str(), jsonToStdout ? stderr : stdout);
  std::fflush(jsonToStdout ? stderr : stdout);
  return exitCode;
}

int run(const std::vector<std::string>& args) {
  auto wallStart = std::chrono::steady_clock::now();
  ParseOutcome parsed = parseArguments(args);
  switch (parsed.action) {
    case ParseOutcome::Action::BadUsage:
      std::fprintf(stderr, "gpu-validate: %s\nRun gpu-validate --help for usage.\n", parsed.error.c_str());
      return kExitBadUsage;
    case ParseOutcome::Action::Help:
      std::fputs(usageText().c_str(), stdout);
      return kExitPass;
    case ParseOutcome::Action::Version:
      std::printf("gpu-validate %s (CUDA architectures %s, cuBLAS %s)\n", GV_VERSION, GV_CUDA_ARCHITECTURES,
                  builtWithCublas() ? "yes" : "no");
      return kExitPass;
    default:
      break;
  }
  const Options& options = parsed.options;
  SkuTable table;
  std::string tableError;
  if (!loadSkuTable(options, &table, &tableError)) {
    std::fprintf(stderr, "gpu-validate: %s\n", tableError.c_str());
    return kExitBadUsage;
  }
  if (parsed.action == ParseOutcome::Action::List) {
    std::fputs(renderCheckList(makeCheckRegistry()).c_str(), stdout);
    return kExitPass;
  }
  if (parsed.action == ParseOutcome::Action::ListSkus) {
    std::fputs(renderSkuList(table).c_str(), stdout);
    return kExitPass;
  }
  if (options.expectSku && !table.findByKeyOrId(*options.expectSku)) {
    std::string known;
    for (const auto& sku : table.skus()) known += (known.empty() ? "" : ", ") + sku.key;
    std::fprintf(stderr, "gpu-validate: --expect-sku: unknown SKU '%s' (known: %s)\n", options.expectSku->c_str(),
                 known.c_str());
    return kExitBadUsage;
  }

  RunReport report;
  report.toolVersion = GV_VERSION;
  report.cublas = builtWithCublas();
  report.cudaArchitectures = GV_CUDA_ARCHITECTURES;
  report.skuTableUpdated = table.updated();
  report.startedAtUtc = utcNow();
  report.options = options;
  report.nodeName = resolveNodeName(options.nodeName, std::getenv("NODE_NAME"), hostName());
  FaultSet faults(options.faults);
  report.injectedFaults = faults.names();

  std::string nvmlReason;
  std::unique_ptr<NvmlApi> nvml = openNvmlLibrary("libnvidia-ml.so.1", &nvmlReason);
  report.nvmlAvailable = nvml != nullptr;
  report.nvmlReason = nvmlReason;

  Discovery discovery = discoverDevices(nvml.get());
  report.facts = discovery.facts;

  NodeShared shared;
  std::vector<std::unique_ptr<GpuContext>> contexts;
  std::vector<std::unique_ptr<GpuRunState>> runs;
  for (const DiscoveredGpu& gpu : discovery.gpus) {
    auto context = std::make_unique<GpuContext>(options, table);
    context->identity = gpu.identity;
    context->faults = faults;
    SkuResolution sku = resolveSku(table, gpu.identity, options.expectSku);
    context->sku = sku.sku;
    context->skuMatchedBy = sku.matchedBy;
    SharingDecision sharing = decideSharing(options.sharing, gpu.identity);
    context->timeSliced = sharing.timeSliced;
    context->sharingSource = sharing.source;
    context->nvml = nvml.get();
    context->nvmlDevice = gpu.nvmlDevice;
    context->nvmlMigDevice = gpu.nvmlMigDevice;
    context->nvmlUnavailableReason =
        nvml ? "NVML has no handle for PCI bus " + gpu.identity.pciBusId : nvmlReason;
    context->node = &shared;
    auto run = std::make_unique<GpuRunState>();
    run->context = context.get();
    contexts.push_back(std::move(context));
    runs.push_back(std::move(run));
  }

  NodeContext node(options, table);
  node.faults = faults;
  node.facts = discovery.facts;
  for (auto& run : runs) node.gpus.push_back(run.get());

  CheckRegistry registry = makeCheckRegistry();
  report.nodeChecks = runNodeChecks(node, registry.node(), NodeCheck::Phase::BeforeGpuChecks);
  report.couldNotRunReason = discovery.couldNotRunReason;

  // One worker per GPU; a watchdog gives up on GPUs that hang.
  std::mutex doneMutex;
  std::condition_variable doneSignal;
  std::size_t finished = 0;
  std::vector<std::thread> workers;
  std::vector<GpuCheck*> gpuChecks = registry.gpu();
  for (auto& runPointer : runs) {
    GpuRunState* run = runPointer.get();
    const GpuIdentity& id = run->context->identity;
    if (id.computeMajor * 10 + id.computeMinor < 75) {  // inventory reports it; nothing here can run
      std::lock_guard<std::mutex> lock(doneMutex);
      ++finished;
      continue;
    }
    workers.emplace_back([run, &gpuChecks, &options, &doneMutex, &doneSignal, &finished] {
      std::string error = initializeDevice(run->context->identity.cudaIndex);
      if (!error.empty()) {
        run->context->cudaUnusable = true;
        run->context->cudaUnusableReason = error;
      }
      runGpuChecks(*run, gpuChecks, options.profile);
      std::lock_guard<std::mutex> lock(doneMutex);
      ++finished;
      doneSignal.notify_all();
    });
  }
  double deadline = options.deadlineSeconds.value_or(defaultDeadlineSeconds(options.profile));
  bool allDone = false;
  {
    std::unique_lock<std::mutex> lock(doneMutex);
    allDone = doneSignal.wait_until(lock, wallStart + std::chrono::duration<double>(deadline),
                                    [&] { return finished == runs.size(); });
  }
  if (!allDone) {
    // Threads stuck in a CUDA call cannot be joined: report and leave.
    for (auto& run : runs) {
      GpuSnapshot snapshot = snapshotOf(*run);
      std::lock_guard<std::mutex> lock(run->mutex);
      if (!run->finished) {
        CheckResult hung;
        hung.name = run->currentCheck.empty() ? "gpu-worker" : run->currentCheck;
        hung.status = Status::Fail;
        hung.reason = "did not finish within the " + std::to_string(static_cast<int>(deadline)) +
                      " s deadline: the GPU may be hung (look for XID errors in the kernel log)";
        snapshot.checks.push_back(hung);
      }
      report.gpus.push_back(snapshot);
    }
    report.durationSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
    int code = emitReport(report);
    std::_Exit(code);
  }
  for (auto& worker : workers) worker.join();

  std::vector<CheckResult> after = runNodeChecks(node, registry.node(), NodeCheck::Phase::AfterGpuChecks);
  report.nodeChecks.insert(report.nodeChecks.end(), after.begin(), after.end());
  for (auto& run : runs) report.gpus.push_back(snapshotOf(*run));
  report.durationSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
  return emitReport(report);
}

}  // namespace
}  // namespace gv

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return gv::run(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gpu-validate: internal error: %s\n", e.what());
    return gv::kExitCouldNotRun;
  }
}
