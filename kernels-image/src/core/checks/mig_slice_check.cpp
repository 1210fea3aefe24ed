// mig-slice: is this device the MIG slice the pool promised? Compares MIG
// mode with --sharing, the profile with --expect-mig-profile, and the visible
// memory and SM count with what that profile provides.
#include <sstream>

#include "../check.h"
#include "../mig_profile.h"

namespace gv {

namespace {

std::string gib(std::uint64_t bytes) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(2);
  out << bytes / (1024.0 * 1024.0 * 1024.0) << " GiB";
  return out.str();
}

class MigSliceCheck final : public GpuCheck {
 public:
  CheckInfo info() const override {
    return {"mig-slice",
            "MIG mode vs --sharing; profile, visible memory and SM count vs --expect-mig-profile / the profile table",
            kBothProfiles};
  }
  bool usesCuda() const override { return false; }

  CheckResult run(GpuContext& context) override {
    const GpuIdentity& id = context.identity;
    const Options& options = context.options;
    CheckResult result;
    result.name = "mig-slice";
    result.details.set("migInstance", id.migInstance);
    result.details.set("detection", id.migDetection);
    result.details.set("deviceProfile", id.migProfile);
    result.details.set("expectedProfile", options.expectMigProfile);
    result.details.set("visibleSmCount", id.smCount);
    result.details.set("visibleMemoryBytes", id.totalMemoryBytes);

    bool promisedMig = options.sharing == SharingMode::Mig || options.expectMigProfile.has_value();
    if (!id.migInstance) {
      if (promisedMig) {
        result.status = Status::Fail;
        result.reason = std::string("the pool promised a MIG slice (") +
                        (options.expectMigProfile ? *options.expectMigProfile : "--sharing mig") +
                        ") but this device is a whole GPU (" + id.migDetection + ")";
      } else {
        result.status = Status::Skip;
        result.reason = "not a MIG instance (" + id.migDetection + ")";
      }
      return result;
    }

    std::vector<std::string> problems;
    if (options.sharing == SharingMode::Exclusive)
      problems.push_back("the pool promised whole GPUs (--sharing exclusive) but this device is a MIG instance");

    std::optional<MigProfileName> device = id.migProfile ? parseMigProfile(*id.migProfile) : std::nullopt;
    std::optional<MigProfileName> expected =
        options.expectMigProfile ? parseMigProfile(*options.expectMigProfile) : std::nullopt;
    if (device && expected && device->baseName() != expected->baseName())
      problems.push_back("device is MIG " + device->canonical() + ", the pool promised " + expected->canonical());

    std::optional<MigProfileName> judgedAs = expected ? expected : device;
    if (!judgedAs) {
      result.status = problems.empty() ? Status::Skip : Status::Fail;
      result.reason = problems.empty() ? "MIG instance whose profile is unknown (no NVML name, no profile in the "
                                         "CUDA name); pass --expect-mig-profile to check its size"
                                       : problems.front();
      return result;
    }

    MigSliceExpectation slice = expectedMigSlice(*judgedAs, context.sku, context.skus.migPolicy());
    result.details.set("judgedAsProfile", slice.profile);
    result.details.set("expectedMemoryBytesMin", slice.minMemoryBytes);
    result.details.set("expectedMemoryBytesMax", slice.maxMemoryBytes);
    result.details.set("expectedSmCount", slice.smCount);
    result.details.set("smCountSource", slice.smSource);

    if (id.totalMemoryBytes < slice.minMemoryBytes || id.totalMemoryBytes > slice.maxMemoryBytes)
      problems.push_back("visible memory " + gib(id.totalMemoryBytes) + " is outside " + gib(slice.minMemoryBytes) +
                         ".." + gib(slice.maxMemoryBytes) + " for " + slice.profile);
    if (slice.smCount && id.smCount != *slice.smCount)
      problems.push_back("visible " + std::to_string(id.smCount) + " SMs, " + slice.profile + " has " +
                         std::to_string(*slice.smCount));

    Threshold threshold = makeThreshold(
        Comparison::AtLeast, slice.minMemoryBytes / (1024.0 * 1024.0 * 1024.0), "GiB",
        slice.memorySource + "; SM count: " + slice.smSource);
    result.value = id.totalMemoryBytes / (1024.0 * 1024.0 * 1024.0);
    result.unit = "GiB";
    result.threshold = threshold;
    if (problems.empty()) {
      result.status = Status::Pass;
      result.reason = "MIG " + slice.profile + ": " + gib(id.totalMemoryBytes) + ", " + std::to_string(id.smCount) +
                      " SMs" + (slice.smCount ? "" : " (SM count not judged)");
    } else {
      result.status = Status::Fail;
      std::string joined;
      for (const auto& problem : problems) joined += (joined.empty() ? "" : "; ") + problem;
      result.reason = joined;
    }
    return result;
  }
};

}  // namespace

std::unique_ptr<GpuCheck> makeMigSliceCheck() { return std::make_unique<MigSliceCheck>(); }

}  // namespace gv
