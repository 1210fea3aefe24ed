// memory-pattern: patterns over (nearly) all free device memory, verified on
// the device with a mismatch count and the first bad address, and NVML's ECC
// counters compared before and after.
//
// - Coverage: whole GPUs test 90-95 % of free memory in both profiles (the
//   largest share that allocates); time-sliced replicas less (a neighbour
//   may need memory).
// - Write-then-verify passes: address-in-address, inverted address,
//   checkerboards, walking ones (quick: 4 positions; full: 64, and walking
//   zeros), random words.
// - Moving inversions (cuda_memtest tests 4/6, memtest86): write p; ascending,
//   verify p and write ~p; descending, verify ~p and write p; verify p. Each
//   word is read right before it is rewritten, after its neighbours were, so
//   coupling faults between cells show (write-then-read misses them).
// - ECC: on ECC memory a single-bit fault is corrected before the comparison
//   sees it; NVML's volatile corrected/uncorrected counts rising during the
//   test are that signal (performance.cpp judges them).
// - Time: quick stops starting passes after kQuickBudgetSeconds (a slow GDDR
//   part keeps its coverage and drops patterns); full repeats rounds for 90 s.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "../cuda_util.h"
#include "../device_checks.h"
#include "memory_patterns.h"
#include "performance.h"

namespace gv {

namespace {

constexpr std::size_t kMiB = 1024 * 1024;
constexpr int kThreads = 256;
constexpr double kQuickBudgetSeconds = 20.0;
constexpr double kFullBudgetSeconds = 90.0;

struct VerifyCounters {
  unsigned long long errors;
  unsigned long long firstBadIndex;
};

__global__ void writePattern(std::uint64_t* words, std::size_t count, PatternKind kind, std::uint32_t pass,
                             std::uint64_t seed) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride)
    words[i] = patternWord(kind, pass, i, seed);
}

__global__ void verifyPattern(const std::uint64_t* words, std::size_t count, PatternKind kind, std::uint32_t pass,
                              std::uint64_t seed, VerifyCounters* counters) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  unsigned long long errors = 0, first = ~0ull;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride) {
    // volatile: force a real read of memory, never a value kept from the write.
    std::uint64_t value = static_cast<const volatile std::uint64_t*>(words)[i];
    if (value != patternWord(kind, pass, i, seed)) {
      ++errors;
      first = first < i ? first : i;
    }
  }
  if (errors) {
    atomicAdd(&counters->errors, errors);
    atomicMin(&counters->firstBadIndex, first);
  }
}

// Moving inversions, one direction: verify each word (p, or ~p when
// `inverted`), then write its complement. Descending walks the grid-stride
// sequence from the top address down.
__global__ void invertPattern(std::uint64_t* words, std::size_t count, PatternKind kind, std::uint32_t pass,
                              std::uint64_t seed, bool descending, bool inverted, VerifyCounters* counters) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  unsigned long long errors = 0, first = ~0ull;
  volatile std::uint64_t* memory = words;
  for (std::size_t j = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; j < count; j += stride) {
    const std::size_t i = descending ? count - 1 - j : j;
    const std::uint64_t p = patternWord(kind, pass, i, seed);
    const std::uint64_t expected = inverted ? ~p : p;
    if (memory[i] != expected) {
      ++errors;
      first = first < i ? first : i;
    }
    memory[i] = ~expected;
  }
  if (errors) {
    atomicAdd(&counters->errors, errors);
    atomicMin(&counters->firstBadIndex, first);
  }
}

struct Pass {
  PatternKind kind;
  std::uint32_t pass;
  bool movingInversions = false;
};

std::vector<Pass> passesFor(Profile profile) {
  std::vector<Pass> passes = {{PatternKind::AddressInAddress, 0}, {PatternKind::AddressInverted, 0},
                              {PatternKind::Checkerboard, 0},     {PatternKind::CheckerboardInverted, 0},
                              {PatternKind::Random, 0}};
  // Moving inversions on a checkerboard and on random words.
  passes.push_back({PatternKind::Checkerboard, 0, true});
  passes.push_back({PatternKind::Random, 7, true});
  if (profile == Profile::Full) {
    passes.push_back({PatternKind::Random, 1});
    passes.push_back({PatternKind::AddressInAddress, 0, true});
  }
  // Walking bits: quick walks 4 positions, full all 64 both ways.
  int step = profile == Profile::Quick ? 16 : 1;
  for (std::uint32_t bit = 0; bit < 64; bit += step) passes.push_back({PatternKind::WalkingOnes, bit});
  if (profile == Profile::Full)
    for (std::uint32_t bit = 0; bit < 64; ++bit) passes.push_back({PatternKind::WalkingZeros, bit});
  return passes;
}

EccCounters readEccCounters(GpuContext& context) {
  EccCounters counters;
  if (!context.nvmlReady()) {
    counters.unavailableReason = "NVML unavailable: " + context.nvmlUnavailableReason;
    return counters;
  }
  auto corrected = context.nvml->volatileCorrectedEccErrors(context.nvmlDevice);
  auto uncorrected = context.nvml->volatileUncorrectedEccErrors(context.nvmlDevice);
  if (corrected.ok()) counters.corrected = corrected.value;
  if (uncorrected.ok()) counters.uncorrected = uncorrected.value;
  if (!corrected.ok() || !uncorrected.ok())
    counters.unavailableReason = "NVML volatile ECC counters: " +
                                 context.nvml->errorString(corrected.ok() ? uncorrected.code : corrected.code);
  return counters;
}

std::string hex(std::uint64_t value) {
  char buffer[24];
  std::snprintf(buffer, sizeof buffer, "0x%016llx", static_cast<unsigned long long>(value));
  return buffer;
}

class MemoryPatternCheck final : public GpuCheck {
 public:
  CheckInfo info() const override {
    return {"memory-pattern",
            "patterns and moving inversions over >= 90 % of free memory, verified on the device; NVML ECC "
            "counts before/after must not rise; full repeats rounds for ~90 s",
            kBothProfiles};
  }
  bool usesCuda() const override { return true; }
  bool generatesLoad() const override { return true; }

  CheckResult run(GpuContext& context) override {
    bool quick = context.options.profile == Profile::Quick;
    // Whole GPUs: the largest share from 95 % down to 90 % that allocates.
    // Time-sliced replicas share memory with other pods: test less of it.
    double share = context.timeSliced ? (quick ? 0.05 : 0.20) : 0.95;
    const double minShare = context.timeSliced ? share : 0.90;
    double budgetSeconds = quick ? kQuickBudgetSeconds : kFullBudgetSeconds;

    EccCounters eccBefore = readEccCounters(context);
    Stream stream;
    DeviceBuffer counters(sizeof(VerifyCounters));
    std::size_t freeBytes = 0, totalBytes = 0;
    deviceMemory(&freeBytes, &totalBytes);
    auto rounded = [](double value) { return static_cast<std::size_t>(value) / (2 * kMiB) * (2 * kMiB); };
    std::size_t bytes = rounded(share * freeBytes);
    DeviceBuffer buffer;
    while (!DeviceBuffer::tryAllocate(bytes, &buffer)) {
      share -= 0.01;
      // Below the coverage target only halving is left (reported as the share tested).
      bytes = share >= minShare - 1e-9 ? rounded(share * freeBytes) : bytes / 2 / (2 * kMiB) * (2 * kMiB);
      if (bytes < 16 * kMiB) throw std::runtime_error("could not allocate even 16 MiB for the memory test");
    }
    const std::size_t count = bytes / sizeof(std::uint64_t);
    int device = 0, sms = 0;
    GV_CUDA(cudaGetDevice(&device));
    GV_CUDA(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
    const int blocks = sms * 8;

    std::vector<Pass> passes = passesFor(context.options.profile);
    auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    unsigned long long totalErrors = 0;
    int passesRun = 0, rounds = 0, inversionPasses = 0;
    bool budgetCut = false;
    Json firstError;
    bool injected = false;
    do {
      std::uint64_t seed = 0x6a09e667f3bcc908ull + 0x9e3779b97f4a7c15ull * rounds;
      for (const Pass& p : passes) {
        if (quick && passesRun > 0 && elapsed() >= budgetSeconds) {
          budgetCut = true;
          break;
        }
        writePattern<<<blocks, kThreads, 0, stream.get()>>>(buffer.as<std::uint64_t>(), count, p.kind, p.pass, seed);
        GV_CUDA_LAUNCH();
        if (context.faults.has(Fault::MemoryBitflip) && !injected) {
          // Flip one bit of one word after the write, before verification.
          std::size_t index = count / 2 + 12345 % (count / 2);
          std::uint64_t word = 0;
          GV_CUDA(cudaMemcpyAsync(&word, buffer.as<std::uint64_t>() + index, sizeof word, cudaMemcpyDeviceToHost,
                                  stream.get()));
          GV_CUDA(cudaStreamSynchronize(stream.get()));
          word ^= 1ull << 17;
          GV_CUDA(cudaMemcpyAsync(buffer.as<std::uint64_t>() + index, &word, sizeof word, cudaMemcpyHostToDevice,
                                  stream.get()));
          injected = true;
        }
        VerifyCounters initial{0, ~0ull};
        GV_CUDA(cudaMemcpyAsync(counters.get(), &initial, sizeof initial, cudaMemcpyHostToDevice, stream.get()));
        if (p.movingInversions) {
          invertPattern<<<blocks, kThreads, 0, stream.get()>>>(buffer.as<std::uint64_t>(), count, p.kind, p.pass, seed,
                                                               false, false, counters.as<VerifyCounters>());
          GV_CUDA_LAUNCH();
          invertPattern<<<blocks, kThreads, 0, stream.get()>>>(buffer.as<std::uint64_t>(), count, p.kind, p.pass, seed,
                                                               true, true, counters.as<VerifyCounters>());
          GV_CUDA_LAUNCH();
          ++inversionPasses;
        }
        verifyPattern<<<blocks, kThreads, 0, stream.get()>>>(buffer.as<std::uint64_t>(), count, p.kind, p.pass, seed,
                                                             counters.as<VerifyCounters>());
        GV_CUDA_LAUNCH();
        VerifyCounters found{};
        GV_CUDA(cudaMemcpyAsync(&found, counters.get(), sizeof found, cudaMemcpyDeviceToHost, stream.get()));
        GV_CUDA(cudaStreamSynchronize(stream.get()));
        ++passesRun;
        if (found.errors && firstError.isNull()) {
          std::uint64_t observed = 0;
          GV_CUDA(cudaMemcpy(&observed, buffer.as<std::uint64_t>() + found.firstBadIndex, sizeof observed,
                             cudaMemcpyDeviceToHost));
          firstError = Json::object();
          firstError.set("pattern", std::string(p.movingInversions ? "moving-inversions " : "") + patternName(p.kind));
          firstError.set("pass", p.pass);
          firstError.set("byteOffset", found.firstBadIndex * sizeof(std::uint64_t));
          firstError.set("expected", hex(patternWord(p.kind, p.pass, found.firstBadIndex, seed)));
          firstError.set("observedOnReread", hex(observed));
        }
        totalErrors += found.errors;
      }
      ++rounds;
    } while (!quick && elapsed() < budgetSeconds);
    const double seconds = elapsed();
    buffer = DeviceBuffer();
    EccCounters eccAfter = readEccCounters(context);

    MemoryPatternMeasurement measurement;
    measurement.bytesTested = bytes;
    measurement.freeBytesAtStart = freeBytes;
    measurement.passes = passesRun;
    measurement.rounds = rounds;
    measurement.movingInversionPasses = inversionPasses;
    measurement.seconds = seconds;
    measurement.mismatchedWords = totalErrors;
    measurement.firstError = firstError;
    if (context.nvmlReady()) {
      measurement.eccBefore = eccBefore;
      measurement.eccAfter = eccAfter;
    }
    CheckResult result = evaluateMemoryPattern(measurement, context.skus.policy());
    result.details.set("passesPlanned", static_cast<unsigned long>(passes.size()));
    if (budgetCut) result.details.set("note", "quick time budget reached: later patterns skipped, coverage kept");
    if (injected) result.injectedFaults.push_back("memory-bitflip");
    return result;
  }
};

}  // namespace

std::unique_ptr<GpuCheck> makeMemoryPatternCheck() { return std::make_unique<MemoryPatternCheck>(); }

}  // namespace gv
