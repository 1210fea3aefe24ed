// Verdict and exit codes, the JSON report and table, atomic writes, and the
// node-level and context decisions (inventory, consistency, MIG, sharing).
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "context_setup.h"
#include "report.h"
#include "test_framework.h"

using gv::CheckResult;
using gv::Status;

static CheckResult result(const std::string& name, Status status, std::optional<double> value = std::nullopt) {
  CheckResult r;
  r.name = name;
  r.status = status;
  r.value = value;
  r.reason = name + " reason";
  return r;
}

TEST(verdict_fail_beats_could_not_run_beats_pass) {
  CheckResult pass = result("a", Status::Pass), fail = result("b", Status::Fail), error = result("c", Status::Error),
              skip = result("d", Status::Skip), exempt = result("e", Status::Skip);
  exempt.exemption = "rule: why this skip proves nothing is missing";
  auto decide = [](std::vector<const CheckResult*> results, std::optional<std::string> reason = std::nullopt,
                   std::optional<std::string> timeout = std::nullopt) {
    std::vector<gv::LabelledResult> labelled;
    for (auto* r : results) labelled.emplace_back("gpu0", r);
    return gv::decideVerdict(labelled, reason, timeout);
  };
  // A skip without an exemption means something was not validated (exit 2);
  // an exempt one does not stand in the way of a pass.
  CHECK_EQ(decide({&pass, &skip}).exitCode, 2);
  CHECK_CONTAINS(decide({&pass, &skip}).reason, "1 check(s) skipped without an exemption: gpu0/d (d reason)");
  CHECK_EQ(decide({&pass, &exempt}).exitCode, 0);
  CHECK_EQ(decide({&fail, &skip}).exitCode, 1);
  CHECK_EQ(decide({&exempt}).exitCode, 2);  // nothing passed
  // The deadline: could-not-run with "timeout", unless something already failed.
  CHECK_EQ(decide({&pass}, std::nullopt, std::string("the 150 s deadline passed")).exitCode, 2);
  CHECK_EQ(decide({&pass}, std::nullopt, std::string("x")).reason, std::string("timeout: x"));
  CHECK_EQ(decide({&fail}, std::nullopt, std::string("x")).exitCode, 1);
  CHECK_CONTAINS(decide({&fail}, std::nullopt, std::string("x")).reason, "also timeout: x");
  CHECK_EQ(decide({&pass, &fail, &error}).exitCode, 1);
  CHECK_CONTAINS(decide({&pass, &fail}).reason, "gpu0/b");
  CHECK_EQ(decide({&pass, &error}).exitCode, 2);
  CHECK_EQ(decide({&pass}, std::string("no driver")).exitCode, 2);
  CHECK_EQ(decide({&fail}, std::string("no driver")).exitCode, 1);
  CHECK_EQ(decide({&skip}).exitCode, 2);  // nothing proved the GPU good
  CHECK_EQ(decide({}).exitCode, 2);
  CHECK(decide({&pass}).verdict == gv::Verdict::Pass);
  CHECK_EQ(std::string(gv::toString(gv::Verdict::CouldNotRun)), std::string("could-not-run"));
}

static gv::RunReport sampleReport() {
  gv::RunReport report;
  report.toolVersion = "0.1.0";
  report.startedAtUtc = "2026-11-25T00:00:00Z";
  report.nodeName = "node \"one\"";
  report.facts.cudaRuntimeVersion = 13000;
  report.facts.cudaDriverVersion = 13000;
  report.facts.cudaDeviceCount = 1;
  report.nvmlAvailable = true;
  gv::GpuSnapshot gpu;
  gpu.identity.cudaIndex = 0;
  gpu.identity.name = "NVIDIA H200";
  gpu.identity.pciDeviceId = 0x2335;
  gpu.identity.uuid = "GPU-1";
  gpu.skuKey = "H200";
  gpu.skuName = "NVIDIA H200 141GB HBM3e (SXM5)";
  gpu.skuMatchedBy = "pci-device-id";
  CheckResult hbm = result("hbm-bandwidth", Status::Pass, 4321.5);
  gv::Threshold floor;
  floor.value = 3360;
  floor.unit = "GB/s";
  floor.source = "H200: derived";
  hbm.threshold = floor;
  hbm.unit = "GB/s";
  hbm.details.set("ratioToCudaMemcpy", 0.97);
  gpu.checks.push_back(hbm);
  gpu.checks.push_back(result("mig-slice", Status::Skip));
  report.gpus.push_back(gpu);
  report.nodeChecks.push_back(result("inventory", Status::Pass, 1));
  gv::finalizeVerdict(report);
  return report;
}

TEST(report_json_carries_identity_checks_and_summary) {
  gv::RunReport report = sampleReport();
  gv::Json json = gv::Json::parse(gv::reportToJson(report).dump(2));
  CHECK_EQ(json.at("schemaVersion").asNumber(), 1.0);
  CHECK_EQ(json.at("verdict").asString(), std::string("pass"));
  CHECK_EQ(json.at("exitCode").asNumber(), 0.0);
  CHECK_EQ(json.at("node").at("name").asString(), std::string("node \"one\""));
  CHECK_EQ(json.at("software").at("cudaRuntimeVersion").asString(), std::string("13.0"));
  const gv::Json& gpu = json.at("gpus")[0];
  CHECK_EQ(gpu.at("pciDeviceId").asString(), std::string("0x2335"));
  CHECK_EQ(gpu.at("sku").at("key").asString(), std::string("H200"));
  CHECK_EQ(gpu.at("context").at("sharing").asString(), std::string("exclusive"));
  const gv::Json& check = gpu.at("checks")[0];
  for (const char* field : {"name", "status", "value", "unit", "threshold", "durationSeconds", "reason", "details",
                            "injectedFaults"})
    CHECK(check.has(field));
  CHECK_EQ(check.at("value").asNumber(), 4321.5);
  CHECK_EQ(check.at("threshold").at("source").asString(), std::string("H200: derived"));
  CHECK_EQ(check.at("threshold").at("comparison").asString(), std::string(">="));
  CHECK(gpu.at("checks")[1].at("threshold").isNull());
  CHECK_EQ(json.at("summary").at("pass").asNumber(), 2.0);
  CHECK_EQ(json.at("summary").at("skip").asNumber(), 1.0);
}

TEST(table_shows_checks_and_verdict) {
  std::string table = gv::renderTable(sampleReport());
  CHECK_CONTAINS(table, "GPU 0  NVIDIA H200  0x2335  sku H200");
  CHECK_CONTAINS(table, "hbm-bandwidth");
  CHECK_CONTAINS(table, "4321.5 GB/s");
  CHECK_CONTAINS(table, ">= 3360 GB/s");
  CHECK_CONTAINS(table, "VERDICT: PASS (exit 0)");
}

TEST(atomic_write_replaces_the_file_and_leaves_no_temporary) {
  char directory[] = "/tmp/gv-test-XXXXXX";
  REQUIRE(mkdtemp(directory) != nullptr);
  std::string path = std::string(directory) + "/report.json";
  std::string error;
  REQUIRE(gv::writeFileAtomically(path, "first", &error));
  REQUIRE(gv::writeFileAtomically(path, "second", &error));
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  CHECK_EQ(text.str(), std::string("second"));
  CHECK(access((path + ".tmp." + std::to_string(getpid())).c_str(), F_OK) != 0);
  CHECK(!gv::writeFileAtomically(std::string(directory) + "/missing/dir/report.json", "x", &error));
  CHECK_CONTAINS(error, "cannot create");
  std::remove(path.c_str());
  rmdir(directory);
}

// ---- termination summary (Kubernetes termination message)

static std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// True when no multi-byte UTF-8 sequence is cut short.
static bool validUtf8(const std::string& text) {
  for (std::size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    std::size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k)
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    i += length;
  }
  return true;
}

static gv::RunReport failingReport() {
  gv::RunReport report = sampleReport();
  report.nodeName = "ip-10-40-77-1.ec2.internal";
  gv::CheckResult& hbm = report.gpus[0].checks[0];
  hbm.status = Status::Fail;
  hbm.value = 2100.5;
  hbm.reason = "2100.5 GB/s does not meet >= 3360 GB/s";
  CheckResult remap = result("row-remap", Status::Fail, 1);
  gv::Threshold limit;
  limit.comparison = gv::Comparison::AtMost;
  limit.value = 0;
  limit.unit = "conditions";
  remap.threshold = limit;
  remap.unit = "conditions";
  remap.reason = "row remap pending: the GPU needs a reset to apply it";
  report.gpus[0].checks.push_back(remap);
  report.gpus[0].checks.push_back(result("ecc-errors", Status::Error));  // no value: reason only
  report.nodeChecks.push_back(result("p2p-bandwidth", Status::Skip));
  gv::finalizeVerdict(report);
  return report;
}

TEST(termination_summary_of_a_pass_is_one_line) {
  CHECK_EQ(gv::terminationSummary(sampleReport()), std::string("gpu-validate pass on node \"one\" (exit 0)\n"));
}

TEST(termination_summary_lists_failed_and_errored_checks_with_measurement_and_threshold) {
  std::vector<std::string> lines = linesOf(gv::terminationSummary(failingReport()));
  REQUIRE(lines.size() == 4);
  CHECK_EQ(lines[0], std::string("gpu-validate fail on ip-10-40-77-1.ec2.internal (exit 1)"));
  CHECK_EQ(lines[1], std::string("gpu0 hbm-bandwidth: fail: 2100.5 GB/s vs floor 3360 GB/s: 2100.5 GB/s does not "
                                 "meet >= 3360 GB/s"));
  CHECK_EQ(lines[2], std::string("gpu0 row-remap: fail: 1 conditions vs limit 0 conditions: row remap pending: the "
                                 "GPU needs a reset to apply it"));
  CHECK_EQ(lines[3], std::string("gpu0 ecc-errors: error: ecc-errors reason"));
}

TEST(termination_summary_of_could_not_run_gives_the_reason_and_node_checks) {
  gv::RunReport report;
  report.nodeName = "ip-10-40-9-9.ec2.internal";
  CheckResult inventory = result("inventory", Status::Error);
  inventory.reason = "CUDA cannot enumerate GPUs: cudaErrorInsufficientDriver";
  report.nodeChecks.push_back(inventory);
  report.nodeChecks.push_back(result("node-consistency", Status::Skip));
  report.couldNotRunReason = "cudaGetDeviceCount failed: cudaErrorInsufficientDriver";
  report.injectedFaults = {"slow-hbm"};
  gv::finalizeVerdict(report);
  std::vector<std::string> lines = linesOf(gv::terminationSummary(report));
  REQUIRE(lines.size() == 5);
  CHECK_EQ(lines[0], std::string("gpu-validate could-not-run on ip-10-40-9-9.ec2.internal (exit 2)"));
  CHECK_EQ(lines[1], std::string("injected faults: slow-hbm (a test, not a real verdict)"));
  CHECK_EQ(lines[2], std::string("could not run: cudaGetDeviceCount failed: cudaErrorInsufficientDriver"));
  CHECK_EQ(lines[3], std::string("node inventory: error: CUDA cannot enumerate GPUs: cudaErrorInsufficientDriver"));
  // No GPU, so nothing exempts the skip: it is listed as one reason for exit 2.
  CHECK_EQ(lines[4], std::string("node node-consistency: skip (no exemption): node-consistency reason"));
}

TEST(termination_summary_keeps_one_line_per_check_and_clips_long_reasons) {
  gv::RunReport report = failingReport();
  report.gpus[0].checks[3].reason = "first\nsecond\r\tthird";  // ecc-errors
  report.gpus[0].checks[2].reason = std::string(3000, 'r');  // row-remap
  std::string summary = gv::terminationSummary(report);
  std::vector<std::string> lines = linesOf(summary);
  REQUIRE(lines.size() == 4);
  CHECK_EQ(lines[3], std::string("gpu0 ecc-errors: error: first second  third"));
  CHECK(lines[2].size() <= 480);
  CHECK_EQ(lines[2].substr(lines[2].size() - 4), std::string("r..."));
}

TEST(termination_summary_truncates_cleanly_under_the_limit) {
  gv::RunReport report = sampleReport();
  report.gpus[0].checks.clear();
  for (int i = 0; i < 40; ++i) {
    CheckResult failed = result("check-" + std::to_string(i), Status::Fail);
    failed.reason = std::string(150, 'x') + " \xC3\xA9\xE2\x82\xAC " + std::string(150, 'y');  // é and €
    report.gpus[0].checks.push_back(failed);
  }
  gv::finalizeVerdict(report);
  std::string summary = gv::terminationSummary(report);
  CHECK(summary.size() <= gv::kTerminationSummaryMaxBytes);
  CHECK(summary.size() > gv::kTerminationSummaryMaxBytes - 400);  // it filled the space it had
  CHECK(validUtf8(summary));
  std::vector<std::string> lines = linesOf(summary);
  REQUIRE(lines.size() > 2);
  std::size_t shown = lines.size() - 2;  // minus the verdict line and the marker
  CHECK_EQ(lines.back(), "... " + std::to_string(40 - shown) + " more");
  for (std::size_t i = 1; i <= shown; ++i)  // whole lines only, in order
    CHECK_EQ(lines[i], "gpu0 check-" + std::to_string(i - 1) + ": fail: " + report.gpus[0].checks[i - 1].reason);

  // A tight limit still gives the verdict line and an honest count.
  std::string tight = gv::terminationSummary(report, 120);
  CHECK(tight.size() <= 120);
  std::vector<std::string> few = linesOf(tight);
  REQUIRE(few.size() == 2);
  CHECK_EQ(few[0], std::string("gpu-validate fail on node \"one\" (exit 1)"));
  CHECK_EQ(few[1], std::string("... 40 more"));

  // Multi-byte characters are never split when a long line is clipped.
  report.gpus[0].checks.resize(1);
  std::string euros = "x";  // one ASCII byte so the cut falls inside a 3-byte sequence
  for (int i = 0; i < 600; ++i) euros += "\xE2\x82\xAC";
  report.gpus[0].checks[0].reason = euros;
  std::string clipped = gv::terminationSummary(report);
  CHECK(validUtf8(clipped));
  CHECK_CONTAINS(clipped, "\xE2\x82\xAC...\n");
}

TEST(write_in_place_truncates_and_reports_failure) {
  char directory[] = "/tmp/gv-test-XXXXXX";
  REQUIRE(mkdtemp(directory) != nullptr);
  std::string path = std::string(directory) + "/termination-log";
  std::string error;
  REQUIRE(gv::writeFileInPlace(path, "a much longer first summary\n", &error));
  REQUIRE(gv::writeFileInPlace(path, "short\n", &error));
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  CHECK_EQ(text.str(), std::string("short\n"));
  CHECK(!gv::writeFileInPlace(std::string(directory) + "/missing/termination-log", "x", &error));
  CHECK_CONTAINS(error, "cannot open");
  std::remove(path.c_str());
  rmdir(directory);
}

// ---- inventory

struct NodeFixture {
  gv::Options options;
  std::vector<std::unique_ptr<gv::GpuContext>> contexts;
  std::vector<std::unique_ptr<gv::GpuRun>> runs;
  gv::NodeContext node{options, gv::SkuTable::builtIn()};

  gv::GpuContext& addGpu(const char* name, std::uint16_t id, int sms) {
    auto context = std::make_unique<gv::GpuContext>(options, gv::SkuTable::builtIn());
    context->identity.cudaIndex = static_cast<int>(contexts.size());
    context->identity.name = name;
    context->identity.pciDeviceId = id;
    context->identity.smCount = sms;
    context->identity.computeMajor = 9;
    context->identity.uuid = "GPU-" + std::to_string(contexts.size());
    context->sku = gv::SkuTable::builtIn().findByPciDeviceId(id);
    auto run = std::make_unique<gv::GpuRun>();
    run->context = context.get();
    node.gpus.push_back(run.get());
    contexts.push_back(std::move(context));
    runs.push_back(std::move(run));
    node.facts.cudaDeviceCount = static_cast<int>(contexts.size());
    return *contexts.back();
  }
  CheckResult inventory() { return gv::makeInventoryCheck()->run(node); }
};

TEST(inventory_counts_against_expect_gpus_and_nvml) {
  NodeFixture f;
  f.addGpu("NVIDIA H200", 0x2335, 132);
  f.addGpu("NVIDIA H200", 0x2335, 132);
  CHECK(f.inventory().status == Status::Pass);
  f.options.expectGpus = 8;
  CheckResult missing = f.inventory();
  CHECK(missing.status == Status::Fail);
  CHECK_CONTAINS(missing.reason, "2 GPU(s) visible, 8 expected (--expect-gpus");
  f.options.expectGpus.reset();
  f.node.facts.nvmlDeviceCount = 3u;
  CHECK(f.inventory().status == Status::Fail);
  f.node.facts.nvmlDeviceCount = 2u;
  f.node.facts.nvmlLostIndices = {1};
  CheckResult lost = f.inventory();
  CHECK(lost.status == Status::Fail);
  CHECK_CONTAINS(lost.reason, "NVML device 1 is lost");
}

TEST(inventory_no_driver_is_error_but_no_device_with_expectation_fails) {
  NodeFixture f;
  f.node.facts.cudaDeviceCountError = 35;
  f.node.facts.cudaErrorString = "cudaErrorInsufficientDriver: CUDA driver version is insufficient";
  f.options.expectGpus = 4;
  CHECK(f.inventory().status == Status::Error);  // no driver: could not run, even with an expectation
  f.node.facts.cudaDeviceCountError = 100;
  f.node.facts.cudaNoDevice = true;
  f.node.facts.cudaErrorString = "cudaErrorNoDevice: no CUDA-capable device is detected";
  CheckResult none = f.inventory();
  CHECK(none.status == Status::Fail);
  CHECK_CONTAINS(none.reason, "expected 4 GPU(s), CUDA sees none");
  f.options.expectGpus.reset();
  CHECK(f.inventory().status == Status::Error);
}

TEST(inventory_checks_expected_sku_sm_count_and_compute_capability) {
  NodeFixture f;
  f.addGpu("NVIDIA H200", 0x2335, 132);
  f.options.expectSku = "H200";
  CHECK(f.inventory().status == Status::Pass);
  f.options.expectSku = "B200";
  CheckResult wrong = f.inventory();
  CHECK(wrong.status == Status::Fail);
  CHECK_CONTAINS(wrong.reason, "is not a B200 (PCI device id 0x2335, expected 0x2901");
  f.options.expectSku.reset();
  f.contexts[0]->identity.smCount = 114;
  CHECK_CONTAINS(f.inventory().reason, "has 114 SMs, a H200 has 132");
  f.contexts[0]->identity.smCount = 132;
  f.contexts[0]->identity.computeMajor = 7;
  f.contexts[0]->identity.computeMinor = 0;
  CheckResult old = f.inventory();
  CHECK(old.status == Status::Error);
  CHECK_CONTAINS(old.reason, "needs 7.5 or newer");
}

// ---- node consistency

TEST(node_consistency_flags_a_straggler) {
  NodeFixture f;
  double values[] = {4300, 4280, 4310, 3500};
  for (double value : values) {
    gv::GpuContext& gpu = f.addGpu("NVIDIA H200", 0x2335, 132);
    f.runs[gpu.identity.cudaIndex]->results.push_back(result("hbm-bandwidth", Status::Pass, value));
  }
  auto check = gv::makeNodeConsistencyCheck();
  CheckResult straggler = check->run(f.node);
  CHECK(straggler.status == Status::Fail);
  CHECK_CONTAINS(straggler.reason, "GPU 3 hbm-bandwidth 3500.0 is 0.816x the median 4290.0 of H200 whole");
  f.runs[3]->results[0].value = 4250;
  CHECK(check->run(f.node).status == Status::Pass);
  f.contexts[0]->timeSliced = true;
  f.runs[3]->results[0].value = 3500;
  CHECK(check->run(f.node).status == Status::Skip);  // reported, not binding
}

TEST(node_consistency_needs_two_comparable_gpus) {
  NodeFixture f;
  f.addGpu("NVIDIA H200", 0x2335, 132);
  auto check = gv::makeNodeConsistencyCheck();
  CHECK(!check->cannotRunReason(f.node).empty());
  f.addGpu("NVIDIA L4", 0x27b8, 58);
  f.runs[0]->results.push_back(result("hbm-bandwidth", Status::Pass, 4300));
  f.runs[1]->results.push_back(result("hbm-bandwidth", Status::Pass, 250));
  CHECK(check->run(f.node).status == Status::Skip);  // different SKUs are never compared
}

// ---- MIG slice

static CheckResult migSlice(gv::Options& options, const gv::GpuIdentity& identity, const char* sku) {
  gv::GpuContext context(options, gv::SkuTable::builtIn());
  context.identity = identity;
  context.sku = gv::SkuTable::builtIn().findByKeyOrId(sku);
  return gv::makeMigSliceCheck()->run(context);
}

static gv::GpuIdentity migIdentity(const char* profile, double gib, int sms) {
  gv::GpuIdentity id;
  id.migInstance = true;
  id.migProfile = std::string(profile);
  id.migDetection = "test";
  id.totalMemoryBytes = static_cast<std::uint64_t>(gib * 1024 * 1024 * 1024);
  id.smCount = sms;
  return id;
}

TEST(mig_slice_matches_profile_memory_and_sms) {
  gv::Options options;
  CHECK(migSlice(options, migIdentity("1g.10gb", 9.75, 16), "H100-SXM").status == Status::Pass);
  CheckResult fewSms = migSlice(options, migIdentity("1g.10gb", 9.75, 14), "H100-SXM");
  CHECK(fewSms.status == Status::Fail);
  CHECK_CONTAINS(fewSms.reason, "visible 14 SMs, 1g.10gb has 16");
  options.expectMigProfile = "3g.40gb";
  CheckResult wrongProfile = migSlice(options, migIdentity("1g.10gb", 9.75, 16), "H100-SXM");
  CHECK(wrongProfile.status == Status::Fail);
  CHECK_CONTAINS(wrongProfile.reason, "device is MIG 1g.10gb, the pool promised 3g.40gb");
  CHECK_CONTAINS(wrongProfile.reason, "visible memory");
  options.expectMigProfile = "1g.18gb+me";
  CHECK(migSlice(options, migIdentity("1g.18gb+me", 16.0, 16), "H200").status == Status::Pass);
}

TEST(mig_slice_compares_the_mode_with_what_the_pool_promised) {
  gv::Options options;
  gv::GpuIdentity whole;
  whole.migDetection = "NVML: MIG mode disabled on the GPU";
  CHECK(migSlice(options, whole, "H100-SXM").status == Status::Skip);
  options.sharing = gv::SharingMode::Mig;
  CheckResult notMig = migSlice(options, whole, "H100-SXM");
  CHECK(notMig.status == Status::Fail);
  CHECK_CONTAINS(notMig.reason, "whole GPU");
  options.sharing = gv::SharingMode::Exclusive;
  CHECK(migSlice(options, migIdentity("1g.10gb", 9.75, 16), "H100-SXM").status == Status::Fail);
  options.sharing = gv::SharingMode::TimeSlicing;  // time-slicing of MIG devices is allowed
  CHECK(migSlice(options, migIdentity("1g.10gb", 9.75, 16), "H100-SXM").status == Status::Pass);
}

// ---- per-GPU context decisions

TEST(sku_resolution_prefers_pci_id_then_name_and_honours_expect_sku) {
  const gv::SkuTable& table = gv::SkuTable::builtIn();
  gv::GpuIdentity id;
  id.name = "NVIDIA H200";
  id.pciDeviceId = 0x2335;
  gv::SkuResolution own = gv::resolveSku(table, id, std::nullopt);
  CHECK_EQ(own.sku->key, std::string("H200"));
  CHECK_EQ(own.matchedBy, std::string("pci-device-id"));
  id.pciDeviceId.reset();
  CHECK_EQ(gv::resolveSku(table, id, std::nullopt).matchedBy, std::string("cuda-name"));
  id.name = "Mystery GPU";
  CHECK(gv::resolveSku(table, id, std::nullopt).sku == nullptr);
  gv::SkuResolution forced = gv::resolveSku(table, id, std::string("B200"));
  CHECK_EQ(forced.sku->key, std::string("B200"));
  CHECK_CONTAINS(forced.matchedBy, "expect-sku");
  id.pciDeviceId = 0x2335;
  CHECK_CONTAINS(gv::resolveSku(table, id, std::string("B200")).matchedBy, "device is H200");
}

TEST(sharing_flag_wins_and_auto_detects_neighbours) {
  gv::GpuIdentity id;
  id.otherComputeProcesses = 0u;
  CHECK(!gv::decideSharing(std::nullopt, id).timeSliced);
  CHECK(gv::decideSharing(gv::SharingMode::TimeSlicing, id).timeSliced);
  CHECK_CONTAINS(gv::decideSharing(gv::SharingMode::TimeSlicing, id).source, "--sharing time-slicing");
  id.otherComputeProcesses = 2u;
  gv::SharingDecision busy = gv::decideSharing(std::nullopt, id);
  CHECK(busy.timeSliced);
  CHECK_CONTAINS(busy.source, "2 other compute process(es)");
  CHECK(!gv::decideSharing(gv::SharingMode::Exclusive, id).timeSliced);
  id.otherComputeProcesses = 0u;
  id.mpsEnabled = true;
  CHECK(gv::decideSharing(std::nullopt, id).timeSliced);
}
