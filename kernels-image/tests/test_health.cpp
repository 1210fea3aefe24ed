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
