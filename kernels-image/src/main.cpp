// gpu-validate: parses the command line, then hands the run to
// runValidation (src/core/run.h: the checks on every GPU of the pod
// concurrently, the node checks, one deadline over all of it) with the real
// CUDA and NVML, and reports a verdict whose exit code means pass (0), fail
// (1), could not run (2) or bad usage (3).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli.h"
#include "cuda/device_checks.h"
#include "cuda/device_discovery.h"
#include "cuda/registry.h"
#include "report.h"
#include "run.h"

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

int run(const std::vector<std::string>& args, double startedAt) {
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

  RunIdentity identity;
  identity.toolVersion = GV_VERSION;
  identity.toolBuild = kToolBuildBinary;
  identity.cublas = builtWithCublas();
  identity.cudaArchitectures = GV_CUDA_ARCHITECTURES;
  identity.startedAtUtc = utcNow();
  identity.nodeName = resolveNodeName(options.nodeName, std::getenv("NODE_NAME"), hostName());

  CheckRegistry registry = makeCheckRegistry();
  CheckSet checks;
  checks.gpu = std::move(registry.gpuChecks);
  checks.node = std::move(registry.nodeChecks);

  RunPlatform platform;
  platform.openNvml = [](std::string* whyNot) { return openNvmlLibrary("libnvidia-ml.so.1", whyNot); };
  platform.discover = discoverDevices;
  platform.initializeDevice = initializeDevice;
  platform.runSlice = runSliceProcess;
  platform.startedAt = startedAt;
  const char* child = std::getenv(kMigChildEnvironment);
  platform.migChild = child && std::string(child) == "1";

  RunOutcome outcome = runValidation(options, table, std::move(checks), std::move(platform), identity);
  int code = emitReport(outcome.report);
  // Threads stuck inside a CUDA call (a hung GPU) can neither be joined nor
  // stopped: leave without running destructors under them.
  if (outcome.abandoned) std::_Exit(code);
  return code;
}

}  // namespace
}  // namespace gv

int main(int argc, char** argv) {
  double startedAt = gv::steadyClock().now();  // the deadline counts from here
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return gv::run(args, startedAt);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gpu-validate: internal error: %s\n", e.what());
    return gv::kExitCouldNotRun;
  }
}
