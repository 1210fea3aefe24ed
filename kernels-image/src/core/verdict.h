// The node verdict and the exit code that carries it.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "check.h"

namespace gv {

enum class Verdict { Pass, Fail, CouldNotRun };

inline constexpr int kExitPass = 0;
inline constexpr int kExitFail = 1;
inline constexpr int kExitCouldNotRun = 2;
inline constexpr int kExitBadUsage = 3;

const char* toString(Verdict verdict);  // "pass", "fail", "could-not-run"
int exitCodeFor(Verdict verdict);

struct VerdictResult {
  Verdict verdict = Verdict::CouldNotRun;
  int exitCode = kExitCouldNotRun;
  std::string reason;
};

// A labelled result, e.g. {"gpu0", &hbmResult} or {"node", &inventoryResult}.
using LabelledResult = std::pair<std::string, const CheckResult*>;

// In this order:
//   any fail                                  -> fail (1), proven bad (a timeout is named too);
//   the run's deadline passed (`timeout`)     -> could-not-run (2), reason "timeout: ...";
//   a run-level reason (no GPU, no driver)    -> could-not-run (2);
//   a check error, or a skip without an
//   exemption (CheckResult::exemption)        -> could-not-run (2), "could not validate: ...";
//   no pass at all                            -> could-not-run (2);
//   otherwise                                 -> pass (0).
// Nothing that was not proven passes: a skip counts only when the skip
// policy (skip_policy.h) gave it an exemption.
VerdictResult decideVerdict(const std::vector<LabelledResult>& results,
                            const std::optional<std::string>& couldNotRunReason,
                            const std::optional<std::string>& timeout = std::nullopt);

}  // namespace gv
