// Memory test patterns, one 64-bit word at a time. Shared by the device
// kernels and the host tests, so the expected value of every word is defined
// in exactly one place.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define GV_HOST_DEVICE __host__ __device__
#else
#define GV_HOST_DEVICE
#endif

namespace gv {

enum class PatternKind : int {
  AddressInAddress,      // word i holds i: catches aliasing and address-line faults
  AddressInverted,       // ~i: every bit flips relative to the previous pass
  Checkerboard,          // alternating 1010.../0101... between neighbouring words
  CheckerboardInverted,
  WalkingOnes,           // a single set bit that moves with the word index and pass
  WalkingZeros,          // a single clear bit
  Random,                // splitmix64 of the index and a per-pass seed
};

GV_HOST_DEVICE inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

GV_HOST_DEVICE inline std::uint64_t patternWord(PatternKind kind, std::uint32_t pass, std::uint64_t index,
                                                std::uint64_t seed) {
  switch (kind) {
    case PatternKind::AddressInAddress: return index;
    case PatternKind::AddressInverted: return ~index;
    case PatternKind::Checkerboard: return (index & 1) ? 0x5555555555555555ull : 0xaaaaaaaaaaaaaaaaull;
    case PatternKind::CheckerboardInverted: return (index & 1) ? 0xaaaaaaaaaaaaaaaaull : 0x5555555555555555ull;
    case PatternKind::WalkingOnes: return 1ull << ((index + pass) & 63);
    case PatternKind::WalkingZeros: return ~(1ull << ((index + pass) & 63));
    case PatternKind::Random: return splitmix64(index ^ (seed + 0x632be59bd9b4e019ull * (pass + 1ull)));
  }
  return 0;
}

inline const char* patternName(PatternKind kind) {
  switch (kind) {
    case PatternKind::AddressInAddress: return "address-in-address";
    case PatternKind::AddressInverted: return "address-inverted";
    case PatternKind::Checkerboard: return "checkerboard";
    case PatternKind::CheckerboardInverted: return "checkerboard-inverted";
    case PatternKind::WalkingOnes: return "walking-ones";
    case PatternKind::WalkingZeros: return "walking-zeros";
    case PatternKind::Random: return "random";
  }
  return "?";
}

}  // namespace gv
