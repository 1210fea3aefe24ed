#include <set>

#include "memory_patterns.h"
#include "test_framework.h"

using gv::PatternKind;

static int bitsSet(std::uint64_t x) { return __builtin_popcountll(x); }

TEST(walking_bits_have_exactly_one_bit_that_moves) {
  for (std::uint32_t pass = 0; pass < 64; ++pass) {
    for (std::uint64_t index : {0ull, 1ull, 63ull, 64ull, 123456789ull}) {
      CHECK_EQ(bitsSet(gv::patternWord(PatternKind::WalkingOnes, pass, index, 0)), 1);
      CHECK_EQ(bitsSet(gv::patternWord(PatternKind::WalkingZeros, pass, index, 0)), 63);
    }
  }
  // Over 64 passes every bit of a word is exercised.
  std::uint64_t covered = 0;
  for (std::uint32_t pass = 0; pass < 64; ++pass) covered |= gv::patternWord(PatternKind::WalkingOnes, pass, 7, 0);
  CHECK_EQ(covered, ~0ull);
}

TEST(address_patterns_are_unique_per_word) {
  std::set<std::uint64_t> seen;
  for (std::uint64_t i = 0; i < 4096; ++i) {
    CHECK(seen.insert(gv::patternWord(PatternKind::AddressInAddress, 0, i, 0)).second);
    CHECK_EQ(gv::patternWord(PatternKind::AddressInverted, 0, i, 0),
             ~gv::patternWord(PatternKind::AddressInAddress, 0, i, 0));
  }
}

TEST(checkerboards_alternate_and_invert) {
  for (std::uint64_t i = 0; i < 16; ++i) {
    std::uint64_t a = gv::patternWord(PatternKind::Checkerboard, 0, i, 0);
    std::uint64_t b = gv::patternWord(PatternKind::Checkerboard, 0, i + 1, 0);
    CHECK_EQ(a, ~b);
    CHECK_EQ(gv::patternWord(PatternKind::CheckerboardInverted, 0, i, 0), ~a);
  }
}

TEST(random_words_depend_on_seed_pass_and_index) {
  std::uint64_t base = gv::patternWord(PatternKind::Random, 0, 10, 1);
  CHECK(base != gv::patternWord(PatternKind::Random, 1, 10, 1));
  CHECK(base != gv::patternWord(PatternKind::Random, 0, 11, 1));
  CHECK(base != gv::patternWord(PatternKind::Random, 0, 10, 2));
  CHECK_EQ(base, gv::patternWord(PatternKind::Random, 0, 10, 1));  // reproducible, so verification can recompute
  int total = 0;
  for (std::uint64_t i = 0; i < 1000; ++i) total += bitsSet(gv::patternWord(PatternKind::Random, 0, i, 99));
  CHECK(total > 30000 && total < 34000);  // about half the bits set
}
