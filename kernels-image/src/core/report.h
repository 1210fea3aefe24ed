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
  bool nvlinkExpected = false;  // its SKU has an NVLink P2P floor (skip policy: p2p without peer access)
  std::vector<CheckResult> checks;
};

// The one deadline of a run (--deadline): NVML init, discovery, the GPU
// checks and the node checks after them all happen before it.
struct DeadlineInfo {
  double seconds = 0.0;
  bool expired = false;
  std::string phase;                    // where the run was when it expired
  std::vector<std::string> unfinished;  // "gpu3 memory-pattern", "node p2p-bandwidth", "discovery"
};

// What built the report: the real binary, or the synthetic fixture generator.
inline constexpr const char* kToolBuildBinary = "gpu-validate";
inline constexpr const char* kToolBuildSampleReports = "sample_reports";

struct RunReport {
  std::string toolVersion;
  std::string toolBuild = kToolBuildBinary;  // kToolBuildSampleReports: synthetic, no GPU measured anything
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
  DeadlineInfo deadline;
  VerdictResult verdict;                         // filled by finalizeVerdict()
  std::vector<std::string> injectedFaults;
};

// Applies the skip policy (skip_policy.h), then decides report.verdict from
// every result, the deadline and couldNotRunReason.
void finalizeVerdict(RunReport& report);

// The deadline's part of the verdict: "the 150 s deadline passed during
// gpu-checks: gpu3 memory-pattern did not finish"; nullopt when it did not pass.
std::optional<std::string> timeoutReason(const DeadlineInfo& deadline);

Json checkToJson(const CheckResult& result);
Json reportToJson(const RunReport& report);

// The inverse of checkToJson and of one entry of reportToJson's "gpus", for
// reports of child runs (one per MIG slice, see run.h). Throws JsonError.
CheckResult checkFromJson(const Json& json);
GpuSnapshot gpuSnapshotFromJson(const Json& json);
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
