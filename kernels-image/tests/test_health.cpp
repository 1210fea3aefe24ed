// NVML health evaluation from plain readings and from a fake NVML.
#include <chrono>
#include <thread>

#include "fake_nvml.h"
#include "health.h"
#include "test_framework.h"

using gv::NvmlResult;
using gv::Status;
namespace nvml = gv::nvml;

static gv::TelemetrySample sample(std::uint64_t reasons, unsigned gen = 5, unsigned width = 16,
                                  unsigned temperature = 60) {
  gv::TelemetrySample s;
  s.clocksEventReasons = NvmlResult<std::uint64_t>::success(reasons);
  s.pcieGeneration = NvmlResult<unsigned>::success(gen);
  s.pcieWidth = NvmlResult<unsigned>::success(width);
  s.temperatureC = NvmlResult<unsigned>::success(temperature);
  s.powerMilliwatts = NvmlResult<unsigned>::success(600000);
  s.smClockMhz = NvmlResult<unsigned>::success(1980);
  return s;
}

static gv::TelemetryLimits limits(unsigned gen = 5, unsigned width = 16) {
  gv::TelemetryLimits l;
  l.maxPcieGeneration = NvmlResult<unsigned>::success(gen);
  l.maxPcieWidth = NvmlResult<unsigned>::success(width);
  l.slowdownTemperatureC = NvmlResult<unsigned>::success(90);
  l.enforcedPowerLimitMilliwatts = NvmlResult<unsigned>::success(700000);
  return l;
}

TEST(ecc_passes_with_no_uncorrectable_errors_and_fails_with_one) {
  gvtest::FakeNvml fake;
  gv::CheckResult clean = gv::evaluateEcc(gv::readEcc(fake, fake.handle()), &fake);
  CHECK(clean.status == Status::Pass);
  CHECK_EQ(*clean.value, 0.0);
  CHECK_EQ(clean.details.at("volatileCorrected").asNumber(), 3.0);  // correctable errors are not failures
  fake.volatileUncorrected = NvmlResult<std::uint64_t>::success(2);
  gv::CheckResult bad = gv::evaluateEcc(gv::readEcc(fake, fake.handle()), &fake);
  CHECK(bad.status == Status::Fail);
  CHECK_CONTAINS(bad.reason, "2 uncorrectable ECC error(s)");
}

TEST(ecc_disabled_or_unsupported_is_skip_and_lost_gpu_is_fail) {
  gvtest::FakeNvml fake;
  fake.ecc = NvmlResult<gv::EccMode>::success({false, false});
  fake.volatileUncorrected = NvmlResult<std::uint64_t>::failure(nvml::kErrorNotSupported);
  gv::CheckResult disabled = gv::evaluateEcc(gv::readEcc(fake, fake.handle()), &fake);
  CHECK(disabled.status == Status::Skip);
  CHECK_CONTAINS(disabled.reason, "ECC is disabled");
  fake.ecc = NvmlResult<gv::EccMode>::failure(nvml::kErrorNotSupported);
  CHECK(gv::evaluateEcc(gv::readEcc(fake, fake.handle()), &fake).status == Status::Skip);
  fake.volatileUncorrected = NvmlResult<std::uint64_t>::failure(nvml::kErrorGpuIsLost);
  gv::CheckResult lost = gv::evaluateEcc(gv::readEcc(fake, fake.handle()), &fake);
  CHECK(lost.status == Status::Fail);
  CHECK_CONTAINS(lost.reason, "GPU is lost");
  fake.volatileUncorrected = NvmlResult<std::uint64_t>::failure(nvml::kErrorUnknown);
  CHECK(gv::evaluateEcc(gv::readEcc(fake, fake.handle()), &fake).status == Status::Error);
}

TEST(row_remap_pending_or_failed_fails) {
  gvtest::FakeNvml fake;
  CHECK(gv::evaluateRemap(gv::readRemap(fake, fake.handle()), &fake).status == Status::Pass);
  fake.rows = NvmlResult<gv::RemappedRows>::success({0, 1, true, false});
  gv::CheckResult pending = gv::evaluateRemap(gv::readRemap(fake, fake.handle()), &fake);
  CHECK(pending.status == Status::Fail);
  CHECK_CONTAINS(pending.reason, "needs a reset");
  fake.rows = NvmlResult<gv::RemappedRows>::success({0, 8, false, true});
  gv::CheckResult failed = gv::evaluateRemap(gv::readRemap(fake, fake.handle()), &fake);
  CHECK(failed.status == Status::Fail);
  CHECK_CONTAINS(failed.reason, "needs service");
  fake.rows = NvmlResult<gv::RemappedRows>::success({0, 8, true, true});
  CHECK_EQ(*gv::evaluateRemap(gv::readRemap(fake, fake.handle()), &fake).value, 2.0);
}

TEST(before_ampere_page_retirement_is_used_and_mig_makes_it_skip) {
  gvtest::FakeNvml fake;
  fake.rows = NvmlResult<gv::RemappedRows>::failure(nvml::kErrorNotSupported);
  fake.retiredPending = NvmlResult<bool>::success(false);
  gv::CheckResult t4 = gv::evaluateRemap(gv::readRemap(fake, fake.handle()), &fake);
  CHECK(t4.status == Status::Pass);
  CHECK_EQ(t4.details.at("mechanism").asString(), std::string("page-retirement"));
  fake.retiredPending = NvmlResult<bool>::success(true);
  CHECK(gv::evaluateRemap(gv::readRemap(fake, fake.handle()), &fake).status == Status::Fail);
  fake.retiredPending = NvmlResult<bool>::failure(nvml::kErrorNotSupported);
  gv::CheckResult mig = gv::evaluateRemap(gv::readRemap(fake, fake.handle()), &fake);
  CHECK(mig.status == Status::Skip);
  CHECK_CONTAINS(mig.reason, "MIG-enabled GPU");
  fake.rows = NvmlResult<gv::RemappedRows>::failure(nvml::kErrorGpuIsLost);
  CHECK(gv::evaluateRemap(gv::readRemap(fake, fake.handle()), &fake).status == Status::Fail);
}

TEST(pcie_link_compares_the_best_load_sample_with_the_maximum) {
  const gv::SkuSpec* h100 = gv::SkuTable::builtIn().findByKeyOrId("H100-SXM");
  // Idle samples down-trained to Gen1 do not matter once load reached Gen5.
  std::vector<gv::TelemetrySample> samples = {sample(nvml::kReasonGpuIdle, 1, 16), sample(0, 5, 16)};
  gv::CheckResult good = gv::evaluatePcieLink(samples, limits(), h100);
  CHECK(good.status == Status::Pass);
  CHECK_EQ(*good.value, 5.0);
  gv::CheckResult narrow = gv::evaluatePcieLink({sample(0, 5, 8)}, limits(), h100);
  CHECK(narrow.status == Status::Fail);
  CHECK_CONTAINS(narrow.reason, "x8, capable of x16");
  CHECK_CONTAINS(narrow.reason, "minimum x16");
  gv::CheckResult slow = gv::evaluatePcieLink({sample(0, 4, 16)}, limits(), h100);
  CHECK(slow.status == Status::Fail);
  CHECK_CONTAINS(slow.reason, "Gen4 under load, capable of Gen5");
  // A system capped at Gen4 is not a degraded link, only a note.
  gv::CheckResult capped = gv::evaluatePcieLink({sample(0, 4, 16)}, limits(4, 16), h100);
  CHECK(capped.status == Status::Pass);
  CHECK(capped.details.has("note"));
}

TEST(pcie_link_without_samples_or_support_is_skip) {
  CHECK(gv::evaluatePcieLink({}, limits(), nullptr).status == Status::Skip);
  gv::TelemetrySample unsupported = sample(0);
  unsupported.pcieGeneration = NvmlResult<unsigned>::failure(nvml::kErrorNotSupported);
  CHECK(gv::evaluatePcieLink({unsupported}, limits(), nullptr).status == Status::Skip);
}

TEST(clocks_flag_thermal_and_power_brake_but_not_power_cap) {
  const gv::SkuPolicy& policy = gv::SkuTable::builtIn().policy();
  std::vector<gv::TelemetrySample> capped(40, sample(nvml::kReasonSwPowerCap));
  gv::CheckResult normal = gv::evaluateClocks(capped, limits(), policy);
  CHECK(normal.status == Status::Pass);
  CHECK_EQ(*normal.value, 0.0);
  for (std::uint64_t reason : {nvml::kReasonHwSlowdown, nvml::kReasonSwThermalSlowdown,
                               nvml::kReasonHwThermalSlowdown, nvml::kReasonHwPowerBrakeSlowdown}) {
    std::vector<gv::TelemetrySample> samples(40, sample(nvml::kReasonSwPowerCap));
    for (int i = 0; i < 10; ++i) samples[i] = sample(reason);
    gv::CheckResult throttled = gv::evaluateClocks(samples, limits(), policy);
    CHECK(throttled.status == Status::Fail);
    CHECK_NEAR(*throttled.value, 25.0, 1e-9);
  }
}

TEST(clocks_tolerate_a_transient_and_fail_on_temperature) {
  const gv::SkuPolicy& policy = gv::SkuTable::builtIn().policy();
  std::vector<gv::TelemetrySample> samples(100, sample(0));
  samples[3] = sample(nvml::kReasonHwSlowdown);  // 1 % of samples: a P-state change
  CHECK(gv::evaluateClocks(samples, limits(), policy).status == Status::Pass);
  samples[50] = sample(0, 5, 16, 90);  // reaches the 90 C slowdown threshold
  gv::CheckResult hot = gv::evaluateClocks(samples, limits(), policy);
  CHECK(hot.status == Status::Fail);
  CHECK_CONTAINS(hot.reason, "slowdown threshold 90 C");
  CHECK(gv::evaluateClocks({}, limits(), policy).status == Status::Skip);
}

TEST(clocks_fail_when_the_gpu_is_lost_mid_run) {
  const gv::SkuPolicy& policy = gv::SkuTable::builtIn().policy();
  std::vector<gv::TelemetrySample> samples(20, sample(0));
  samples[15].clocksEventReasons = NvmlResult<std::uint64_t>::failure(nvml::kErrorGpuIsLost);
  samples[15].secondsSinceStart = 1.5;
  gv::CheckResult lost = gv::evaluateClocks(samples, limits(), policy);
  CHECK(lost.status == Status::Fail);
  CHECK_CONTAINS(lost.reason, "lost the GPU 1.5 s into the load");
}

TEST(sampler_thread_collects_until_stopped) {
  gvtest::FakeNvml fake;
  gv::TelemetryLog log;
  {
    gv::TelemetrySampler sampler(fake, fake.handle(), log, std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    sampler.stop();
    std::size_t atStop = log.snapshot().size();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK_EQ(log.snapshot().size(), atStop);  // nothing after stop()
  }
  std::vector<gv::TelemetrySample> samples = log.snapshot();
  CHECK(samples.size() >= 3);
  CHECK(samples.front().clocksEventReasons.ok());
  CHECK_EQ(samples.front().pcieGeneration.value, 5u);
  for (std::size_t i = 1; i < samples.size(); ++i)
    CHECK(samples[i].secondsSinceStart >= samples[i - 1].secondsSinceStart);
}

TEST(nvml_codes_are_classified) {
  CHECK(gv::classifyNvml(nvml::kSuccess) == gv::NvmlOutcome::Ok);
  CHECK(gv::classifyNvml(nvml::kErrorNotSupported) == gv::NvmlOutcome::Unsupported);
  CHECK(gv::classifyNvml(nvml::kErrorFunctionNotFound) == gv::NvmlOutcome::Unsupported);
  CHECK(gv::classifyNvml(nvml::kErrorGpuIsLost) == gv::NvmlOutcome::GpuLost);
  CHECK(gv::classifyNvml(nvml::kErrorResetRequired) == gv::NvmlOutcome::GpuLost);
  CHECK(gv::classifyNvml(nvml::kErrorUnknown) == gv::NvmlOutcome::Error);
}

TEST(missing_nvml_library_is_reported_not_fatal) {
  std::string why;
  auto library = gv::openNvmlLibrary("libgpu-validate-no-such-nvml.so.1", &why);
  CHECK(library == nullptr);
  CHECK_CONTAINS(why, "libgpu-validate-no-such-nvml.so.1");
}

// ---- finding 10: SRAM ECC, remapped rows, PCIe replays, recovery action, XIDs, NVLink

TEST(ecc_fails_when_sram_errors_pass_the_field_diag_threshold) {
  gvtest::FakeNvml fake;
  gv::CheckResult clean = gv::evaluateEcc(gv::readEcc(fake, fake.handle()), &fake);
  CHECK(clean.status == Status::Pass);
  CHECK_CONTAINS(clean.reason, "SRAM below the field-diagnostic threshold");
  gv::SramEccStatus sram;
  sram.aggregateUncParity = 3;
  sram.aggregateUncSecDed = 2;
  sram.thresholdExceeded = true;
  fake.sram = NvmlResult<gv::SramEccStatus>::success(sram);
  gv::CheckResult bad = gv::evaluateEcc(gv::readEcc(fake, fake.handle()), &fake);
  CHECK(bad.status == Status::Fail);
  CHECK_CONTAINS(bad.reason, "SRAM uncorrectable errors exceeded the driver's field-diagnostic threshold (5 aggregate");
  CHECK_EQ(bad.details.at("sram").at("aggregateUncorrected").asNumber(), 5.0);
  // Below the threshold the aggregate count is reported, not failed.
  sram.thresholdExceeded = false;
  fake.sram = NvmlResult<gv::SramEccStatus>::success(sram);
  CHECK(gv::evaluateEcc(gv::readEcc(fake, fake.handle()), &fake).status == Status::Pass);
  // A driver without the query: reported, the DRAM judgement stands.
  fake.sram = NvmlResult<gv::SramEccStatus>::failure(nvml::kErrorFunctionNotFound);
  gv::CheckResult old = gv::evaluateEcc(gv::readEcc(fake, fake.handle()), &fake);
  CHECK(old.status == Status::Pass);
  CHECK_CONTAINS(old.details.at("sram").asString(), "not read");
}

TEST(row_remap_fails_at_dcgms_row_limit_and_on_a_row_remapped_during_the_run) {
  gvtest::FakeNvml fake;
  const gv::SkuPolicy& policy = gv::SkuTable::builtIn().policy();
  fake.rows = NvmlResult<gv::RemappedRows>::success({0, 511, false, false});
  CHECK(gv::evaluateRemap(gv::readRemap(fake, fake.handle()), &fake, policy).status == Status::Pass);
  fake.rows = NvmlResult<gv::RemappedRows>::success({0, 512, false, false});
  gv::CheckResult worn = gv::evaluateRemap(gv::readRemap(fake, fake.handle()), &fake, policy);
  CHECK(worn.status == Status::Fail);
  CHECK_CONTAINS(worn.reason, "512 rows remapped for uncorrectable errors");
  fake.rows = NvmlResult<gv::RemappedRows>::success({2, 4, false, false});
  gv::RemappedRows before{2, 3, false, false};
  gv::CheckResult during = gv::evaluateRemap(gv::readRemap(fake, fake.handle()), &fake, policy, &before);
  CHECK(during.status == Status::Fail);
  CHECK_CONTAINS(during.reason, "1 row(s) remapped for uncorrectable errors during this run");
  before.uncorrectableRows = 4;
  CHECK(gv::evaluateRemap(gv::readRemap(fake, fake.handle()), &fake, policy, &before).status == Status::Pass);
  // Before Ampere: DCGM's retired-page limit.
  fake.rows = NvmlResult<gv::RemappedRows>::failure(nvml::kErrorNotSupported);
  fake.retiredPending = NvmlResult<bool>::success(false);
  fake.retiredDoubleBit = NvmlResult<unsigned>::success(63);
  gv::CheckResult pages = gv::evaluateRemap(gv::readRemap(fake, fake.handle()), &fake, policy);
  CHECK(pages.status == Status::Fail);
  CHECK_CONTAINS(pages.reason, "63 pages retired");
  fake.retiredDoubleBit = NvmlResult<unsigned>::success(62);
  CHECK(gv::evaluateRemap(gv::readRemap(fake, fake.handle()), &fake, policy).status == Status::Pass);
}

TEST(pcie_replays_above_the_spec_bit_error_rate_fail) {
  // DCGM's expected rate: Gen5 x16 at 1e-12 is 0.512 replays a second, so 31 a minute (ceil of 30.72).
  CHECK_EQ(gv::allowedPcieReplays(5, 16, 60, 1e-12), 31.0);
  CHECK_EQ(gv::allowedPcieReplays(3, 16, 60, 1e-12), 8.0);
  CHECK_EQ(gv::allowedPcieReplays(4, 16, 15, 1e-12), 4.0);
  CHECK_EQ(gv::allowedPcieReplays(0, 16, 15, 1e-12), 0.0);
  const gv::SkuSpec* h100 = gv::SkuTable::builtIn().findByKeyOrId("H100-SXM");
  gv::PcieReplayWindow window{NvmlResult<unsigned>::success(100), NvmlResult<unsigned>::success(108), 15.0};
  gv::CheckResult fine = gv::evaluatePcieLink({sample(0, 5, 16)}, limits(), h100, &window);
  CHECK(fine.status == Status::Pass);  // 8 allowed in 15 s at Gen5 x16
  CHECK_EQ(fine.details.at("replaysDuringRun").asNumber(), 8.0);
  window.after = NvmlResult<unsigned>::success(109);
  gv::CheckResult noisy = gv::evaluatePcieLink({sample(0, 5, 16)}, limits(), h100, &window);
  CHECK(noisy.status == Status::Fail);
  CHECK_CONTAINS(noisy.reason, "9 PCIe replays in 15 s");
  // No reading before the load: the counter is not judged.
  window.before = NvmlResult<unsigned>::failure(nvml::kErrorNotSupported);
  CHECK(gv::evaluatePcieLink({sample(0, 5, 16)}, limits(), h100, &window).status == Status::Pass);
}

TEST(recovery_action_other_than_none_fails) {
  gvtest::FakeNvml fake;
  gv::CheckResult none = gv::evaluateRecoveryAction("recovery-action", fake.recoveryAction, "after the load", &fake);
  CHECK(none.status == Status::Pass);
  CHECK_EQ(none.details.at("recoveryActionName").asString(), std::string("none"));
  for (unsigned action : {gv::recovery::kGpuReset, gv::recovery::kNodeReboot, gv::recovery::kDrainP2p,
                          gv::recovery::kDrainAndReset}) {
    gv::CheckResult pending =
        gv::evaluateRecoveryAction("recovery-action", NvmlResult<unsigned>::success(action), "after the load", &fake);
    CHECK(pending.status == Status::Fail);
    CHECK_CONTAINS(pending.reason, "the driver asks for a " + gv::recoveryActionName(action));
  }
  CHECK(gv::evaluateRecoveryAction("x", NvmlResult<unsigned>::failure(nvml::kErrorNotSupported), "", &fake).status ==
        Status::Skip);
  CHECK(gv::evaluateRecoveryAction("x", NvmlResult<unsigned>::failure(nvml::kErrorGpuIsLost), "", &fake).status ==
        Status::Fail);
}

TEST(xid_events_during_the_run_fail) {
  gvtest::FakeNvml fake;
  auto watch = fake.watchXids(fake.handle());
  REQUIRE(watch.ok());
  gv::CheckResult quiet = gv::evaluateXidEvents(watch, watch.value->drain(), false, 12.0, &fake);
  CHECK(quiet.status == Status::Pass);
  CHECK_CONTAINS(quiet.reason, "no XID errors");
  fake.pendingXids = {{79, 0xffffffffu, 0xffffffffu}, {13, 1, 0}};
  gv::CheckResult fell = gv::evaluateXidEvents(watch, watch.value->drain(), false, 12.0, &fake);
  CHECK(fell.status == Status::Fail);
  CHECK_CONTAINS(fell.reason, "2 XID error(s) during the run: XID 79, XID 13");
  CHECK_EQ(fell.details.at("events").size(), std::size_t(2));
  CHECK_EQ(fell.details.at("events")[1].at("gpuInstanceId").asNumber(), 1.0);
  // Time-sliced: an application XID may be a neighbour's, a hardware XID still fails.
  fake.pendingXids = {{13, 0xffffffffu, 0xffffffffu}};
  gv::CheckResult neighbour = gv::evaluateXidEvents(watch, watch.value->drain(), true, 12.0, &fake);
  CHECK(neighbour.status == Status::Pass);
  CHECK_CONTAINS(neighbour.reason, "reported only");
  fake.pendingXids = {{13, 0xffffffffu, 0xffffffffu}, {48, 0xffffffffu, 0xffffffffu}};
  CHECK(gv::evaluateXidEvents(watch, watch.value->drain(), true, 12.0, &fake).status == Status::Fail);
  // No watch: not judged, said why.
  fake.xidWatchCode = nvml::kErrorNotSupported;
  auto none = fake.watchXids(fake.handle());
  CHECK(gv::evaluateXidEvents(none, NvmlResult<std::vector<gv::XidEvent>>::success({}), false, 1, &fake).status ==
        Status::Skip);
  fake.xidDrainCode = nvml::kErrorUnknown;
  CHECK(gv::evaluateXidEvents(watch, watch.value->drain(), false, 1, &fake).status == Status::Error);
}

TEST(nvlink_fails_on_an_inactive_link_and_on_errors_during_the_run) {
  gvtest::FakeNvml fake;
  const gv::SkuPolicy& policy = gv::SkuTable::builtIn().policy();
  gv::NvLinkReadings before = gv::readNvLink(fake, fake.handle());
  CHECK_EQ(before.active.size(), std::size_t(18));
  gv::CheckResult healthy = gv::evaluateNvLink(&before, gv::readNvLink(fake, fake.handle()), 20, true, false, policy, &fake);
  CHECK(healthy.status == Status::Pass);
  CHECK_CONTAINS(healthy.reason, "all 18 NVLink links active, no link errors during the run");

  fake.nvLinkStates[7] = NvmlResult<bool>::success(false);
  gv::CheckResult down = gv::evaluateNvLink(&before, gv::readNvLink(fake, fake.handle()), 20, true, false, policy, &fake);
  CHECK(down.status == Status::Fail);
  CHECK_CONTAINS(down.reason, "1 of 18 NVLink links inactive (7)");
  fake.nvLinkStates.clear();

  // Errors since driver load but none during the run: not a failure.
  fake.nvLinkErrors[{3, int(gv::NvLinkCounter::Replay)}] = NvmlResult<std::uint64_t>::success(5);
  gv::NvLinkReadings old = gv::readNvLink(fake, fake.handle());
  CHECK(gv::evaluateNvLink(&old, gv::readNvLink(fake, fake.handle()), 20, true, false, policy, &fake).status ==
        Status::Pass);
  fake.nvLinkErrors[{3, int(gv::NvLinkCounter::Replay)}] = NvmlResult<std::uint64_t>::success(6);
  gv::CheckResult replay = gv::evaluateNvLink(&old, gv::readNvLink(fake, fake.handle()), 20, true, false, policy, &fake);
  CHECK(replay.status == Status::Fail);
  CHECK_CONTAINS(replay.reason, "1 NVLink replay error(s) during the run");
  fake.nvLinkErrors.clear();

  // CRC: 1999 in 20 s is under 100/s, 2000 is at it.
  gv::NvLinkReadings clean = gv::readNvLink(fake, fake.handle());
  fake.nvLinkErrors[{0, int(gv::NvLinkCounter::CrcFlit)}] = NvmlResult<std::uint64_t>::success(1000);
  fake.nvLinkErrors[{9, int(gv::NvLinkCounter::CrcData)}] = NvmlResult<std::uint64_t>::success(999);
  CHECK(gv::evaluateNvLink(&clean, gv::readNvLink(fake, fake.handle()), 20, true, false, policy, &fake).status ==
        Status::Pass);
  fake.nvLinkErrors[{9, int(gv::NvLinkCounter::CrcData)}] = NvmlResult<std::uint64_t>::success(1000);
  gv::CheckResult crc = gv::evaluateNvLink(&clean, gv::readNvLink(fake, fake.handle()), 20, true, false, policy, &fake);
  CHECK(crc.status == Status::Fail);
  CHECK_CONTAINS(crc.reason, "NVLink CRC errors at 100");
}

TEST(nvlink_without_links_fails_only_where_nvlink_is_expected) {
  gvtest::FakeNvml fake;
  const gv::SkuPolicy& policy = gv::SkuTable::builtIn().policy();
  fake.nvLinks = NvmlResult<unsigned>::success(0);
  gv::NvLinkReadings none = gv::readNvLink(fake, fake.handle());
  CHECK(gv::evaluateNvLink(nullptr, none, 0, false, false, policy, &fake).status == Status::Skip);  // L4
  CHECK(gv::evaluateNvLink(nullptr, none, 0, true, false, policy, &fake).status == Status::Fail);   // 8 x H100
  CHECK(gv::evaluateNvLink(nullptr, none, 0, true, true, policy, &fake).status == Status::Skip);    // p5.4xlarge
  fake.nvLinks = NvmlResult<unsigned>::success(18);
  for (unsigned link = 0; link < 18; ++link) fake.nvLinkStates[link] = NvmlResult<bool>::success(false);
  gv::NvLinkReadings dark = gv::readNvLink(fake, fake.handle());
  CHECK(gv::evaluateNvLink(nullptr, dark, 0, true, true, policy, &fake).status == Status::Skip);
  CHECK(gv::evaluateNvLink(nullptr, dark, 0, true, false, policy, &fake).status == Status::Fail);
  // Without a baseline the counters are reported, not judged.
  fake.nvLinkStates.clear();
  fake.nvLinkErrors[{1, int(gv::NvLinkCounter::Recovery)}] = NvmlResult<std::uint64_t>::success(40);
  gv::CheckResult unjudged = gv::evaluateNvLink(nullptr, gv::readNvLink(fake, fake.handle()), 0, true, false, policy, &fake);
  CHECK(unjudged.status == Status::Pass);
  CHECK_CONTAINS(unjudged.reason, "no baseline before the load");
  fake.nvLinks = NvmlResult<unsigned>::failure(nvml::kErrorNotSupported);
  gv::CheckResult pcieOnly = gv::evaluateNvLink(nullptr, gv::readNvLink(fake, fake.handle()), 0, false, false, policy, &fake);
  CHECK(pcieOnly.status == Status::Skip);
  CHECK_EQ(pcieOnly.details.at("links").asNumber(), 0.0);  // what the skip policy's no-nvlink-hardware rule reads
  CHECK(!gv::evaluateNvLink(nullptr, gv::readNvLink(fake, fake.handle()), 0, true, false, policy, &fake)
             .details.has("links"));  // an NVLink SKU that cannot say: not exempt
}

// The checks themselves, baseline before the load and judgement after, on the fake NVML.
namespace {

struct HealthRun {
  gv::Options options;
  gvtest::FakeNvml fake;
  gv::GpuContext context{options, gv::SkuTable::builtIn()};
  std::shared_ptr<gv::HealthWatch> watch = std::make_shared<gv::HealthWatch>();
  HealthRun() {
    context.nvml = &fake;
    context.nvmlDevice = fake.handle();
    context.sku = gv::SkuTable::builtIn().findByKeyOrId("H100-SXM");
  }
};

}  // namespace

TEST(health_baseline_arms_the_xid_watch_that_xid_events_judges) {
  HealthRun run;
  auto baseline = gv::makeHealthBaselineCheck(run.watch);
  auto xids = gv::makeXidEventsCheck(run.watch);
  CHECK_CONTAINS(xids->cannotRunReason(run.context), "health-baseline did not run");
  gv::CheckResult start = baseline->run(run.context);
  CHECK(start.status == Status::Pass);
  CHECK_EQ(start.details.at("baseline").at("xidWatch").asString(), std::string("armed"));
  CHECK(xids->cannotRunReason(run.context).empty());
  run.fake.pendingXids = {{94, 0xffffffffu, 0xffffffffu}};  // contained ECC error during the load
  gv::CheckResult after = xids->run(run.context);
  CHECK(after.status == Status::Fail);
  CHECK_CONTAINS(after.reason, "XID 94");
}

TEST(health_baseline_fails_a_gpu_that_already_needs_a_reset) {
  HealthRun run;
  run.fake.recoveryAction = NvmlResult<unsigned>::success(gv::recovery::kGpuReset);
  gv::CheckResult start = gv::makeHealthBaselineCheck(run.watch)->run(run.context);
  CHECK(start.status == Status::Fail);
  CHECK_CONTAINS(start.reason, "GPU reset before the load");
  CHECK(gv::makeRecoveryActionCheck()->run(run.context).status == Status::Fail);
  run.fake.recoveryAction = NvmlResult<unsigned>::success(gv::recovery::kNone);
  CHECK(gv::makeRecoveryActionCheck()->run(run.context).status == Status::Pass);
}

TEST(nvlink_and_replay_checks_compare_with_the_baseline) {
  HealthRun run;
  gv::makeHealthBaselineCheck(run.watch)->run(run.context);
  auto nvlink = gv::makeNvLinkHealthCheck(run.watch);
  CHECK(nvlink->run(run.context).status == Status::Pass);
  run.fake.nvLinkErrors[{11, int(gv::NvLinkCounter::Recovery)}] = NvmlResult<std::uint64_t>::success(1);
  CHECK(nvlink->run(run.context).status == Status::Fail);
  // A MIG instance does not run it.
  run.context.identity.migInstance = true;
  CHECK_CONTAINS(nvlink->cannotRunReason(run.context), "MIG instance");
  run.context.identity.migInstance = false;
  // pcie-link: replays since the baseline, within the allowance for a few seconds at Gen5 x16.
  for (int i = 0; i < 3; ++i) run.context.telemetry.add(sample(0, 5, 16));
  auto pcie = gv::makePcieLinkCheck(run.watch);
  gv::CheckResult link = pcie->run(run.context);
  CHECK(link.status == Status::Pass);
  CHECK_EQ(link.details.at("replaysDuringRun").asNumber(), 0.0);
  run.fake.replays = NvmlResult<unsigned>::success(1000);
  gv::CheckResult noisy = pcie->run(run.context);
  CHECK(noisy.status == Status::Fail);
  CHECK_CONTAINS(noisy.reason, "1000 PCIe replays");
  // row-remap: a row remapped since the baseline.
  run.fake.rows = NvmlResult<gv::RemappedRows>::success({2, 1, false, false});
  gv::CheckResult remap = gv::makeRowRemapCheck(run.watch)->run(run.context);
  CHECK(remap.status == Status::Fail);
  CHECK_CONTAINS(remap.reason, "during this run");
}
