// inventory: the GPUs the pod was given are all there, usable by this build,
// and the SKU the pool promised. Runs before any GPU check.
#include <set>
#include <sstream>

#include "../check.h"

namespace gv {

namespace {

std::string version(int cudaVersion) {
  return std::to_string(cudaVersion / 1000) + "." + std::to_string((cudaVersion % 1000) / 10);
}

class InventoryCheck final : public NodeCheck {
 public:
  CheckInfo info() const override {
    return {"inventory",
            "visible GPUs vs --expect-gpus (else NVML count), lost GPUs, driver/runtime versions, compute capability, "
            "SKU and SM count vs --expect-sku",
            kBothProfiles};
  }
  Phase phase() const override { return Phase::BeforeGpuChecks; }

  CheckResult run(NodeContext& context) override {
    const NodeFacts& facts = context.facts;
    const Options& options = context.options;
    CheckResult result;
    result.name = "inventory";
    Json versions = Json::object();
    versions.set("cudaRuntime", facts.cudaRuntimeVersion ? Json(version(facts.cudaRuntimeVersion)) : Json());
    versions.set("cudaDriverApi", facts.cudaDriverVersion ? Json(version(facts.cudaDriverVersion)) : Json());
    versions.set("nvmlDriver", facts.nvmlDriverVersion);
    versions.set("nvmlCudaDriver", facts.nvmlCudaDriverVersion ? Json(version(*facts.nvmlCudaDriverVersion)) : Json());
    result.details.set("versions", versions);
    if (facts.nvmlCudaDriverVersion && facts.cudaDriverVersion &&
        *facts.nvmlCudaDriverVersion != facts.cudaDriverVersion)
      result.details.set("versionNote", "libcuda reports CUDA " + version(facts.cudaDriverVersion) +
                                            ", the kernel driver " + version(*facts.nvmlCudaDriverVersion) +
                                            ": a forward-compatibility libcuda is in use");

    std::vector<std::string> failures, errors;
    int found = facts.cudaDeviceCountError ? 0 : facts.cudaDeviceCount;
    int visible = found;
    if (context.faults.has(Fault::GpuMissing)) {
      result.injectedFaults.push_back("gpu-missing");
      visible = found > 0 ? found - 1 : 0;
    }

    // NVML's count is only comparable for whole GPUs: under MIG, CUDA lists
    // slices while NVML lists their parents.
    bool anyMig = false;
    for (const GpuRun* gpu : context.gpus) anyMig = anyMig || gpu->context->identity.migInstance;
    int expected = found;
    std::string expectedSource = "CUDA device count (no other expectation)";
    if (options.expectGpus) {
      expected = *options.expectGpus;
      expectedSource = "--expect-gpus (what the Kubernetes Job requested)";
    } else if (facts.nvmlDeviceCount && !anyMig && !facts.cudaDeviceCountError) {
      expected = static_cast<int>(*facts.nvmlDeviceCount);
      expectedSource = "NVML device count (GPUs the container can see)";
    }

    if (facts.cudaDeviceCountError) {
      std::string cudaText = "CUDA cannot enumerate GPUs: " + facts.cudaErrorString;
      if (facts.cudaNoDevice && options.expectGpus && *options.expectGpus > 0)
        failures.push_back("expected " + std::to_string(*options.expectGpus) + " GPU(s), CUDA sees none (" +
                           facts.cudaErrorString + ")");
      else
        errors.push_back(cudaText);
    }
    if (!facts.cudaDeviceCountError && visible < expected)
      failures.push_back(std::to_string(visible) + " GPU(s) visible, " + std::to_string(expected) + " expected (" +
                         expectedSource + ")");
    for (unsigned index : facts.nvmlLostIndices)
      failures.push_back("NVML device " + std::to_string(index) + " is lost (fallen off the bus?)");

    const SkuSpec* expectedSku = options.expectSku ? context.skus.findByKeyOrId(*options.expectSku) : nullptr;
    Json gpus = Json::array();
    std::set<std::string> uuids;
    for (const GpuRun* run : context.gpus) {
      const GpuContext& gpu = *run->context;
      const GpuIdentity& id = gpu.identity;
      std::string label = "GPU " + std::to_string(id.cudaIndex) + " (" + id.name + ")";
      Json entry = Json::object();
      entry.set("index", id.cudaIndex);
      entry.set("name", id.name);
      entry.set("pciDeviceId", id.pciDeviceId ? Json(formatPciDeviceId(*id.pciDeviceId)) : Json());
      entry.set("sku", gpu.sku ? Json(gpu.sku->key) : Json());
      entry.set("computeCapability", std::to_string(id.computeMajor) + "." + std::to_string(id.computeMinor));
      entry.set("smCount", id.smCount);
      gpus.push(entry);
      if (!uuids.insert(id.uuid).second && !id.uuid.empty())
        result.details.set("note", "several CUDA devices share one UUID (time-sliced replicas of one GPU)");
      if (id.computeMajor * 10 + id.computeMinor < 75)
        errors.push_back(label + " has compute capability " + std::to_string(id.computeMajor) + "." +
                         std::to_string(id.computeMinor) + "; this build (CUDA 13) needs 7.5 or newer");
      if (expectedSku) {
        // The SKU's id or one of its variants (B200: 0x2901 or 0x2909).
        bool idMatches = id.pciDeviceId ? expectedSku->matchesPciDeviceId(*id.pciDeviceId)
                                        : gpu.skuMatchedBy == "cuda-name" && gpu.sku == expectedSku;
        if (!idMatches)
          failures.push_back(label + " is not a " + expectedSku->key + " (PCI device id " +
                             (id.pciDeviceId ? formatPciDeviceId(*id.pciDeviceId) : std::string("unknown")) +
                             ", expected " + formatPciDeviceId(expectedSku->pciDeviceId) + ")" +
                             (expectedSku->pciDeviceIdVariants.empty()
                                  ? std::string()
                                  : " (or a variant: " + expectedSku->pciDeviceIdsText() + ")"));
      }
      if (gpu.sku && !id.migInstance && gpu.sku->smCount.value && id.smCount != int(*gpu.sku->smCount.value))
        failures.push_back(label + " has " + std::to_string(id.smCount) + " SMs, a " + gpu.sku->key + " has " +
                           std::to_string(int(*gpu.sku->smCount.value)) + " (" + gpu.sku->smCount.source + ")");
    }
    result.details.set("gpus", gpus);
    result.details.set("expectedGpusSource", expectedSource);
    if (facts.nvmlDeviceCount) result.details.set("nvmlDeviceCount", *facts.nvmlDeviceCount);

    // Without a working CUDA there is no count to judge unless the Job said how many it requested.
    if (!facts.cudaDeviceCountError || options.expectGpus) {
      Threshold threshold = makeThreshold(Comparison::AtLeast, expected, "GPUs", expectedSource);
      result.value = visible;
      result.unit = "GPUs";
      result.threshold = threshold;
    }
    std::string joined;
    for (const auto& text : failures.empty() ? errors : failures) joined += (joined.empty() ? "" : "; ") + text;
    if (!failures.empty()) {
      result.status = Status::Fail;
      result.reason = joined;
    } else if (!errors.empty()) {
      result.status = Status::Error;
      result.reason = joined;
    } else {
      result.status = Status::Pass;
      std::ostringstream text;
      text << visible << " GPU(s) visible as expected";
      if (expectedSku) text << ", all " << expectedSku->key;
      result.reason = text.str();
    }
    return result;
  }
};

}  // namespace

std::unique_ptr<NodeCheck> makeInventoryCheck() { return std::make_unique<InventoryCheck>(); }

}  // namespace gv
