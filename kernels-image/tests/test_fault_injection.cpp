// Every host-side fault injection makes its check fail and the run exit 1,
// through the same runner, readings and evaluation a real run uses. Each
// test also runs the same path without the fault, which must pass.
#include <chrono>
#include <set>
#include <thread>

#include "fake_nvml.h"
#include "performance.h"
#include "report.h"
#include "runner.h"
#include "test_framework.h"

namespace {

// Stands in for a device load check so the telemetry sampler runs.
class FakeLoadCheck final : public gv::GpuCheck {
 public:
  gv::CheckInfo info() const override { return {"fake-load", "test load", gv::kBothProfiles}; }
  bool usesCuda() const override { return false; }
  bool generatesLoad() const override { return true; }
  gv::CheckResult run(gv::GpuContext&) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(80));
    gv::CheckResult result;
    result.status = gv::Status::Pass;
    result.reason = "load done";
    return result;
  }
};

struct Harness {
  gv::Options options;
  gvtest::FakeNvml fake;
  std::unique_ptr<gv::GpuContext> context;
  gv::GpuRunState run;
  std::vector<std::unique_ptr<gv::GpuCheck>> checks;

  explicit Harness(std::vector<gv::Fault> faults, bool withNvml = true) {
    options.faults = faults;
    const gv::SkuTable& table = gv::SkuTable::builtIn();
    context = std::make_unique<gv::GpuContext>(options, table);
    context->faults = gv::FaultSet(faults);
    context->identity.cudaIndex = 0;
    context->identity.name = "NVIDIA H100 80GB HBM3";
    context->identity.pciDeviceId = 0x2330;
    context->identity.smCount = 132;
    context->identity.migDetection = "test";
    context->sku = table.findByKeyOrId("H100-SXM");
    if (withNvml) {
      context->nvml = &fake;
      context->nvmlDevice = fake.handle();
    } else {
      context->nvmlUnavailableReason = "libnvidia-ml.so.1: cannot open shared object file";
    }
    run.context = context.get();
    checks.push_back(gv::makeMigSliceCheck());
    checks.push_back(std::make_unique<FakeLoadCheck>());
    checks.push_back(gv::makeEccErrorsCheck());
    checks.push_back(gv::makeRowRemapCheck());
    checks.push_back(gv::makePcieLinkCheck());
    checks.push_back(gv::makeClocksUnderLoadCheck());
  }

  void execute() {
    std::vector<gv::GpuCheck*> pointers;
    for (auto& check : checks) pointers.push_back(check.get());
    gv::runGpuChecks(run, pointers, gv::Profile::Quick, std::chrono::milliseconds(5));
  }

  const gv::CheckResult& result(const std::string& name) const {
    for (const auto& r : run.results)
      if (r.name == name) return r;
    throw std::runtime_error("no result named " + name);
  }

  gv::RunReport report() const {
    gv::RunReport report;
    report.options = options;
    report.injectedFaults = gv::FaultSet(options.faults).names();
    gv::GpuSnapshot snapshot;
    snapshot.identity = context->identity;
    snapshot.checks = run.results;
    report.gpus.push_back(snapshot);
    gv::finalizeVerdict(report);
    return report;
  }
};

void expectOnlyFailure(const Harness& harness, const std::string& failing, const std::string& faultName) {
  for (const auto& r : harness.run.results) {
    if (r.name == failing) {
      CHECK(r.status == gv::Status::Fail);
      REQUIRE(r.injectedFaults.size() == 1);
      CHECK_EQ(r.injectedFaults[0], faultName);
    } else {
      CHECK(r.status != gv::Status::Fail);
    }
  }
  gv::RunReport report = harness.report();
  CHECK(report.verdict.verdict == gv::Verdict::Fail);
  CHECK_EQ(report.verdict.exitCode, 1);
  CHECK_CONTAINS(report.verdict.reason, "gpu0/" + failing);
  gv::Json json = gv::reportToJson(report);
  CHECK_EQ(json.at("injectedFaults")[0].asString(), faultName);
  CHECK_CONTAINS(gv::renderTable(report), "INJECTED FAULTS: " + faultName);
}

}  // namespace

TEST(healthy_readings_pass_without_faults) {
  Harness harness({});
  harness.execute();
  CHECK(harness.result("mig-slice").status == gv::Status::Skip);
  for (const char* name : {"ecc-errors", "row-remap", "pcie-link", "clocks-under-load", "fake-load"})
    CHECK(harness.result(name).status == gv::Status::Pass);
  CHECK(harness.fake.reasonQueries.load() > 0);  // the sampler really ran during the load check
  gv::RunReport report = harness.report();
  CHECK_EQ(report.verdict.exitCode, 0);
  CHECK(gv::reportToJson(report).at("injectedFaults").size() == 0);
}

TEST(nvml_pending_remap_fails_row_remap) {
  Harness harness({gv::Fault::NvmlPendingRemap});
  harness.execute();
  expectOnlyFailure(harness, "row-remap", "nvml-pending-remap");
}

TEST(nvml_uncorrectable_ecc_fails_ecc_errors) {
  Harness harness({gv::Fault::NvmlUncorrectableEcc});
  harness.execute();
  expectOnlyFailure(harness, "ecc-errors", "nvml-uncorrectable-ecc");
}

TEST(nvml_pcie_degraded_fails_pcie_link) {
  Harness harness({gv::Fault::NvmlPcieDegraded});
  harness.execute();
  expectOnlyFailure(harness, "pcie-link", "nvml-pcie-degraded");
  CHECK_CONTAINS(harness.result("pcie-link").reason, "x8, capable of x16");
}

TEST(nvml_thermal_throttle_fails_clocks_under_load) {
  Harness harness({gv::Fault::NvmlThermalThrottle});
  harness.execute();
  expectOnlyFailure(harness, "clocks-under-load", "nvml-thermal-throttle");
  CHECK_EQ(*harness.result("clocks-under-load").value, 100.0);
}

TEST(nvml_faults_trip_even_where_nvml_is_missing_or_unsupported) {
  Harness missing({}, false);
  missing.execute();
  CHECK(missing.result("ecc-errors").status == gv::Status::Skip);
  CHECK_CONTAINS(missing.result("ecc-errors").reason, "NVML unavailable");
  for (gv::Fault fault : {gv::Fault::NvmlPendingRemap, gv::Fault::NvmlUncorrectableEcc, gv::Fault::NvmlPcieDegraded,
                          gv::Fault::NvmlThermalThrottle}) {
    Harness harness({fault}, false);
    harness.execute();
    CHECK(harness.result(gv::faultInfo(fault).check).status == gv::Status::Fail);
  }
  Harness migActive({gv::Fault::NvmlPendingRemap});
  migActive.fake.rows = gv::NvmlResult<gv::RemappedRows>::failure(gv::nvml::kErrorNotSupported);
  migActive.execute();
  CHECK(migActive.result("row-remap").status == gv::Status::Fail);
}

TEST(gpu_missing_fails_inventory) {
  gv::Options options;
  const gv::SkuTable& table = gv::SkuTable::builtIn();
  for (bool inject : {false, true}) {
    gv::NodeContext node(options, table);
    node.facts.cudaDeviceCount = 2;
    node.facts.nvmlDeviceCount = 2u;
    if (inject) node.faults.add(gv::Fault::GpuMissing);
    std::unique_ptr<gv::NodeCheck> inventory = gv::makeInventoryCheck();
    gv::CheckResult result = inventory->run(node);
    if (!inject) {
      CHECK(result.status == gv::Status::Pass);
      continue;
    }
    CHECK(result.status == gv::Status::Fail);
    CHECK_EQ(*result.value, 1.0);
    CHECK_CONTAINS(result.reason, "1 GPU(s) visible, 2 expected");
    CHECK_EQ(result.injectedFaults[0], std::string("gpu-missing"));
    gv::RunReport report;
    report.nodeChecks.push_back(result);
    gv::finalizeVerdict(report);
    CHECK_EQ(report.verdict.exitCode, 1);
  }
}

TEST(slow_hbm_fails_hbm_bandwidth_even_when_floors_only_report) {
  const gv::SkuTable& table = gv::SkuTable::builtIn();
  gv::FloorContext context;
  context.sku = table.findByKeyOrId("H200");
  gv::HbmMeasurement healthy{4300.0, 4400.0, 0};
  gv::Threshold floor = gv::selectFloor(gv::FloorKind::HbmBandwidth, table, context);
  CHECK(gv::evaluateHbm(healthy, floor, gv::FaultSet()).status == gv::Status::Pass);
  gv::FaultSet slow({gv::Fault::SlowHbm});
  gv::CheckResult injected = gv::evaluateHbm(healthy, floor, slow);
  CHECK(injected.status == gv::Status::Fail);
  CHECK_NEAR(*injected.value, 1680.0, 1e-9);
  CHECK_EQ(injected.injectedFaults[0], std::string("slow-hbm"));
  context.timeSliced = true;
  gv::Threshold reportOnly = gv::selectFloor(gv::FloorKind::HbmBandwidth, table, context);
  CHECK(gv::evaluateHbm(healthy, reportOnly, gv::FaultSet()).status == gv::Status::Skip);
  CHECK(gv::evaluateHbm(healthy, reportOnly, slow).status == gv::Status::Fail);
}

// Each host-side fault names a check these tests can build: the fault table
// points at real checks (a renamed check would leave its fault testing nothing).
TEST(every_host_side_fault_names_a_real_check) {
  std::set<std::string> names;
  std::set<std::string> coreChecks;
  for (auto& check : {gv::makeEccErrorsCheck(), gv::makeRowRemapCheck(), gv::makePcieLinkCheck(),
                      gv::makeClocksUnderLoadCheck(), gv::makeMigSliceCheck()})
    coreChecks.insert(check->info().name);
  coreChecks.insert(gv::makeInventoryCheck()->info().name);
  for (const auto& info : gv::allFaults()) {
    CHECK(names.insert(info.name).second);  // one name, one fault
    bool judgedOnDevice = std::string(info.check) == "hbm-bandwidth";  // host-injected, judged by a CUDA check
    if (!info.needsGpu && !judgedOnDevice) CHECK(coreChecks.count(info.check) == 1);
  }
  CHECK(!gv::parseFault("memory-bitflips").has_value());
}
