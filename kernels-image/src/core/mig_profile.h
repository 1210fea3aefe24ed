// MIG profile names ("1g.10gb", "3g.40gb", "1g.10gb+me", "1c.3g.40gb") and
// what a slice of a given profile should look like from inside it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sku_table.h"

namespace gv {

struct MigProfileName {
  int computeInstanceSlices = 0;  // the "Nc." prefix; 0 when absent (whole GPU instance)
  int gpuSlices = 0;              // "Ng"
  int memoryGB = 0;               // "Mgb"
  std::string suffix;             // "", "+me", "-me", "+gfx", "+me.all"

  std::string baseName() const;   // "1g.10gb"
  std::string canonical() const;  // "1c.3g.40gb+me" style, as parsed
};

std::optional<MigProfileName> parseMigProfile(const std::string& text);

// CUDA names a MIG device "<GPU name> MIG <profile>", e.g.
// "NVIDIA H100 80GB HBM3 MIG 1g.10gb". Returns the profile part if present.
std::optional<std::string> migProfileFromDeviceName(const std::string& deviceName);
// The GPU part of such a name ("NVIDIA H100 80GB HBM3"); unchanged otherwise.
std::string stripMigSuffix(const std::string& deviceName);

struct MigSliceExpectation {
  std::string profile;
  std::uint64_t minMemoryBytes = 0;
  std::uint64_t maxMemoryBytes = 0;
  std::string memorySource;
  std::optional<int> smCount;  // absent: SM count is reported, not judged
  std::string smSource;
  double memoryFraction = 1.0;   // scales bandwidth floors
  double computeFraction = 1.0;  // scales GEMM floors
  std::string fractionSource;
};

// sku may be null (unknown GPU): memory bounds still come from the name, the
// SM count is then not judged and fractions use the 7/8 slice geometry.
MigSliceExpectation expectedMigSlice(const MigProfileName& profile, const SkuSpec* sku, const MigPolicy& policy);

}  // namespace gv
