#include "registry.h"

#include <sstream>

#include "device_checks.h"
#include "health.h"

namespace gv {

namespace {

std::string profilesOf(unsigned mask) {
  if (mask == kBothProfiles) return "quick,full";
  return mask == kQuickProfile ? "quick" : "full";
}

std::string pad(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

}  // namespace

CheckRegistry makeCheckRegistry() {
  CheckRegistry registry;
  // Per GPU. health-baseline reads NVML before any load (counters to compare
  // with, the XID watch); the health checks that read NVML after it run last
  // so they see what the load did (ECC errors it provoked, XIDs, link errors,
  // throttling, link state under load).
  auto watch = std::make_shared<HealthWatch>();
  registry.gpuChecks.push_back(makeMigSliceCheck());
  registry.gpuChecks.push_back(makeHealthBaselineCheck(watch));
  registry.gpuChecks.push_back(makeHbmBandwidthCheck());
  registry.gpuChecks.push_back(makeMemoryPatternCheck());
  registry.gpuChecks.push_back(makeGemmCorrectnessCheck());
  registry.gpuChecks.push_back(makeGemmThroughputCheck());
  registry.gpuChecks.push_back(makePinnedBandwidthCheck());
  registry.gpuChecks.push_back(makeSustainedLoadCheck());
  registry.gpuChecks.push_back(makeEccErrorsCheck());
  registry.gpuChecks.push_back(makeRowRemapCheck(watch));
  registry.gpuChecks.push_back(makePcieLinkCheck(watch));
  registry.gpuChecks.push_back(makeNvLinkHealthCheck(watch));
  registry.gpuChecks.push_back(makeXidEventsCheck(watch));
  registry.gpuChecks.push_back(makeRecoveryActionCheck());
  registry.gpuChecks.push_back(makeClocksUnderLoadCheck());
  // Per node: inventory before the GPU checks, comparisons after.
  registry.nodeChecks.push_back(makeInventoryCheck());
  registry.nodeChecks.push_back(makeP2pBandwidthCheck());
  registry.nodeChecks.push_back(makeNodeConsistencyCheck());
  return registry;
}

std::vector<GpuCheck*> CheckRegistry::gpu() const {
  std::vector<GpuCheck*> out;
  for (const auto& check : gpuChecks) out.push_back(check.get());
  return out;
}

std::vector<NodeCheck*> CheckRegistry::node() const {
  std::vector<NodeCheck*> out;
  for (const auto& check : nodeChecks) out.push_back(check.get());
  return out;
}

std::string renderCheckList(const CheckRegistry& registry) {
  std::ostringstream out;
  out << pad("CHECK", 19) << pad("SCOPE", 6) << pad("PROFILES", 11) << "WHAT IT DOES\n";
  auto row = [&](const CheckInfo& info, const char* scope) {
    out << pad(info.name, 19) << pad(scope, 6) << pad(profilesOf(info.profiles), 11) << info.description << "\n";
  };
  for (const auto& check : registry.nodeChecks)
    if (check->phase() == NodeCheck::Phase::BeforeGpuChecks) row(check->info(), "node");
  for (const auto& check : registry.gpuChecks) row(check->info(), "gpu");
  for (const auto& check : registry.nodeChecks)
    if (check->phase() == NodeCheck::Phase::AfterGpuChecks) row(check->info(), "node");
  return out.str();
}

}  // namespace gv
