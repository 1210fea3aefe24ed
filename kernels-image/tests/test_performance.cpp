// Judging device measurements on the host: memory pattern, GEMM correctness,
// P2P bandwidth (the device checks measure, these functions decide), and the
// NVML node facts discovery collects.
#include "context_setup.h"
#include "fake_nvml.h"
#include "performance.h"
#include "test_framework.h"

using gv::Status;

TEST(memory_pattern_passes_clean_and_fails_on_one_bad_word) {
  gv::MemoryPatternMeasurement clean;
  clean.bytesTested = 8ull << 30;
  clean.freeBytesAtStart = 80ull << 30;
  clean.passes = 14;
  clean.rounds = 1;
  gv::CheckResult pass = gv::evaluateMemoryPattern(clean);
  CHECK(pass.status == Status::Pass);
  CHECK_EQ(pass.name, std::string("memory-pattern"));
  CHECK_EQ(pass.reason, std::string("no mismatches in 14 passes over 8192 MiB"));
  CHECK_NEAR(pass.details.at("shareOfFreeMemory").asNumber(), 0.1, 1e-12);
  CHECK(pass.details.at("firstError").isNull());

  gv::MemoryPatternMeasurement bad = clean;
  bad.mismatchedWords = 1;
  bad.firstError = gv::Json::object();
  bad.firstError.set("pattern", "walking-ones");
  bad.firstError.set("byteOffset", 4096);
  gv::CheckResult fail = gv::evaluateMemoryPattern(bad);
  CHECK(fail.status == Status::Fail);
  CHECK_EQ(fail.reason, std::string("1 mismatched 64-bit word(s) in 14 passes; first at byte offset 4096 "
                                    "(walking-ones)"));
  CHECK_EQ(*fail.value, 1.0);
  CHECK(fail.threshold->comparison == gv::Comparison::AtMost);

  gv::MemoryPatternMeasurement noFree = clean;
  noFree.freeBytesAtStart = 0;  // never a division by zero in the report
  CHECK(gv::evaluateMemoryPattern(noFree).details.at("shareOfFreeMemory").isNull());
}

TEST(gemm_correctness_counts_wrong_elements_and_skips_without_tensor_cores) {
  gv::GemmCorrectnessMeasurement measured;
  measured.casesPerRepeat = 6;
  measured.repeats = 1;
  measured.cases.push(gv::Json::object());
  gv::CheckResult pass = gv::evaluateGemmCorrectness(measured);
  CHECK(pass.status == Status::Pass);
  CHECK_EQ(pass.reason, std::string("all 6 GEMM cases match the reference"));
  CHECK_EQ(pass.details.at("cases").size(), std::size_t(1));
  measured.mismatches = 3;
  gv::CheckResult fail = gv::evaluateGemmCorrectness(measured);
  CHECK(fail.status == Status::Fail);
  CHECK_EQ(fail.reason, std::string("3 GEMM output element(s) outside tolerance"));
  gv::GemmCorrectnessMeasurement none;
  none.computeMajor = 7;
  none.computeMinor = 0;
  gv::CheckResult skip = gv::evaluateGemmCorrectness(none);
  CHECK(skip.status == Status::Skip);
  CHECK_CONTAINS(skip.reason, "compute capability 7.0");
}

static gv::P2pMeasurement allPairs(int gpus, double gbps) {
  gv::P2pMeasurement m;
  m.bytes = 256u << 20;
  for (int i = 0; i < gpus; ++i)
    for (int j = 0; j < gpus; ++j)
      if (i != j) m.pairs.push_back({i, j, gbps});
  return m;
}

TEST(p2p_judges_the_slowest_pair_and_requires_peer_access_on_nvlink_skus) {
  const gv::SkuTable& table = gv::SkuTable::builtIn();
  const gv::SkuSpec* h100 = table.findByKeyOrId("H100-SXM");
  gv::P2pMeasurement good = allPairs(4, 380.0);
  good.pairs[5].gbps = 370.0;
  gv::CheckResult pass = gv::evaluateP2p(good, table, h100, false);
  CHECK(pass.status == Status::Pass);
  CHECK_EQ(*pass.value, 370.0);
  CHECK_CONTAINS(pass.reason, "slowest pair 1->3: ");
  CHECK_EQ(pass.details.at("gbpsByPair").at("0->1").asNumber(), 380.0);
  CHECK_EQ(pass.details.at("pairsWithoutPeerAccess").asNumber(), 0.0);

  gv::P2pMeasurement slow = good;
  slow.pairs[2].gbps = 120.0;
  CHECK(gv::evaluateP2p(slow, table, h100, false).status == Status::Fail);
  CHECK(gv::evaluateP2p(slow, table, h100, true).status == Status::Skip);  // time-sliced: not binding

  gv::P2pMeasurement missing = good;
  missing.pairs[0].gbps.reset();
  gv::CheckResult noPeer = gv::evaluateP2p(missing, table, h100, false);
  CHECK(noPeer.status == Status::Fail);
  CHECK_CONTAINS(noPeer.reason, "no peer access on 0->1 (NVLink expected on H100-SXM)");
  CHECK(noPeer.details.at("gbpsByPair").at("0->1").isNull());

  gv::P2pMeasurement none = allPairs(2, 0);
  for (auto& pair : none.pairs) pair.gbps.reset();
  CHECK(gv::evaluateP2p(none, table, h100, false).status == Status::Fail);
  CHECK(gv::evaluateP2p(none, table, table.findByKeyOrId("L4"), false).status == Status::Skip);
}

TEST(p2p_cannot_run_on_one_gpu_mig_or_replicas_of_one_gpu) {
  gv::Options options;
  const gv::SkuTable& table = gv::SkuTable::builtIn();
  gv::NodeContext node(options, table);
  gv::GpuContext a(options, table), b(options, table);
  a.identity.uuid = "GPU-a";
  b.identity.uuid = "GPU-a";
  gv::GpuRun runA, runB;
  runA.context = &a;
  runB.context = &b;
  node.gpus = {&runA};
  CHECK_EQ(gv::p2pCannotRunReason(node), std::string("fewer than two GPUs in this pod"));
  node.gpus = {&runA, &runB};
  CHECK_CONTAINS(gv::p2pCannotRunReason(node), "replicas of one physical GPU");
  b.identity.uuid = "GPU-b";
  CHECK(gv::p2pCannotRunReason(node).empty());
  b.identity.migInstance = true;
  CHECK_CONTAINS(gv::p2pCannotRunReason(node), "MIG instances");
  b.identity.migInstance = false;

  // Judged as the node's common SKU: an NVLink floor applies only when all agree.
  a.sku = b.sku = table.findByKeyOrId("H100-SXM");
  gv::P2pMeasurement slow = allPairs(2, 100.0);
  CHECK(gv::evaluateP2p(slow, node).status == Status::Fail);
  CHECK_CONTAINS(gv::evaluateP2p(slow, node).threshold->source, "H100-SXM");
  b.timeSliced = true;
  CHECK(gv::evaluateP2p(slow, node).status == Status::Skip);
  b.timeSliced = false;
  b.sku = table.findByKeyOrId("L4");
  CHECK_CONTAINS(gv::evaluateP2p(slow, node).threshold->source, "sanity floor, unknown SKU");
}

TEST(nvml_facts_carry_versions_count_and_lost_gpus) {
  gvtest::FakeNvml fake;
  fake.count = gv::NvmlResult<unsigned>::success(8);
  gv::NodeFacts facts;
  gv::collectNvmlFacts(fake, &facts);
  CHECK_EQ(*facts.nvmlDriverVersion, std::string("580.95.05"));
  CHECK_EQ(*facts.nvmlCudaDriverVersion, 13000);
  CHECK_EQ(*facts.nvmlDeviceCount, 8u);
  CHECK(facts.nvmlLostIndices.empty());
  fake.byIndexCode = gv::nvml::kErrorGpuIsLost;
  gv::NodeFacts lost;
  gv::collectNvmlFacts(fake, &lost);
  CHECK_EQ(lost.nvmlLostIndices.size(), std::size_t(8));
}
