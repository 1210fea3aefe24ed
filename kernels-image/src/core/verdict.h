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

// Any fail -> fail (1). Otherwise a run-level reason (no GPU, no driver) or any
// check error -> could-not-run (2): nothing proved the GPUs bad, nothing proved
// them good. Otherwise pass (0); skips do not block a pass.
VerdictResult decideVerdict(const std::vector<LabelledResult>& results,
                            const std::optional<std::string>& couldNotRunReason);

}  // namespace gv
