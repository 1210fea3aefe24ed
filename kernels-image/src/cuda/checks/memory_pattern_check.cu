// memory-pattern: write a pattern over a bounded share of free device memory,
// read it back on the device, count mismatches and capture the first bad
// address. Patterns: address-in-address, inverted address, checkerboards,
// walking ones/zeros and random words.
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

struct Pass {
  PatternKind kind;
  std::uint32_t pass;
};

std::vector<Pass> passesFor(Profile profile) {
  std::vector<Pass> passes = {{PatternKind::AddressInAddress, 0}, {PatternKind::AddressInverted, 0},
                              {PatternKind::Checkerboard, 0},     {PatternKind::CheckerboardInverted, 0},
                              {PatternKind::Random, 0},           {PatternKind::Random, 1}};
  // Walking bits: quick walks a subset of positions, full all 64 both ways.
  int step = profile == Profile::Quick ? 8 : 1;
  for (std::uint32_t bit = 0; bit < 64; bit += step) passes.push_back({PatternKind::WalkingOnes, bit});
  if (profile == Profile::Full)
    for (std::uint32_t bit = 0; bit < 64; ++bit) passes.push_back({PatternKind::WalkingZeros, bit});
  return passes;
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
            "pattern write + on-device verify (address, checkerboard, walking bits, random) over a share of free "
            "memory: quick 10 %, full 70 % repeated for ~90 s",
            kBothProfiles};
  }
  bool usesCuda() const override { return true; }
  bool generatesLoad() const override { return true; }

  CheckResult run(GpuContext& context) override {
    bool quick = context.options.profile == Profile::Quick;
    // Time-sliced replicas share memory with other pods: test less of it.
    double share = context.timeSliced ? (quick ? 0.05 : 0.20) : (quick ? 0.10 : 0.70);
    double budgetSeconds = quick ? 0.0 : 90.0;  // full repeats rounds until the budget is spent

    std::size_t freeBytes = 0, totalBytes = 0;
    deviceMemory(&freeBytes, &totalBytes);
    std::size_t bytes = static_cast<std::size_t>(share * freeBytes) / (2 * kMiB) * (2 * kMiB);
    DeviceBuffer buffer;
    while (bytes >= 16 * kMiB && !DeviceBuffer::tryAllocate(bytes, &buffer)) bytes = bytes / 2 / (2 * kMiB) * (2 * kMiB);
    if (!buffer.get()) throw std::runtime_error("could not allocate even 16 MiB for the memory test");
    const std::size_t count = bytes / sizeof(std::uint64_t);

    Stream stream;
    DeviceBuffer counters(sizeof(VerifyCounters));
    int device = 0, sms = 0;
    GV_CUDA(cudaGetDevice(&device));
    GV_CUDA(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
    const int blocks = sms * 8;

    std::vector<Pass> passes = passesFor(context.options.profile);
    auto start = std::chrono::steady_clock::now();
    unsigned long long totalErrors = 0;
    int passesRun = 0, rounds = 0;
    Json firstError;
    bool injected = false;
    do {
      std::uint64_t seed = 0x6a09e667f3bcc908ull + 0x9e3779b97f4a7c15ull * rounds;
      for (const Pass& p : passes) {
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
          firstError.set("pattern", patternName(p.kind));
          firstError.set("pass", p.pass);
          firstError.set("byteOffset", found.firstBadIndex * sizeof(std::uint64_t));
          firstError.set("expected", hex(patternWord(p.kind, p.pass, found.firstBadIndex, seed)));
          firstError.set("observedOnReread", hex(observed));
        }
        totalErrors += found.errors;
      }
      ++rounds;
    } while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < budgetSeconds);

    MemoryPatternMeasurement measurement;
    measurement.bytesTested = bytes;
    measurement.freeBytesAtStart = freeBytes;
    measurement.passes = passesRun;
    measurement.rounds = rounds;
    measurement.mismatchedWords = totalErrors;
    measurement.firstError = firstError;
    CheckResult result = evaluateMemoryPattern(measurement);
    if (injected) result.injectedFaults.push_back("memory-bitflip");
    return result;
  }
};

}  // namespace

std::unique_ptr<GpuCheck> makeMemoryPatternCheck() { return std::make_unique<MemoryPatternCheck>(); }

}  // namespace gv
