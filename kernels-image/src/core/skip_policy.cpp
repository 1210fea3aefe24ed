#include "skip_policy.h"

#include <algorithm>
#include <map>
#include <set>

#include "thresholds.h"

namespace gv {

namespace {

bool notBindingBecause(const CheckResult& result, const char* why) {
  return result.threshold && !result.threshold->binding && result.threshold->notBindingReason == why;
}

bool toldTimeSliced(const RunReport& report) { return report.options.sharing == SharingMode::TimeSlicing; }

bool migPromised(const RunReport& report) {
  return report.options.sharing == SharingMode::Mig || report.options.expectMigProfile.has_value() ||
         !report.options.expectMigSlices.empty();
}

// Whole GPUs the pod holds, counted once however many CUDA devices show them.
std::size_t physicalGpus(const RunReport& report) {
  std::set<std::string> uuids;
  for (const GpuSnapshot& gpu : report.gpus) uuids.insert(gpu.identity.uuid);
  return uuids.size();
}

// The groups node-consistency compares: same SKU (or name) and slice profile.
bool anyComparablePair(const RunReport& report) {
  std::map<std::string, int> groups;
  for (const GpuSnapshot& gpu : report.gpus) {
    std::string key = (gpu.skuKey.empty() ? gpu.identity.name : gpu.skuKey) + " " +
                      gpu.identity.migProfile.value_or(gpu.identity.migInstance ? "(unknown)" : "whole");
    if (++groups[key] >= 2) return true;
  }
  return false;
}

bool detailIsFalse(const CheckResult& result, const char* key) {
  const Json* value = result.details.find(key);
  return value && value->isBool() && !value->asBool();
}

std::optional<double> detailNumber(const CheckResult& result, const char* key) {
  const Json* value = result.details.find(key);
  if (!value || !value->isNumber()) return std::nullopt;
  return value->asNumber();
}

bool oneGpuExpected(const RunReport& report) { return report.options.expectGpus && *report.options.expectGpus == 1; }

// The table. Order does not matter: at most one rule matches a given skip.
const std::vector<SkipRule> kRules = {
    {"not-a-mig-instance",
     {"mig-slice"},
     kScopeWholeGpu,
     "a whole GPU, and the run was not told to expect MIG: there is no slice to check",
     [](const SkipSubject& s) { return s.gpu && !s.gpu->identity.migInstance && !migPromised(s.report); }},
    {"time-sliced-floors",
     {"hbm-bandwidth", "gemm-throughput", "pinned-bandwidth", "sustained-load"},
     kScopeTimeSliced,
     "--sharing time-slicing: another replica may share the GPU, so performance floors only report "
     "(correctness, memory and health checks still judge)",
     [](const SkipSubject& s) { return notBindingBecause(s.result, kTimeSlicedNotBinding); }},
    {"mig-host-link",
     {"pinned-bandwidth"},
     kScopeMigSlice,
     "MIG slice: every instance of the GPU shares its PCIe link, so the host-link floor only reports",
     [](const SkipSubject& s) { return notBindingBecause(s.result, kMigHostLinkNotBinding); }},
    {"mig-row-remap",
     {"row-remap"},
     kScopeMigSlice,
     "MIG slice: NVML does not answer the row-remap query on a MIG-enabled GPU with active instances "
     "(ecc-errors still judges the parent GPU)",
     [](const SkipSubject& s) { return s.result.reason.rfind("neither row remapping", 0) == 0; }},
    {"ecc-disabled",
     {"ecc-errors"},
     kScopeWholeGpu | kScopeMigSlice,
     "ECC is switched off on this GPU (a setting, not a fault), so there is no ECC counter; memory-pattern "
     "still tests the memory",
     [](const SkipSubject& s) { return detailIsFalse(s.result, "eccEnabled"); }},
    {"mig-no-nvlink",
     {"nvlink-health"},
     kScopeMigSlice,
     "MIG slice: NVLink belongs to the parent GPU, and MIG instances have no peer-to-peer path",
     [](const SkipSubject& s) { return s.result.reason.rfind("MIG instance", 0) == 0; }},
    {"no-nvlink-hardware",
     {"nvlink-health"},
     kScopeWholeGpu,
     "the GPU has no NVLink links and its SKU has no NVLink floor (a PCIe-only SKU)",
     [](const SkipSubject& s) {
       return s.gpu && !s.gpu->nvlinkExpected && detailNumber(s.result, "links") == 0.0;
     }},
    {"single-gpu-nvlink",
     {"nvlink-health"},
     kScopeWholeGpu,
     "--expect-gpus 1: a single-GPU instance of an NVLink SKU has no NVLink peer (links absent or all inactive)",
     [](const SkipSubject& s) {
       auto links = detailNumber(s.result, "links"), inactive = detailNumber(s.result, "inactiveLinks");
       return oneGpuExpected(s.report) && links && (*links == 0 || (inactive && *inactive == *links));
     }},
    {"one-physical-gpu",
     {"p2p-bandwidth"},
     kScopeNode,
     "the pod holds one physical GPU: there is no pair (inventory judges the GPU count)",
     [](const SkipSubject& s) { return !s.report.gpus.empty() && physicalGpus(s.report) < 2; }},
    {"mig-no-p2p",
     {"p2p-bandwidth"},
     kScopeNode,
     "MIG instances have no peer-to-peer path",
     [](const SkipSubject& s) {
       return std::any_of(s.report.gpus.begin(), s.report.gpus.end(),
                          [](const GpuSnapshot& gpu) { return gpu.identity.migInstance; });
     }},
    {"pcie-only-no-peer-access",
     {"p2p-bandwidth"},
     kScopeNode,
     "a PCIe-only SKU whose GPUs have no peer access: nothing to measure (on NVLink SKUs this fails)",
     [](const SkipSubject& s) {
       return !s.result.threshold && s.result.details.has("gbpsByPair") && !s.report.gpus.empty() &&
              std::none_of(s.report.gpus.begin(), s.report.gpus.end(),
                           [](const GpuSnapshot& gpu) { return gpu.nvlinkExpected; });
     }},
    {"time-sliced-node-floors",
     {"p2p-bandwidth", "node-consistency"},
     kScopeNode,
     "--sharing time-slicing: another replica may share the GPUs, so node-wide performance comparisons only report",
     [](const SkipSubject& s) {
       return toldTimeSliced(s.report) && notBindingBecause(s.result, kTimeSlicedNotBinding);
     }},
    {"no-comparable-gpus",
     {"node-consistency"},
     kScopeNode,
     "no two GPUs of the same SKU and slice profile: nothing to compare",
     [](const SkipSubject& s) { return !s.report.gpus.empty() && !anyComparablePair(s.report); }},
};

}  // namespace

const std::vector<SkipRule>& skipRules() { return kRules; }

unsigned skipScopeOf(const GpuSnapshot* gpu, const RunReport& report) {
  if (!gpu) return kScopeNode;
  unsigned scope = gpu->identity.migInstance ? kScopeMigSlice : kScopeWholeGpu;
  // Only a sharing the run was told about exempts: an auto-detected neighbour
  // (another process on the GPU at start) is not a configured exemption.
  if (gpu->timeSliced && toldTimeSliced(report)) scope |= kScopeTimeSliced;
  return scope;
}

const SkipRule* exemptingRule(const SkipSubject& subject) {
  if (subject.result.status != Status::Skip) return nullptr;
  unsigned scope = skipScopeOf(subject.gpu, subject.report);
  for (const SkipRule& rule : kRules) {
    if (!(rule.scopes & scope)) continue;
    if (std::find(rule.checks.begin(), rule.checks.end(), subject.result.name) == rule.checks.end()) continue;
    if (rule.applies(subject)) return &rule;
  }
  return nullptr;
}

void applySkipPolicy(RunReport& report) {
  auto apply = [&report](CheckResult& result, const GpuSnapshot* gpu) {
    result.exemption.reset();
    if (const SkipRule* rule = exemptingRule({result, gpu, report}))
      result.exemption = std::string(rule->id) + ": " + rule->exemption;
  };
  for (CheckResult& check : report.nodeChecks) apply(check, nullptr);
  for (GpuSnapshot& gpu : report.gpus)
    for (CheckResult& check : gpu.checks) apply(check, &gpu);
}

}  // namespace gv
