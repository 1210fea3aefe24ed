// The per-node report: JSON (schemaVersion 1, see schema/report.schema.json)
// and the human table, plus atomic file writing.
#pragma once

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

}  // namespace gv
