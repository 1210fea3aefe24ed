#include "verdict.h"

#include <functional>

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

// "gpu0/a, gpu1/b, ..." for the results `select` picks; `withReason` adds the
// first one's reason, which is usually the same for all (one cause, many checks).
std::string listOf(const std::vector<LabelledResult>& results, const std::function<bool(const CheckResult&)>& select,
                   std::size_t* count, bool withReason = false) {
  std::string out;
  *count = 0;
  for (const auto& [label, result] : results) {
    if (!select(*result)) continue;
    ++*count;
    if (*count > 6) continue;
    out += (out.empty() ? "" : ", ") + label + "/" + result->name;
    if (withReason && *count == 1 && !result->reason.empty()) out += " (" + result->reason + ")";
  }
  if (*count > 6) out += ", ...";
  return out;
}

}  // namespace

VerdictResult decideVerdict(const std::vector<LabelledResult>& results,
                            const std::optional<std::string>& couldNotRunReason,
                            const std::optional<std::string>& timeout) {
  VerdictResult out;
  std::size_t failed = 0, errored = 0, unexempted = 0, skipped = 0, passed = 0;
  std::string failedList = listOf(results, [](const CheckResult& r) { return r.status == Status::Fail; }, &failed);
  std::string erroredList =
      listOf(results, [](const CheckResult& r) { return r.status == Status::Error; }, &errored, true);
  std::string unexemptedList = listOf(
      results, [](const CheckResult& r) { return r.status == Status::Skip && !r.exemption; }, &unexempted, true);
  listOf(results, [](const CheckResult& r) { return r.status == Status::Skip; }, &skipped);
  listOf(results, [](const CheckResult& r) { return r.status == Status::Pass; }, &passed);

  if (failed > 0) {
    out.verdict = Verdict::Fail;
    out.reason = std::to_string(failed) + " check(s) failed: " + failedList;
    if (timeout) out.reason += "; also timeout: " + *timeout;
  } else if (timeout) {
    out.verdict = Verdict::CouldNotRun;
    out.reason = "timeout: " + *timeout;
  } else if (couldNotRunReason) {
    out.verdict = Verdict::CouldNotRun;
    out.reason = *couldNotRunReason;
  } else if (errored > 0 || unexempted > 0) {
    out.verdict = Verdict::CouldNotRun;
    std::string reason = "could not validate: ";
    if (errored > 0) reason += std::to_string(errored) + " check(s) could not complete: " + erroredList;
    if (errored > 0 && unexempted > 0) reason += "; ";
    if (unexempted > 0)
      reason += std::to_string(unexempted) + " check(s) skipped without an exemption: " + unexemptedList;
    out.reason = reason;
  } else if (passed == 0) {
    out.verdict = Verdict::CouldNotRun;
    out.reason = "could not validate: no check produced a pass";
  } else {
    out.verdict = Verdict::Pass;
    out.reason = std::to_string(passed) + " check(s) passed, " + std::to_string(skipped) + " skipped (exempt)";
  }
  out.exitCode = exitCodeFor(out.verdict);
  return out;
}

}  // namespace gv
