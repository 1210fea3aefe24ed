#include "verdict.h"

namespace gv {

const char* toString(Verdict verdict) {
  switch (verdict) {
    case Verdict::Pass: return "pass";
    case Verdict::Fail: return "fail";
    case Verdict::CouldNotRun: return "could-not-run";
  }
  return "?";
}

int exitCodeFor(Verdict verdict) {
  switch (verdict) {
    case Verdict::Pass: return kExitPass;
    case Verdict::Fail: return kExitFail;
    case Verdict::CouldNotRun: return kExitCouldNotRun;
  }
  return kExitCouldNotRun;
}

namespace {

std::string listOf(const std::vector<LabelledResult>& results, Status status, std::size_t* count) {
  std::string out;
  *count = 0;
  for (const auto& [label, result] : results) {
    if (result->status != status) continue;
    ++*count;
    if (*count <= 6) out += (out.empty() ? "" : ", ") + label + "/" + result->name;
  }
  if (*count > 6) out += ", ...";
  return out;
}

}  // namespace

VerdictResult decideVerdict(const std::vector<LabelledResult>& results,
                            const std::optional<std::string>& couldNotRunReason) {
  VerdictResult out;
  std::size_t failed = 0, errored = 0, skipped = 0, passed = 0;
  std::string failedList = listOf(results, Status::Fail, &failed);
  std::string erroredList = listOf(results, Status::Error, &errored);
  listOf(results, Status::Skip, &skipped);
  listOf(results, Status::Pass, &passed);

  if (failed > 0) {
    out.verdict = Verdict::Fail;
    out.reason = std::to_string(failed) + " check(s) failed: " + failedList;
  } else if (couldNotRunReason) {
    out.verdict = Verdict::CouldNotRun;
    out.reason = *couldNotRunReason;
  } else if (errored > 0) {
    out.verdict = Verdict::CouldNotRun;
    out.reason = std::to_string(errored) + " check(s) could not complete: " + erroredList;
  } else if (passed == 0) {
    out.verdict = Verdict::CouldNotRun;
    out.reason = "no check produced a pass (all skipped)";
  } else {
    out.verdict = Verdict::Pass;
    out.reason = std::to_string(passed) + " check(s) passed, " + std::to_string(skipped) + " skipped";
  }
  out.exitCode = exitCodeFor(out.verdict);
  return out;
}

}  // namespace gv
