// The per-node report: JSON (schemaVersion 1, see schema/report.schema.json)
// and the human table, plus atomic file writing.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "check.h"
#include "json.h"
#include "verdict.h"

namespace gv {

struct GpuSnapshot {
  GpuIdentity identity;
  std::string skuKey;  // empty: unknown SKU
  std::string skuName;
  std::string skuMatchedBy;
  bool timeSliced = false;
  std::string sharingSource;
  std::vector<CheckResult> checks;
};

struct RunReport {
  std::string toolVersion;
  bool cublas = false;
  std::string cudaArchitectures;
  std::string skuTableUpdated;
  std::string startedAtUtc;
  double durationSeconds = 0.0;
  Options options;
  std::string nodeName;
  NodeFacts facts;
  bool nvmlAvailable = false;
  std::string nvmlReason;
  std::vector<GpuSnapshot> gpus;
  std::vector<CheckResult> nodeChecks;
  std::optional<std::string> couldNotRunReason;  // run-level: no driver, no device
  VerdictResult verdict;                         // filled by finalizeVerdict()
  std::vector<std::string> injectedFaults;
};

// Decides report.verdict from every result and couldNotRunReason.
void finalizeVerdict(RunReport& report);

Json checkToJson(const CheckResult& result);
Json reportToJson(const RunReport& report);
std::string renderTable(const RunReport& report);

// Labelled results of a whole report, for decideVerdict().
std::vector<LabelledResult> labelledResults(const RunReport& report);

// Writes to FILE.tmp.<pid> in the same directory, then renames over FILE, so
// readers never see half a report.
bool writeFileAtomically(const std::string& path, const std::string& content, std::string* error);

std::string formatCudaVersion(int version);  // 13000 -> "13.0"

// Kubernetes keeps at most 4096 bytes of a termination message; stay below.
inline constexpr std::size_t kTerminationSummaryMaxBytes = 4000;

// Plain text for a termination message: "gpu-validate <verdict> on <node>
// (exit <code>)", the injected faults and the could-not-run reason if any,
// then one line per failed or errored check ("gpu3 hbm-bandwidth: fail:
// 2100.5 GB/s vs floor 2345 GB/s: <reason>", "node ..." for node checks).
// One line per item (control characters become spaces), never more than
// maxBytes: lines that do not fit are replaced by "... N more".
std::string terminationSummary(const RunReport& report, std::size_t maxBytes = kTerminationSummaryMaxBytes);

// Truncates FILE and writes CONTENT in place. Unlike writeFileAtomically no
// temporary is renamed over it: /dev/termination-log is a file the kubelet
// bind-mounts, which rename cannot replace (and /dev is not ours to write).
bool writeFileInPlace(const std::string& path, const std::string& content, std::string* error);

}  // namespace gv
