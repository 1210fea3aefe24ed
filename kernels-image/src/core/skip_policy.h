// Which skips a verdict may pass over. A check that did not run proved
// nothing, so a skip counts towards a pass only when a rule of this table
// exempts it: a documented reason, tied to the context the pool configured
// (whole GPU, MIG slice, time-sliced replica) and to a structural fact of the
// result (a threshold's notBindingReason, a detail, the GPUs of the pod), never
// to a guess. Every other skip makes the run "could not validate" (exit 2).
// The table is skip_policy.cpp's kRules; docs/gpu-validation.md lists it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "report.h"

namespace gv {

// Where a result was produced.
enum SkipScope : unsigned {
  kScopeWholeGpu = 1u << 0,    // a GPU check on a whole GPU
  kScopeMigSlice = 1u << 1,    // a GPU check on a MIG instance
  kScopeTimeSliced = 1u << 2,  // a GPU check on a GPU the run was told is shared (--sharing time-slicing)
  kScopeNode = 1u << 3,        // a node check
};

// What a rule looks at.
struct SkipSubject {
  const CheckResult& result;
  const GpuSnapshot* gpu;  // null for node checks
  const RunReport& report;
};

struct SkipRule {
  const char* id;                   // stable, e.g. "time-sliced-floors"
  std::vector<std::string> checks;  // the checks it may exempt
  unsigned scopes;                  // SkipScope bits where it applies
  const char* exemption;            // what the report says
  bool (*applies)(const SkipSubject& subject);
};

const std::vector<SkipRule>& skipRules();

// The scope bits of a GPU check's result (node checks: kScopeNode).
unsigned skipScopeOf(const GpuSnapshot* gpu, const RunReport& report);

// The rule that exempts this skip, or null.
const SkipRule* exemptingRule(const SkipSubject& subject);

// Sets CheckResult::exemption ("<id>: <text>") on every skip of the report a
// rule exempts, and clears it everywhere else.
void applySkipPolicy(RunReport& report);

}  // namespace gv
