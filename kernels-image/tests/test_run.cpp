// runValidation (src/core/run.h) end to end on fakes: a GPU whose CUDA
// context cannot be created and NVML that is missing or refuses never pass;
// the one deadline covers NVML init, discovery, the GPU checks and the node
// checks after them (on a clock the test moves by hand: no test here waits for
// wall-clock time to pass); every MIG slice is validated by a run of its own;
// and the skip policy exempts only what its table says.
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "cli.h"
#include "context_setup.h"
#include "fake_nvml.h"
#include "report.h"
#include "run.h"
#include "skip_policy.h"
#include "test_framework.h"

namespace {

using gv::CheckResult;
using gv::Status;

// Time moves only when a test says so; waitUntil looks at that time.
class ManualClock final : public gv::Clock {
 public:
  double now() override { return now_.load(); }
  void advance(double seconds) { now_ = now_.load() + seconds; }
  bool waitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& signal, double deadline,
                 const std::function<bool()>& done) override {
    waitedFor = deadline;
    while (!done()) {
      if (now() >= deadline) return false;
      signal.wait_for(lock, std::chrono::milliseconds(1));  // polls the hand-moved time, decides nothing itself
    }
    return true;
  }
  double waitedFor = -1;

 private:
  std::atomic<double> now_{1000.0};
};

// Holds a "hung" call until the test releases it.
struct Latch {
  std::mutex mutex;
  std::condition_variable signal;
  bool open = false;
  void wait() {
    std::unique_lock<std::mutex> lock(mutex);
    signal.wait(lock, [this] { return open; });
  }
  void release() {
    std::lock_guard<std::mutex> lock(mutex);
    open = true;
    signal.notify_all();
  }
};

// A device check that passes (or fails) when it runs, and counts its runs.
class FakeDeviceCheck final : public gv::GpuCheck {
 public:
  FakeDeviceCheck(std::string name, std::atomic<int>* runs, Status status = Status::Pass)
      : name_(std::move(name)), runs_(runs), status_(status) {}
  gv::CheckInfo info() const override { return {name_, "fake device check", gv::kBothProfiles}; }
  bool usesCuda() const override { return true; }
  CheckResult run(gv::GpuContext&) override {
    ++*runs_;
    CheckResult result;
    result.status = status_;
    result.value = 100.0;  // something node-consistency can compare
    result.unit = "units";
    result.reason = name_ + " ran";
    return result;
  }

 private:
  std::string name_;
  std::atomic<int>* runs_;
  Status status_;
};

// A check that hangs: it moves the clock past the deadline, then blocks.
class HangingGpuCheck final : public gv::GpuCheck {
 public:
  HangingGpuCheck(ManualClock* clock, Latch* latch) : clock_(clock), latch_(latch) {}
  gv::CheckInfo info() const override { return {"hanging-check", "never returns in time", gv::kBothProfiles}; }
  bool usesCuda() const override { return true; }
  CheckResult run(gv::GpuContext&) override {
    clock_->advance(10000);
    latch_->wait();
    CheckResult result;
    result.status = Status::Pass;
    return result;
  }

 private:
  ManualClock* clock_;
  Latch* latch_;
};

class HangingNodeCheck final : public gv::NodeCheck {
 public:
  HangingNodeCheck(ManualClock* clock, Latch* latch) : clock_(clock), latch_(latch) {}
  gv::CheckInfo info() const override { return {"hanging-p2p", "a peer copy that never completes", gv::kBothProfiles}; }
  Phase phase() const override { return Phase::AfterGpuChecks; }
  CheckResult run(gv::NodeContext&) override {
    clock_->advance(10000);
    latch_->wait();
    return CheckResult{};
  }

 private:
  ManualClock* clock_;
  Latch* latch_;
};

gv::GpuIdentity h100(int index) {
  gv::GpuIdentity id;
  id.cudaIndex = index;
  id.name = "NVIDIA H100 80GB HBM3";
  id.pciDeviceId = 0x2330;
  id.pciBusId = "0000:5" + std::to_string(index) + ":00.0";
  id.uuid = "GPU-0000000" + std::to_string(index) + "-2222-3333-4444-555555555555";
  id.computeMajor = 9;
  id.smCount = 132;
  id.totalMemoryBytes = 81559ull << 20;
  id.migDetection = "NVML: MIG mode disabled on the GPU";
  id.otherComputeProcesses = 0u;
  return id;
}

// One run on fakes: `gpus` H100s, each check list as given.
struct Scenario {
  std::vector<std::string> args = {"--expect-gpus", "1", "--expect-sku", "H100-SXM", "--sharing", "exclusive"};
  int gpus = 1;
  ManualClock clock;
  std::unique_ptr<gvtest::FakeNvml> nvml = std::make_unique<gvtest::FakeNvml>();
  gvtest::FakeNvml* fake = nvml.get();
  std::string nvmlMissing;                 // non-empty: openNvml fails with this
  std::string contextError;                // non-empty: initializeDevice fails with this
  std::function<void()> duringNvmlInit;    // e.g. hang
  std::function<void()> duringDiscovery;
  std::function<gv::SliceOutcome(const gv::SliceRequest&, const std::atomic<bool>&)> runSlice;
  std::function<std::vector<gv::DiscoveredGpu>()> discovered;  // default: `gpus` H100s
  bool migChild = false;
  gv::CheckSet checks;
  std::atomic<int> deviceRuns{0};

  Scenario() { nvml->count = gv::NvmlResult<unsigned>::success(1); }

  // The default checks: MIG slice, two device checks, the NVML health checks, inventory, node consistency.
  void standardChecks() {
    checks.gpu.push_back(gv::makeMigSliceCheck());
    checks.gpu.push_back(std::make_unique<FakeDeviceCheck>("hbm-bandwidth", &deviceRuns));
    checks.gpu.push_back(std::make_unique<FakeDeviceCheck>("memory-pattern", &deviceRuns));
    checks.gpu.push_back(gv::makeEccErrorsCheck());
    checks.gpu.push_back(gv::makeRowRemapCheck());
    checks.node.push_back(gv::makeInventoryCheck());
    checks.node.push_back(gv::makeNodeConsistencyCheck());
  }

  gv::RunOutcome run() {
    gv::ParseOutcome parsed = gv::parseArguments(args);
    REQUIRE(parsed.action == gv::ParseOutcome::Action::Run);
    gv::RunPlatform platform;
    platform.openNvml = [this](std::string* whyNot) -> std::unique_ptr<gv::NvmlApi> {
      if (duringNvmlInit) duringNvmlInit();
      if (!nvmlMissing.empty()) {
        *whyNot = nvmlMissing;
        return nullptr;
      }
      return std::move(nvml);
    };
    platform.discover = [this](gv::NvmlApi* api) {
      if (duringDiscovery) duringDiscovery();
      gv::Discovery discovery;
      discovery.facts.cudaRuntimeVersion = 13000;
      discovery.facts.cudaDriverVersion = 13000;
      if (api) gv::collectNvmlFacts(*api, &discovery.facts);
      if (discovered) {
        discovery.gpus = discovered();
      } else {
        for (int i = 0; i < gpus; ++i) {
          gv::DiscoveredGpu gpu;
          gpu.identity = h100(i);
          gpu.nvmlDevice = api ? fake->handle() : nullptr;
          discovery.gpus.push_back(gpu);
        }
      }
      discovery.facts.cudaDeviceCount = static_cast<int>(discovery.gpus.size());
      return discovery;
    };
    platform.initializeDevice = [this](int) { return contextError; };
    platform.runSlice = runSlice;
    platform.clock = &clock;
    platform.startedAt = clock.now();
    platform.migChild = migChild;
    gv::RunIdentity identity;
    identity.toolVersion = "test";
    identity.nodeName = "sample-node";
    return gv::runValidation(parsed.options, gv::SkuTable::builtIn(), std::move(checks), std::move(platform),
                             identity);
  }
};

const CheckResult* find(const std::vector<CheckResult>& checks, const std::string& name) {
  for (const auto& check : checks)
    if (check.name == name) return &check;
  return nullptr;
}

}  // namespace

// ---- unusable CUDA, unusable NVML

TEST(a_gpu_whose_cuda_context_cannot_be_created_never_passes) {
  Scenario scenario;
  scenario.standardChecks();
  scenario.contextError = "creating the CUDA context failed: cudaErrorDevicesUnavailable";
  gv::RunOutcome outcome = scenario.run();
  const gv::RunReport& report = outcome.report;
  CHECK(!outcome.abandoned);
  CHECK_EQ(scenario.deviceRuns.load(), 0);  // no device check ran on it
  REQUIRE(report.gpus.size() == 1);
  const CheckResult* hbm = find(report.gpus[0].checks, "hbm-bandwidth");
  REQUIRE(hbm != nullptr);
  CHECK(hbm->status == Status::Skip);
  CHECK(!hbm->exemption);
  CHECK_CONTAINS(hbm->reason, "CUDA context unusable: creating the CUDA context failed");
  // The NVML checks still pass; that is not enough.
  CHECK(find(report.gpus[0].checks, "ecc-errors")->status == Status::Pass);
  CHECK(report.verdict.verdict == gv::Verdict::CouldNotRun);
  CHECK_EQ(report.verdict.exitCode, 2);
  CHECK_CONTAINS(report.verdict.reason, "could not validate: 2 check(s) skipped without an exemption: gpu0/hbm-bandwidth");
  CHECK_CONTAINS(gv::terminationSummary(report), "gpu0 memory-pattern: skip (no exemption): CUDA context unusable");
  CHECK_CONTAINS(gv::renderTable(report), "[no exemption] CUDA context unusable");
}

TEST(the_same_run_with_a_working_context_passes) {
  Scenario scenario;
  scenario.standardChecks();
  gv::RunOutcome outcome = scenario.run();
  CHECK_EQ(scenario.deviceRuns.load(), 2);
  CHECK_EQ(outcome.report.verdict.exitCode, 0);
  // mig-slice and node-consistency skip, each under its rule.
  CHECK_CONTAINS(*find(outcome.report.gpus[0].checks, "mig-slice")->exemption, "not-a-mig-instance: ");
  CHECK_CONTAINS(*find(outcome.report.nodeChecks, "node-consistency")->exemption, "no-comparable-gpus: ");
  CHECK(!outcome.report.deadline.expired);
  CHECK_EQ(outcome.report.deadline.seconds, 150.0);
}

TEST(missing_nvml_never_passes) {
  Scenario scenario;
  scenario.standardChecks();
  scenario.nvmlMissing = "libnvidia-ml.so.1: cannot open shared object file: No such file or directory";
  gv::RunOutcome outcome = scenario.run();
  const gv::RunReport& report = outcome.report;
  CHECK(!report.nvmlAvailable);
  CHECK_EQ(scenario.deviceRuns.load(), 2);  // CUDA works
  const CheckResult* ecc = find(report.gpus[0].checks, "ecc-errors");
  CHECK(ecc->status == Status::Skip);
  CHECK(!ecc->exemption);
  CHECK_CONTAINS(ecc->reason, "NVML unavailable: libnvidia-ml.so.1");
  CHECK_EQ(report.verdict.exitCode, 2);
  CHECK_CONTAINS(report.verdict.reason, "skipped without an exemption: gpu0/ecc-errors");
}

TEST(nvml_no_permission_is_an_error_not_a_skip) {
  CHECK(gv::classifyNvml(gv::nvml::kErrorNoPermission) == gv::NvmlOutcome::Error);
  CHECK(gv::classifyNvml(gv::nvml::kErrorNotSupported) == gv::NvmlOutcome::Unsupported);
  Scenario scenario;
  scenario.standardChecks();
  scenario.fake->volatileUncorrected = gv::NvmlResult<std::uint64_t>::failure(gv::nvml::kErrorNoPermission);
  scenario.fake->rows = gv::NvmlResult<gv::RemappedRows>::failure(gv::nvml::kErrorNoPermission);
  gv::RunOutcome outcome = scenario.run();
  const gv::RunReport& report = outcome.report;
  CHECK(find(report.gpus[0].checks, "ecc-errors")->status == Status::Error);
  CHECK_CONTAINS(find(report.gpus[0].checks, "ecc-errors")->reason, "Insufficient Permissions");
  CHECK(find(report.gpus[0].checks, "row-remap")->status == Status::Error);
  CHECK_EQ(report.verdict.exitCode, 2);
  CHECK_CONTAINS(report.verdict.reason, "could not validate: 2 check(s) could not complete: gpu0/ecc-errors");
}

// ---- the deadline

TEST(the_deadline_covers_nvml_init) {
  Scenario scenario;
  scenario.standardChecks();
  Latch latch;
  scenario.duringNvmlInit = [&] {
    scenario.clock.advance(10000);
    latch.wait();
  };
  gv::RunOutcome outcome = scenario.run();
  CHECK(outcome.abandoned);
  CHECK(outcome.report.deadline.expired);
  CHECK_EQ(outcome.report.deadline.phase, std::string("nvml-init"));
  CHECK_EQ(outcome.report.verdict.exitCode, 2);
  CHECK_CONTAINS(outcome.report.verdict.reason, "timeout: the 150 s deadline passed during nvml-init");
  CHECK(!outcome.report.nvmlAvailable);
  latch.release();
  CHECK(outcome.waitForAbandonedThreads(std::chrono::seconds(60)));
  CHECK_EQ(scenario.deviceRuns.load(), 0);  // nothing started after the deadline
}

TEST(the_deadline_covers_discovery) {
  Scenario scenario;
  scenario.standardChecks();
  Latch latch;
  scenario.duringDiscovery = [&] {
    scenario.clock.advance(10000);
    latch.wait();
  };
  gv::RunOutcome outcome = scenario.run();
  CHECK(outcome.abandoned);
  CHECK_EQ(outcome.report.deadline.phase, std::string("discovery"));
  REQUIRE(outcome.report.deadline.unfinished.size() == 1);
  CHECK_EQ(outcome.report.deadline.unfinished[0], std::string("discovery"));
  CHECK(outcome.report.gpus.empty());
  CHECK_EQ(outcome.report.verdict.exitCode, 2);
  CHECK_CONTAINS(gv::terminationSummary(outcome.report),
                 "could not run: timeout: the 150 s deadline passed during discovery: discovery did not finish");
  latch.release();
  CHECK(outcome.waitForAbandonedThreads(std::chrono::seconds(60)));
  CHECK(outcome.report.nodeChecks.empty());
}

TEST(the_deadline_covers_a_hung_gpu_check_and_starts_nothing_after_it) {
  Scenario scenario;
  Latch latch;
  scenario.checks.gpu.push_back(std::make_unique<FakeDeviceCheck>("hbm-bandwidth", &scenario.deviceRuns));
  scenario.checks.gpu.push_back(std::make_unique<HangingGpuCheck>(&scenario.clock, &latch));
  scenario.checks.gpu.push_back(std::make_unique<FakeDeviceCheck>("after-the-hang", &scenario.deviceRuns));
  scenario.checks.node.push_back(gv::makeInventoryCheck());
  gv::RunOutcome outcome = scenario.run();
  const gv::RunReport& report = outcome.report;
  CHECK(outcome.abandoned);
  CHECK_EQ(report.deadline.phase, std::string("gpu-checks"));
  REQUIRE(report.deadline.unfinished.size() == 1);
  CHECK_EQ(report.deadline.unfinished[0], std::string("gpu0 hanging-check"));
  REQUIRE(report.gpus.size() == 1);
  const CheckResult* hung = find(report.gpus[0].checks, "hanging-check");
  REQUIRE(hung != nullptr);
  CHECK(hung->status == Status::Error);
  CHECK_CONTAINS(hung->reason, "timeout: still running when the run's 150 s deadline passed");
  CHECK(hung->details.at("timeout").asBool());
  CHECK(find(report.gpus[0].checks, "after-the-hang") == nullptr);
  CHECK(report.verdict.verdict == gv::Verdict::CouldNotRun);
  CHECK_CONTAINS(report.verdict.reason,
                 "timeout: the 150 s deadline passed during gpu-checks: gpu0 hanging-check did not finish");
  gv::Json json = gv::reportToJson(report);
  CHECK(json.at("deadline").at("expired").asBool());
  CHECK_EQ(json.at("deadline").at("phase").asString(), std::string("gpu-checks"));
  CHECK_CONTAINS(gv::renderTable(report), "DEADLINE: the 150 s deadline passed during gpu-checks");
  // Released late, the hung check returns into a run that starts nothing more.
  latch.release();
  CHECK(outcome.waitForAbandonedThreads(std::chrono::seconds(60)));
  CHECK_EQ(scenario.deviceRuns.load(), 1);
}

TEST(the_deadline_covers_the_node_checks_after_the_gpu_checks) {
  Scenario scenario;
  Latch latch;
  scenario.gpus = 2;
  scenario.args = {"--expect-gpus", "2", "--sharing", "exclusive"};
  scenario.checks.gpu.push_back(std::make_unique<FakeDeviceCheck>("hbm-bandwidth", &scenario.deviceRuns));
  scenario.checks.node.push_back(gv::makeInventoryCheck());
  scenario.checks.node.push_back(std::make_unique<HangingNodeCheck>(&scenario.clock, &latch));
  gv::RunOutcome outcome = scenario.run();
  const gv::RunReport& report = outcome.report;
  CHECK(outcome.abandoned);
  CHECK_EQ(report.deadline.phase, std::string("node-checks"));
  CHECK_EQ(scenario.deviceRuns.load(), 2);
  const CheckResult* hung = find(report.nodeChecks, "hanging-p2p");
  REQUIRE(hung != nullptr);
  CHECK(hung->status == Status::Error);
  CHECK_CONTAINS(report.verdict.reason, "node hanging-p2p did not finish");
  CHECK_EQ(report.verdict.exitCode, 2);
  latch.release();
  CHECK(outcome.waitForAbandonedThreads(std::chrono::seconds(60)));
}

TEST(a_failure_before_the_deadline_stays_a_failure) {
  Scenario scenario;
  Latch latch;
  scenario.checks.gpu.push_back(std::make_unique<FakeDeviceCheck>("memory-pattern", &scenario.deviceRuns, Status::Fail));
  scenario.checks.gpu.push_back(std::make_unique<HangingGpuCheck>(&scenario.clock, &latch));
  gv::RunOutcome outcome = scenario.run();
  CHECK_EQ(outcome.report.verdict.exitCode, 1);
  CHECK_CONTAINS(outcome.report.verdict.reason, "1 check(s) failed: gpu0/memory-pattern; also timeout: ");
  latch.release();
  CHECK(outcome.waitForAbandonedThreads(std::chrono::seconds(60)));
}

TEST(the_deadline_is_the_option_counted_from_the_start) {
  Scenario scenario;
  scenario.standardChecks();
  scenario.args.push_back("--deadline");
  scenario.args.push_back("7.5");
  double start = scenario.clock.now();
  gv::RunOutcome outcome = scenario.run();
  CHECK_EQ(scenario.clock.waitedFor, start + 7.5);
  CHECK_EQ(outcome.report.deadline.seconds, 7.5);
  Scenario full;
  full.standardChecks();
  full.args = {"--profile", "full"};
  gv::RunOutcome fullOutcome = full.run();
  CHECK_EQ(fullOutcome.report.deadline.seconds, 900.0);
}

// ---- MIG: every slice in a run of its own

namespace {

struct MigSlice {
  std::string uuid, profile;
  int sms;
  std::uint64_t memory;
};

// NVML of a MIG node: the FakeNvml, plus MIG devices on its one parent GPU.
class MigNvml final : public gv::NvmlApi {
 public:
  explicit MigNvml(std::vector<MigSlice> slices) : slices_(std::move(slices)) {
    inner_.mig = gv::NvmlResult<gv::MigMode>::success({1, 1});
    inner_.count = gv::NvmlResult<unsigned>::success(1);
  }
  gv::NvmlResult<unsigned> maxMigDeviceCount(gv::NvmlDevice) override {
    return gv::NvmlResult<unsigned>::success(7);
  }
  gv::NvmlResult<gv::NvmlDevice> migDeviceByIndex(gv::NvmlDevice, unsigned index) override {
    if (index >= slices_.size()) return gv::NvmlResult<gv::NvmlDevice>::failure(gv::nvml::kErrorNotFound);
    return gv::NvmlResult<gv::NvmlDevice>::success(&slices_[index]);
  }
  gv::NvmlResult<std::string> uuid(gv::NvmlDevice device) override {
    if (device == inner_.handle()) return inner_.uuid(device);
    return gv::NvmlResult<std::string>::success(static_cast<MigSlice*>(device)->uuid);
  }
  gv::NvmlResult<std::string> name(gv::NvmlDevice device) override {
    if (device == inner_.handle()) return inner_.name(device);
    return gv::NvmlResult<std::string>::success("NVIDIA H100 80GB HBM3 MIG " + static_cast<MigSlice*>(device)->profile);
  }
  // Everything else is the fake's.
  std::string errorString(int code) const override { return inner_.errorString(code); }
  gv::NvmlResult<std::string> driverVersion() override { return inner_.driverVersion(); }
  gv::NvmlResult<int> cudaDriverVersion() override { return inner_.cudaDriverVersion(); }
  gv::NvmlResult<unsigned> deviceCount() override { return inner_.deviceCount(); }
  gv::NvmlResult<gv::NvmlDevice> deviceByIndex(unsigned i) override { return inner_.deviceByIndex(i); }
  gv::NvmlResult<gv::NvmlDevice> deviceByPciBusId(const std::string& id) override { return inner_.deviceByPciBusId(id); }
  gv::NvmlResult<gv::NvmlDevice> deviceByUuid(const std::string& id) override { return inner_.deviceByUuid(id); }
  gv::NvmlResult<std::uint32_t> pciDeviceId(gv::NvmlDevice d) override { return inner_.pciDeviceId(d); }
  gv::NvmlResult<gv::MigMode> migMode(gv::NvmlDevice d) override { return inner_.migMode(d); }
  gv::NvmlResult<unsigned> computeProcessCount(gv::NvmlDevice d) override { return inner_.computeProcessCount(d); }
  gv::NvmlResult<gv::EccMode> eccMode(gv::NvmlDevice d) override { return inner_.eccMode(d); }
  gv::NvmlResult<std::uint64_t> volatileUncorrectedEccErrors(gv::NvmlDevice d) override {
    return inner_.volatileUncorrectedEccErrors(d);
  }
  gv::NvmlResult<std::uint64_t> aggregateUncorrectedEccErrors(gv::NvmlDevice d) override {
    return inner_.aggregateUncorrectedEccErrors(d);
  }
  gv::NvmlResult<std::uint64_t> volatileCorrectedEccErrors(gv::NvmlDevice d) override {
    return inner_.volatileCorrectedEccErrors(d);
  }
  gv::NvmlResult<gv::RemappedRows> remappedRows(gv::NvmlDevice d) override { return inner_.remappedRows(d); }
  gv::NvmlResult<bool> retiredPagesPending(gv::NvmlDevice d) override { return inner_.retiredPagesPending(d); }
  gv::NvmlResult<unsigned> retiredPagesDoubleBit(gv::NvmlDevice d) override { return inner_.retiredPagesDoubleBit(d); }
  gv::NvmlResult<unsigned> currentPcieGeneration(gv::NvmlDevice d) override { return inner_.currentPcieGeneration(d); }
  gv::NvmlResult<unsigned> currentPcieWidth(gv::NvmlDevice d) override { return inner_.currentPcieWidth(d); }
  gv::NvmlResult<unsigned> maxPcieGeneration(gv::NvmlDevice d) override { return inner_.maxPcieGeneration(d); }
  gv::NvmlResult<unsigned> maxPcieWidth(gv::NvmlDevice d) override { return inner_.maxPcieWidth(d); }
  gv::NvmlResult<unsigned> pcieReplayCounter(gv::NvmlDevice d) override { return inner_.pcieReplayCounter(d); }
  gv::NvmlResult<std::uint64_t> clocksEventReasons(gv::NvmlDevice d) override { return inner_.clocksEventReasons(d); }
  gv::NvmlResult<unsigned> temperatureC(gv::NvmlDevice d) override { return inner_.temperatureC(d); }
  gv::NvmlResult<unsigned> slowdownTemperatureC(gv::NvmlDevice d) override { return inner_.slowdownTemperatureC(d); }
  gv::NvmlResult<unsigned> powerUsageMilliwatts(gv::NvmlDevice d) override { return inner_.powerUsageMilliwatts(d); }
  gv::NvmlResult<unsigned> enforcedPowerLimitMilliwatts(gv::NvmlDevice d) override {
    return inner_.enforcedPowerLimitMilliwatts(d);
  }
  gv::NvmlResult<unsigned> smClockMhz(gv::NvmlDevice d) override { return inner_.smClockMhz(d); }
  gv::NvmlResult<unsigned> maxSmClockMhz(gv::NvmlDevice d) override { return inner_.maxSmClockMhz(d); }

 private:
  gvtest::FakeNvml inner_;
  std::vector<MigSlice> slices_;
};

const std::vector<MigSlice> kSlices = {
    {"MIG-aaaaaaaa-0000-0000-0000-000000000001", "3g.40gb", 60, 39936ull << 20},
    {"MIG-aaaaaaaa-0000-0000-0000-000000000002", "1g.10gb", 16, 9984ull << 20},
    {"MIG-aaaaaaaa-0000-0000-0000-000000000003", "1g.10gb", 16, 9984ull << 20},
};

// A child run as gpu-validate would make it for one slice: the real
// orchestration again, in this process, seeing only that slice.
gv::SliceOutcome childRun(const gv::SliceRequest& request, Status deviceStatus = Status::Pass) {
  std::vector<std::string> args = request.args;
  args.push_back("--json");
  args.push_back("-");
  Scenario child;
  child.args = args;
  child.migChild = true;
  child.checks.gpu.push_back(gv::makeMigSliceCheck());
  child.checks.gpu.push_back(std::make_unique<FakeDeviceCheck>("hbm-bandwidth", &child.deviceRuns, deviceStatus));
  child.checks.gpu.push_back(gv::makeEccErrorsCheck());
  child.checks.node.push_back(gv::makeInventoryCheck());
  child.checks.node.push_back(gv::makeNodeConsistencyCheck());
  const MigSlice* slice = nullptr;
  for (const MigSlice& candidate : kSlices)
    if (candidate.uuid == request.uuid) slice = &candidate;
  gvtest::FakeNvml* fake = child.fake;
  child.discovered = [slice, fake] {
    gv::DiscoveredGpu gpu;
    gpu.identity = h100(0);
    gpu.identity.name = "NVIDIA H100 80GB HBM3 MIG " + slice->profile;
    gpu.identity.uuid = slice->uuid;
    gpu.identity.migInstance = true;
    gpu.identity.migProfile = slice->profile;
    gpu.identity.smCount = slice->sms;
    gpu.identity.totalMemoryBytes = slice->memory;
    gpu.nvmlDevice = fake->handle();
    gpu.nvmlMigDevice = fake->handle();
    return std::vector<gv::DiscoveredGpu>{gpu};
  };
  gv::RunOutcome outcome = child.run();
  return {outcome.report.verdict.exitCode, gv::reportToJson(outcome.report).dump(2), ""};
}

struct MigScenario {
  Scenario parent;
  std::mutex mutex;
  std::vector<gv::SliceRequest> requests;

  explicit MigScenario(std::vector<std::string> args) {
    parent.args = std::move(args);
    parent.nvml.reset();
    auto nvml = std::make_shared<std::unique_ptr<gv::NvmlApi>>(std::make_unique<MigNvml>(kSlices));
    parent.standardChecks();
    parent.discovered = [] {
      gv::DiscoveredGpu gpu;  // this process's CUDA sees one slice, as CUDA does
      gpu.identity = h100(0);
      gpu.identity.migInstance = true;
      gpu.identity.migProfile = "3g.40gb";
      return std::vector<gv::DiscoveredGpu>{gpu};
    };
    nvmlSource = nvml;
  }
  std::shared_ptr<std::unique_ptr<gv::NvmlApi>> nvmlSource;

  gv::RunOutcome run(std::function<gv::SliceOutcome(const gv::SliceRequest&, const std::atomic<bool>&)> slices) {
    parent.runSlice = [this, slices](const gv::SliceRequest& request, const std::atomic<bool>& cancel) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        requests.push_back(request);
      }
      return slices(request, cancel);
    };
    // openNvml hands out the MIG node's NVML instead of the plain fake.
    gv::ParseOutcome parsed = gv::parseArguments(parent.args);
    REQUIRE(parsed.action == gv::ParseOutcome::Action::Run);
    gv::RunPlatform platform;
    auto source = nvmlSource;
    platform.openNvml = [source](std::string*) { return std::move(*source); };
    platform.discover = [this](gv::NvmlApi* api) {
      gv::Discovery discovery;
      discovery.facts.cudaRuntimeVersion = 13000;
      discovery.facts.cudaDriverVersion = 13000;
      gv::collectNvmlFacts(*api, &discovery.facts);
      discovery.gpus = parent.discovered();
      discovery.facts.cudaDeviceCount = 1;
      return discovery;
    };
    platform.initializeDevice = [](int) { return std::string(); };
    platform.runSlice = parent.runSlice;
    platform.clock = &parent.clock;
    platform.startedAt = parent.clock.now();
    gv::RunIdentity identity;
    identity.toolVersion = "test";
    identity.nodeName = "sample-mig-node";
    return gv::runValidation(parsed.options, gv::SkuTable::builtIn(), std::move(parent.checks), std::move(platform),
                             identity);
  }
};

const std::vector<std::string> kMigArgs = {"--sharing", "mig", "--expect-gpus", "3", "--expect-sku", "H100-SXM",
                                           "--expect-mig-slices", "3g.40gb=1,1g.10gb=2", "--deadline", "120"};

}  // namespace

TEST(every_mig_slice_is_validated_in_a_run_of_its_own) {
  MigScenario scenario(kMigArgs);
  gv::RunOutcome outcome =
      scenario.run([](const gv::SliceRequest& request, const std::atomic<bool>&) { return childRun(request); });
  const gv::RunReport& report = outcome.report;
  CHECK_EQ(report.verdict.exitCode, 0);
  REQUIRE(scenario.requests.size() == 3);
  for (const gv::SliceRequest& request : scenario.requests) {
    gv::ParseOutcome child = gv::parseArguments(request.args);
    REQUIRE(child.action == gv::ParseOutcome::Action::Run);
    CHECK(child.options.expectGpus == 1);
    CHECK(child.options.sharing == gv::SharingMode::Mig);
    CHECK(child.options.expectMigSlices.empty());
    CHECK(child.options.nodeName == std::string("sample-mig-node"));
    CHECK(*child.options.deadlineSeconds < 120.0);  // the children end before the parent
    CHECK(!child.options.jsonPath);
  }
  REQUIRE(report.gpus.size() == 3);
  std::map<std::string, int> profiles;
  for (std::size_t i = 0; i < report.gpus.size(); ++i) {
    CHECK_EQ(report.gpus[i].identity.cudaIndex, static_cast<int>(i));
    CHECK(find(report.gpus[i].checks, "mig-slice")->status == Status::Pass);
    CHECK(find(report.gpus[i].checks, "hbm-bandwidth")->status == Status::Pass);
    ++profiles[*report.gpus[i].identity.migProfile];
  }
  CHECK_EQ(profiles["1g.10gb"], 2);
  CHECK_EQ(profiles["3g.40gb"], 1);
  const CheckResult* layout = find(report.nodeChecks, "mig-layout");
  REQUIRE(layout != nullptr);
  CHECK(layout->status == Status::Pass);
  const CheckResult* inventory = find(report.nodeChecks, "inventory");
  REQUIRE(inventory != nullptr);
  CHECK(inventory->status == Status::Pass);
  CHECK_EQ(*inventory->value, 3.0);
  // Two 1g.10gb slices are comparable now that the parent holds them all.
  CHECK(find(report.nodeChecks, "node-consistency")->status != Status::Error);
  CHECK_EQ(report.facts.cudaDeviceCount, 3);
}

TEST(a_problem_on_one_slice_reaches_the_node_verdict) {
  {  // a slice fails
    MigScenario scenario(kMigArgs);
    gv::RunOutcome outcome = scenario.run([](const gv::SliceRequest& request, const std::atomic<bool>&) {
      return childRun(request, request.uuid == kSlices[2].uuid ? Status::Fail : Status::Pass);
    });
    CHECK_EQ(outcome.report.verdict.exitCode, 1);
    CHECK_CONTAINS(outcome.report.verdict.reason, "/hbm-bandwidth");
  }
  {  // a slice's run ends without a report (crashed, bad usage)
    MigScenario scenario(kMigArgs);
    gv::RunOutcome outcome = scenario.run([](const gv::SliceRequest& request, const std::atomic<bool>&) {
      if (request.uuid == kSlices[1].uuid) return gv::SliceOutcome{139, "", "Segmentation fault"};
      return childRun(request);
    });
    CHECK(outcome.report.verdict.exitCode != 0);
    CHECK_CONTAINS(gv::terminationSummary(outcome.report),
                   "slice-run: error: the run for " + kSlices[1].uuid + " ended without a report (exit 139): "
                   "Segmentation fault");
    REQUIRE(outcome.report.gpus.size() == 3);  // the slice is in the report, with its error
    CHECK_EQ(outcome.report.gpus[1].identity.uuid, kSlices[1].uuid);
  }
  {  // the slices are not the pool's layout
    std::vector<std::string> args = kMigArgs;
    args[7] = "3g.40gb=1,1g.10gb=3";
    args[3] = "4";
    MigScenario scenario(args);
    gv::RunOutcome outcome =
        scenario.run([](const gv::SliceRequest& request, const std::atomic<bool>&) { return childRun(request); });
    CHECK_EQ(outcome.report.verdict.exitCode, 1);
    CHECK(find(outcome.report.nodeChecks, "mig-layout")->status == Status::Fail);
    CHECK_CONTAINS(find(outcome.report.nodeChecks, "mig-layout")->reason, "1g.10gb: 2 found, 3 expected");
  }
}

TEST(slices_still_running_at_the_deadline_are_stopped_and_reported) {
  MigScenario scenario(kMigArgs);
  std::atomic<int> cancelled{0};
  gv::RunOutcome outcome =
      scenario.run([&](const gv::SliceRequest& request, const std::atomic<bool>& cancel) {
        if (request.uuid != kSlices[1].uuid) return childRun(request);
        scenario.parent.clock.advance(10000);
        while (!cancel) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // waits for a state, not a time
        ++cancelled;
        return gv::SliceOutcome{-1, "", "killed at the deadline"};
      });
  CHECK(outcome.abandoned);
  CHECK_EQ(outcome.report.verdict.exitCode, 2);
  CHECK_EQ(outcome.report.deadline.phase, std::string("mig-slices"));
  CHECK_CONTAINS(outcome.report.verdict.reason, "slice " + kSlices[1].uuid);
  CHECK(outcome.waitForAbandonedThreads(std::chrono::seconds(60)));
  CHECK_EQ(cancelled.load(), 1);
}

// ---- runSliceProcess: the child is this test binary again (see kChildMode below)

namespace {

// When runSliceProcess starts this binary as a slice's child, it behaves as
// CUDA_VISIBLE_DEVICES says, before any test runs.
struct ChildMode {
  ChildMode() {
    const char* child = std::getenv(gv::kMigChildEnvironment);
    const char* device = std::getenv("CUDA_VISIBLE_DEVICES");
    if (!child || std::string(child) != "1" || !device) return;
    std::string json;
    std::ifstream cmdline("/proc/self/cmdline");
    std::vector<std::string> args;
    for (std::string arg; std::getline(cmdline, arg, '\0');) args.push_back(arg);
    for (std::size_t i = 0; i + 1 < args.size(); ++i)
      if (args[i] == "--json") json = args[i + 1];
    std::string mode = device;
    if (mode == "MIG-report") {
      std::ofstream(json) << "{\"gpus\": [], \"reason\": \"child saw " << mode << " and " << args.size() << " args\"}";
      std::_Exit(2);
    }
    if (mode == "MIG-crash") {
      std::fputs("boom: the child crashed\n", stderr);
      std::_Exit(139);
    }
    if (mode == "MIG-hang") pause();  // until killed
    std::_Exit(70);
  }
} kChildMode;

}  // namespace

TEST(a_slice_process_gets_its_device_and_arguments_and_its_report_comes_back) {
  std::atomic<bool> cancel{false};
  gv::SliceOutcome report = gv::runSliceProcess({"MIG-report", "1g.10gb", {"--sharing", "mig"}}, cancel);
  CHECK_EQ(report.exitCode, 2);
  CHECK_CONTAINS(report.reportJson, "child saw MIG-report and 5 args");  // self, two given, --json FILE
  gv::SliceOutcome crash = gv::runSliceProcess({"MIG-crash", "", {}}, cancel);
  CHECK_EQ(crash.exitCode, 139);
  CHECK(crash.reportJson.empty());
  CHECK_CONTAINS(crash.error, "boom: the child crashed");
  // A child that never ends is killed once cancel is set: here from the start.
  std::atomic<bool> cancelled{true};
  gv::SliceOutcome hang = gv::runSliceProcess({"MIG-hang", "", {}}, cancelled);
  CHECK_EQ(hang.exitCode, -1);
  CHECK_EQ(hang.error, std::string("killed at the deadline"));
}

// ---- the skip policy table

namespace {

CheckResult skip(const std::string& name, const std::string& reason) {
  CheckResult result;
  result.name = name;
  result.status = Status::Skip;
  result.reason = reason;
  return result;
}

CheckResult notBinding(const std::string& name, const std::string& why) {
  CheckResult result = skip(name, why);
  gv::Threshold threshold;
  threshold.binding = false;
  threshold.notBindingReason = why;
  result.threshold = threshold;
  return result;
}

gv::GpuSnapshot wholeGpu(int index) {
  gv::GpuSnapshot gpu;
  gpu.identity = h100(index);
  gpu.skuKey = "H100-SXM";
  return gpu;
}

std::optional<std::string> ruleFor(const CheckResult& result, const gv::GpuSnapshot* gpu, const gv::RunReport& report) {
  const gv::SkipRule* rule = gv::exemptingRule({result, gpu, report});
  return rule ? std::optional<std::string>(rule->id) : std::nullopt;
}

}  // namespace

TEST(skip_rules_are_a_table_of_distinct_documented_rules) {
  std::set<std::string> ids;
  for (const gv::SkipRule& rule : gv::skipRules()) {
    CHECK(ids.insert(rule.id).second);
    CHECK(!rule.checks.empty());
    CHECK(std::string(rule.exemption).size() > 20);
    CHECK(rule.scopes != 0);
  }
}

TEST(time_sliced_floors_are_exempt_only_when_the_run_was_told) {
  gv::RunReport report;
  gv::GpuSnapshot gpu = wholeGpu(0);
  gpu.timeSliced = true;
  CheckResult hbm = notBinding("hbm-bandwidth", gv::kTimeSlicedNotBinding);
  report.options.sharing = gv::SharingMode::TimeSlicing;
  CHECK(ruleFor(hbm, &gpu, report) == std::string("time-sliced-floors"));
  report.options.sharing.reset();  // auto-detected: another process was on the GPU at start
  CHECK(!ruleFor(hbm, &gpu, report));
  report.options.sharing = gv::SharingMode::Exclusive;
  gpu.timeSliced = false;
  CHECK(!ruleFor(hbm, &gpu, report));
  // Another reason for a non-binding floor (e.g. a build without cuBLAS) is no exemption.
  report.options.sharing = gv::SharingMode::TimeSlicing;
  gpu.timeSliced = true;
  CHECK(!ruleFor(notBinding("gemm-throughput", "built without cuBLAS"), &gpu, report));
  // Nor does the rule reach checks it does not name.
  CHECK(!ruleFor(notBinding("memory-pattern", gv::kTimeSlicedNotBinding), &gpu, report));
}

TEST(unusable_cuda_or_nvml_skips_are_exempt_nowhere) {
  gv::RunReport report;
  for (bool mig : {false, true}) {
    for (auto sharing : {gv::SharingMode::Exclusive, gv::SharingMode::TimeSlicing, gv::SharingMode::Mig}) {
      report.options.sharing = sharing;
      gv::GpuSnapshot gpu = wholeGpu(0);
      gpu.identity.migInstance = mig;
      gpu.timeSliced = sharing == gv::SharingMode::TimeSlicing;
      for (const char* name : {"hbm-bandwidth", "memory-pattern", "gemm-correctness", "gemm-throughput",
                               "pinned-bandwidth", "ecc-errors", "row-remap", "pcie-link", "clocks-under-load"}) {
        CHECK(!ruleFor(skip(name, "CUDA context unusable: creating the CUDA context failed"), &gpu, report));
        CHECK(!ruleFor(skip(name, "NVML unavailable: libnvidia-ml.so.1: cannot open"), &gpu, report));
        CHECK(!ruleFor(skip(name, "no NVML samples were taken under load (NVML unavailable)"), &gpu, report));
      }
    }
  }
}

TEST(mig_and_single_gpu_exemptions_need_their_context) {
  gv::RunReport report;
  report.options.sharing = gv::SharingMode::Mig;
  gv::GpuSnapshot slice = wholeGpu(0);
  slice.identity.migInstance = true;
  slice.identity.migProfile = "3g.40gb";
  gv::GpuSnapshot whole = wholeGpu(0);
  CheckResult remap = skip("row-remap", "neither row remapping (Not Supported) nor page retirement (Not Supported) ...");
  CHECK(ruleFor(remap, &slice, report) == std::string("mig-row-remap"));
  CHECK(!ruleFor(remap, &whole, report));  // a whole GPU must answer one of the two
  CheckResult pinned = notBinding("pinned-bandwidth", gv::kMigHostLinkNotBinding);
  CHECK(ruleFor(pinned, &slice, report) == std::string("mig-host-link"));
  CHECK(!ruleFor(pinned, &whole, report));
  // mig-slice skips only on a whole GPU of a run that expected no MIG.
  CheckResult migSlice = skip("mig-slice", "not a MIG instance");
  CHECK(!ruleFor(migSlice, &whole, report));
  report.options.sharing = gv::SharingMode::Exclusive;
  CHECK(ruleFor(migSlice, &whole, report) == std::string("not-a-mig-instance"));
  // ECC switched off is a setting the details show, not a guess from the reason.
  CheckResult ecc = skip("ecc-errors", "anything");
  CHECK(!ruleFor(ecc, &whole, report));
  ecc.details.set("eccEnabled", false);
  CHECK(ruleFor(ecc, &whole, report) == std::string("ecc-disabled"));

  // Node checks: one physical GPU has no pair; two GPUs need a real reason.
  report.gpus = {wholeGpu(0)};
  CheckResult p2p = skip("p2p-bandwidth", "fewer than two GPUs in this pod");
  CHECK(ruleFor(p2p, nullptr, report) == std::string("one-physical-gpu"));
  report.gpus.push_back(wholeGpu(1));
  CHECK(!ruleFor(skip("p2p-bandwidth", "GPU 1 is unusable"), nullptr, report));
  CHECK(!ruleFor(skip("node-consistency", "no two comparable GPUs produced HBM or GEMM measurements"), nullptr,
                 report));
  report.gpus.clear();  // no GPU at all: nothing to exempt
  CHECK(!ruleFor(p2p, nullptr, report));
}
