// Judging device measurements on the host: memory pattern, GEMM correctness,
// P2P bandwidth (the device checks measure, these functions decide), and the
// NVML node facts discovery collects.
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <vector>

#include "../src/cuda/kernels/gemm_tolerance.h"
#include "context_setup.h"
#include "fake_nvml.h"
#include "memory_patterns.h"
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

// ---- memory-pattern: ECC counters before and after, moving inversions

static gv::MemoryPatternMeasurement cleanPatternRun() {
  gv::MemoryPatternMeasurement m;
  m.bytesTested = 120ull << 30;
  m.freeBytesAtStart = 130ull << 30;
  m.passes = 11;
  m.rounds = 1;
  m.movingInversionPasses = 2;
  m.eccBefore = gv::EccCounters{3, 0, ""};
  m.eccAfter = gv::EccCounters{3, 0, ""};
  return m;
}

TEST(memory_pattern_fails_when_ecc_counts_rise_during_the_test) {
  const gv::SkuPolicy& policy = gv::SkuTable::builtIn().policy();
  gv::CheckResult clean = gv::evaluateMemoryPattern(cleanPatternRun(), policy);
  CHECK(clean.status == Status::Pass);
  CHECK_CONTAINS(clean.reason, "no ECC errors during the test");
  CHECK_EQ(clean.details.at("eccCorrectedDuringTest").asNumber(), 0.0);
  CHECK_EQ(clean.details.at("movingInversionPasses").asNumber(), 2.0);
  CHECK(clean.details.at("shareOfFreeMemory").asNumber() >= 0.9);

  gv::MemoryPatternMeasurement corrected = cleanPatternRun();
  corrected.eccAfter->corrected = 4;  // ECC hid one flipped bit from the comparison
  gv::CheckResult weak = gv::evaluateMemoryPattern(corrected, policy);
  CHECK(weak.status == Status::Fail);
  CHECK_CONTAINS(weak.reason, "1 ECC-corrected error(s) during the test");
  CHECK_EQ(*weak.value, 0.0);  // the comparison itself saw nothing

  gv::MemoryPatternMeasurement uncorrected = cleanPatternRun();
  uncorrected.eccAfter->uncorrected = 1;
  gv::CheckResult bad = gv::evaluateMemoryPattern(uncorrected, policy);
  CHECK(bad.status == Status::Fail);
  CHECK_CONTAINS(bad.reason, "1 uncorrectable ECC error(s) during the test");

  // A policy that tolerates corrections passes the first case: the limit is the table's.
  gv::SkuPolicy lenient = policy;
  lenient.memoryTestMaxCorrectedEccDelta.value = 5;
  CHECK(gv::evaluateMemoryPattern(corrected, lenient).status == Status::Pass);
}

TEST(memory_pattern_reports_ecc_it_could_not_compare) {
  gv::MemoryPatternMeasurement noNvml = cleanPatternRun();
  noNvml.eccBefore.reset();
  noNvml.eccAfter.reset();
  gv::CheckResult result = gv::evaluateMemoryPattern(noNvml);
  CHECK(result.status == Status::Pass);
  CHECK_CONTAINS(result.details.at("eccComparison").asString(), "NVML unavailable");
  gv::MemoryPatternMeasurement reset = cleanPatternRun();
  reset.eccBefore = gv::EccCounters{3, 2, ""};
  reset.eccAfter = gv::EccCounters{0, 0, ""};  // counters went backwards
  CHECK_CONTAINS(gv::evaluateMemoryPattern(reset).details.at("eccComparison").asString(), "backwards");
  gv::MemoryPatternMeasurement unsupported = cleanPatternRun();
  unsupported.eccBefore = gv::EccCounters{std::nullopt, std::nullopt, "NVML volatile ECC counters: Not Supported"};
  CHECK_CONTAINS(gv::evaluateMemoryPattern(unsupported).details.at("eccComparison").asString(), "Not Supported");
}

namespace {

// Memory with an inversion coupling fault: writing word `aggressor` inverts bit 0 of word `victim`.
struct CoupledMemory {
  std::vector<std::uint64_t> words;
  std::uint64_t aggressor, victim;
  std::uint64_t read(std::uint64_t i) const { return words[i]; }
  void write(std::uint64_t i, std::uint64_t value) {
    words[i] = value;
    if (i == aggressor) words[victim] ^= 1;
  }
};

std::uint64_t checkerboard(std::uint64_t i) { return gv::patternWord(gv::PatternKind::Checkerboard, 0, i, 0); }

// The write-then-verify pass the device runs for the other patterns.
unsigned long long writeThenVerify(CoupledMemory& memory) {
  for (std::uint64_t i = 0; i < memory.words.size(); ++i) memory.write(i, checkerboard(i));
  unsigned long long errors = 0;
  for (std::uint64_t i = 0; i < memory.words.size(); ++i) errors += memory.read(i) != checkerboard(i);
  return errors;
}

unsigned long long movingInversions(CoupledMemory& memory) {
  return gv::movingInversions(
      memory.words.size(), checkerboard, [&](std::uint64_t i) { return memory.read(i); },
      [&](std::uint64_t i, std::uint64_t value) { memory.write(i, value); });
}

}  // namespace

TEST(moving_inversions_catch_a_coupling_fault_write_then_verify_misses) {
  // Aggressor below the victim: the victim is rewritten after the disturbance in every plain pass.
  CoupledMemory memory{std::vector<std::uint64_t>(64), 5, 9};
  CHECK_EQ(writeThenVerify(memory), 0ull);
  CHECK(movingInversions(memory) > 0);
  // Aggressor above the victim: the descending sweep catches it.
  CoupledMemory above{std::vector<std::uint64_t>(64), 40, 12};
  CHECK(movingInversions(above) > 0);
  // Healthy memory: no errors (the check can pass).
  CoupledMemory healthy{std::vector<std::uint64_t>(64), 64, 0};
  CHECK_EQ(movingInversions(healthy), 0ull);
}

// ---- gemm-correctness: the tolerance of kernels/gemm_tolerance.h, on a CPU model

namespace {

std::uint16_t bf16Bits(float value) {  // round to nearest even
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<std::uint16_t>(bits >> 16);
}
float bf16Value(std::uint16_t bits) {
  std::uint32_t wide = static_cast<std::uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &wide, sizeof value);
  return value;
}

struct GemmModel {
  int m, n, k;
  std::vector<std::uint16_t> a, b;  // BF16 bits, row-major m x k and k x n
  float at(const std::vector<std::uint16_t>& x, std::size_t i) const { return bf16Value(x[i]); }

  // The device reference kernel: sequential FP32 fmaf, and sum|a*b|.
  void reference(std::vector<float>& c, std::vector<float>& absSum) const {
    c.assign(static_cast<std::size_t>(m) * n, 0);
    absSum.assign(c.size(), 0);
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j) {
        float sum = 0, magnitude = 0;
        for (int p = 0; p < k; ++p) {
          float x = at(a, static_cast<std::size_t>(i) * k + p), y = at(b, static_cast<std::size_t>(p) * n + j);
          sum = std::fma(x, y, sum);
          magnitude += std::fabs(x * y);
        }
        c[static_cast<std::size_t>(i) * n + j] = sum;
        absSum[static_cast<std::size_t>(i) * n + j] = magnitude;
      }
  }
  // A tensor core's order: 16-term chunks summed by a pairwise tree, chunks added last to first, truncating
  // each chunk's sum to FP32 toward zero (the worst the bound allows).
  std::vector<float> tensorCore() const {
    std::vector<float> c(static_cast<std::size_t>(m) * n);
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j) {
        float total = 0;
        for (int chunk = k / 16 - 1; chunk >= 0; --chunk) {
          double terms[16];
          for (int t = 0; t < 16; ++t) {
            int p = chunk * 16 + t;
            terms[t] = static_cast<double>(at(a, static_cast<std::size_t>(i) * k + p)) *
                       at(b, static_cast<std::size_t>(p) * n + j);
          }
          for (int width = 16; width > 1; width /= 2)
            for (int t = 0; t < width / 2; ++t) terms[t] = terms[2 * t] + terms[2 * t + 1];
          float part = static_cast<float>(terms[0]);
          if (std::fabs(static_cast<double>(part)) > std::fabs(terms[0])) part = std::nextafter(part, 0.0f);
          total += part;
        }
        c[static_cast<std::size_t>(i) * n + j] = total;
      }
    return c;
  }
};

GemmModel model(int m, int n, int k, bool exact, std::uint64_t seed) {
  GemmModel g{m, n, k, {}, {}};
  for (std::size_t i = 0; i < static_cast<std::size_t>(m) * k; ++i)
    g.a.push_back(bf16Bits(exact ? gv::gemmExactInput(i, seed) : gv::gemmUniformInput(i, seed)));
  for (std::size_t i = 0; i < static_cast<std::size_t>(k) * n; ++i)
    g.b.push_back(bf16Bits(exact ? gv::gemmExactInput(i, seed ^ 0x5bd1e995ull)
                                 : gv::gemmUniformInput(i, seed ^ 0x5bd1e995ull)));
  return g;
}

unsigned long long mismatches(const std::vector<float>& c, const std::vector<float>& reference,
                              const std::vector<float>& absSum, float tolerance) {
  unsigned long long wrong = 0;
  for (std::size_t i = 0; i < c.size(); ++i) wrong += !gv::gemmElementMatches(c[i], reference[i], absSum[i], tolerance);
  return wrong;
}

}  // namespace

TEST(exact_gemm_inputs_are_full_mantissa_bf16_and_sum_exactly) {
  std::set<int> mantissas;
  for (std::uint64_t i = 0; i < 4096; ++i) {
    float x = gv::gemmExactInput(i, 7);
    CHECK_EQ(bf16Value(bf16Bits(x)), x);  // representable in BF16
    CHECK(std::fabs(x) >= 1.0f && std::fabs(x) < 2.0f);
    mantissas.insert(bf16Bits(x) & 0x7f);
  }
  CHECK_EQ(mantissas.size(), std::size_t(128));  // every 7-bit stored mantissa occurs, low bits included
  // K = 256: the reference, a tensor-core order with truncation, and the exact sum agree bit for bit.
  GemmModel g = model(32, 32, gv::kExactGemmMaxK, true, 0x5eed);
  std::vector<float> reference, absSum;
  g.reference(reference, absSum);
  CHECK_EQ(mismatches(g.tensorCore(), reference, absSum, 0.0f), 0ull);
}

TEST(exact_gemm_catches_one_flipped_low_mantissa_bit) {
  GemmModel g = model(32, 32, gv::kExactGemmMaxK, true, 0x5eed);
  std::vector<float> reference, absSum;
  g.reference(reference, absSum);
  for (int bit : {0, 1, 6}) {  // mantissa bits 0 (lowest), 1 and 6 (highest stored)
    GemmModel faulty = g;
    faulty.a[5 * g.k + 17] ^= static_cast<std::uint16_t>(1u << bit);  // row 5, column 17 of A
    unsigned long long wrong = mismatches(faulty.tensorCore(), reference, absSum, 0.0f);
    CHECK_EQ(wrong, static_cast<unsigned long long>(g.n));  // every element of row 5, nothing else
    faulty = g;
    faulty.b[17 * g.n + 3] ^= static_cast<std::uint16_t>(1u << bit);  // and in B: column 3
    CHECK_EQ(mismatches(faulty.tensorCore(), reference, absSum, 0.0f), static_cast<unsigned long long>(g.m));
  }
}

TEST(uniform_gemm_tolerance_is_the_derived_bound_and_holds_for_a_healthy_order) {
  const int k = 1024;
  double factor = gv::gemmUniformToleranceFactor(k);
  CHECK_NEAR(factor, 3.0 * 1023 / 16777216.0, 1e-7);  // 3 (K-1) u, u = 2^-24: 1.83e-4, 5x below the old 2^-10
  CHECK(factor < 1.0 / 1024 / 5);
  GemmModel g = model(16, 16, k, false, 0x77);
  std::vector<float> reference, absSum;
  g.reference(reference, absSum);
  std::vector<float> healthy = g.tensorCore();
  CHECK_EQ(mismatches(healthy, reference, absSum, static_cast<float>(factor)), 0ull);
  // A flipped exponent bit (bit 7 of BF16) of one input is far outside the bound.
  GemmModel faulty = g;
  faulty.a[3 * k + 100] ^= 0x80;
  CHECK(mismatches(faulty.tensorCore(), reference, absSum, static_cast<float>(factor)) > 0);
  // The comparison rule rejects NaN and infinity whatever the tolerance.
  CHECK(!gv::gemmElementMatches(std::nanf(""), 1.0f, 1.0f, 1.0f));
  CHECK(!gv::gemmElementMatches(INFINITY, 1.0f, 1.0f, 1.0f));
  CHECK(gv::gemmElementMatches(1.0f, 1.0f, 0.0f, 0.0f));
}

TEST(gemm_correctness_source_names_the_derivation) {
  gv::GemmCorrectnessMeasurement measured;
  measured.casesPerRepeat = 10;
  gv::CheckResult pass = gv::evaluateGemmCorrectness(measured);
  CHECK_CONTAINS(pass.threshold->source, "gemm_tolerance.h");
  CHECK_CONTAINS(pass.threshold->source, "3(K-1)u");
}

// ---- gemm-throughput without cuBLAS, sustained-load correctness under load

TEST(gemm_throughput_without_cublas_cannot_validate) {
  gv::Threshold floor = gv::makeThreshold(gv::Comparison::AtLeast, 637, "TFLOP/s", "s");
  CHECK(gv::evaluateGemmThroughput(700, floor, true).status == Status::Pass);
  CHECK(gv::evaluateGemmThroughput(600, floor, true).status == Status::Fail);
  gv::CheckResult wmma = gv::evaluateGemmThroughput(40, floor, false);
  CHECK(wmma.status == Status::Error);  // never a pass, never a silent skip
  CHECK_CONTAINS(wmma.reason, "GPU_VALIDATE_REQUIRE_CUBLAS=OFF");
  CHECK_EQ(*wmma.value, 40.0);
  CHECK(gv::evaluateGemmThroughput(700, floor, false).status == Status::Error);
}

TEST(sustained_load_fails_when_a_result_under_load_differs_from_the_first) {
  const gv::SkuPolicy& policy = gv::SkuTable::builtIn().policy();
  gv::SustainedCorrectness clean;
  clean.comparisons = 600;
  gv::CheckResult pass = gv::evaluateSustainedLoad(700, 690, policy, false, clean);
  CHECK(pass.status == Status::Pass);
  CHECK_CONTAINS(pass.reason, "600 results under load identical to the first");
  gv::SustainedCorrectness corrupt = clean;
  corrupt.mismatchedComparisons = 2;
  corrupt.mismatchedWords = 3;
  corrupt.firstMismatchAtSeconds = 141.5;
  gv::CheckResult fail = gv::evaluateSustainedLoad(700, 690, policy, false, corrupt);
  CHECK(fail.status == Status::Fail);
  CHECK_CONTAINS(fail.reason, "2 of 600 batches differ from the first result");
  CHECK_EQ(fail.details.at("resultsVsFirst").at("mismatchedWords").asNumber(), 3.0);
  // Time-sliced: the rate is not binding, corruption still fails.
  CHECK(gv::evaluateSustainedLoad(700, 300, policy, true, clean).status == Status::Skip);
  CHECK(gv::evaluateSustainedLoad(700, 300, policy, true, corrupt).status == Status::Fail);
  // Nothing compared: no pass.
  CHECK(gv::evaluateSustainedLoad(700, 690, policy, false, gv::SustainedCorrectness{}).status == Status::Error);
  CHECK(gv::evaluateSustainedLoad(700, 500, policy, false, clean).status == Status::Fail);  // slowed down
}

// ---- NUMA placement helpers of pinned-bandwidth

TEST(cpu_lists_and_pci_addresses_parse_as_sysfs_writes_them) {
  CHECK(gv::parseCpuList("0-3,8,10-11\n") == (std::vector<int>{0, 1, 2, 3, 8, 10, 11}));
  CHECK_EQ(gv::parseCpuList("48-95,144-191").size(), std::size_t(96));
  CHECK(gv::parseCpuList("").empty());
  CHECK(gv::parseCpuList("3-1").empty());
  CHECK(gv::parseCpuList("a-b").empty());
  CHECK_EQ(gv::sysfsPciAddress("00000000:53:00.0"), std::string("0000:53:00.0"));
  CHECK_EQ(gv::sysfsPciAddress("0000:A8:00.0"), std::string("0000:a8:00.0"));
  CHECK_EQ(gv::sysfsPciAddress("53:00.0"), std::string());
  CHECK_EQ(gv::sysfsPciAddress("0000:53:00"), std::string());
}

// ---- inventory accepts a SKU's PCI id variants (B200 0x2909)

TEST(inventory_accepts_b200_variant_0x2909_for_expect_sku_b200) {
  gv::Options options;
  options.expectSku = std::string("B200");
  const gv::SkuTable& table = gv::SkuTable::builtIn();
  gv::NodeContext node(options, table);
  node.facts.cudaDeviceCount = 1;
  gv::GpuContext gpu(options, table);
  gpu.identity.cudaIndex = 0;
  gpu.identity.name = "NVIDIA B200";
  gpu.identity.pciDeviceId = 0x2909;
  gpu.identity.smCount = 148;
  gpu.identity.computeMajor = 10;
  gpu.identity.uuid = "GPU-b";
  gv::SkuResolution sku = gv::resolveSku(table, gpu.identity, options.expectSku);
  gpu.sku = sku.sku;
  gpu.skuMatchedBy = sku.matchedBy;
  CHECK_EQ(sku.matchedBy, std::string("pci-device-id"));
  gv::GpuRun run;
  run.context = &gpu;
  node.gpus = {&run};
  auto inventory = gv::makeInventoryCheck();
  gv::CheckResult pass = inventory->run(node);
  CHECK(pass.status == Status::Pass);
  gpu.identity.pciDeviceId = 0x2335;  // an H200 in a B200 pool
  gpu.identity.smCount = 132;
  gv::CheckResult fail = inventory->run(node);
  CHECK(fail.status == Status::Fail);
  CHECK_CONTAINS(fail.reason, "expected 0x2901) (or a variant: 0x2901 or 0x2909)");
}
