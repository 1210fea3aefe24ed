#include "mig_profile.h"

#include <cctype>
#include <sstream>

namespace gv {

namespace {

// Reads a positive decimal integer at text[pos]; advances pos.
std::optional<int> readCount(const std::string& text, std::size_t& pos) {
  std::size_t start = pos;
  int value = 0;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
    value = value * 10 + (text[pos] - '0');
    if (value > 100000) return std::nullopt;
    ++pos;
  }
  if (pos == start || value == 0) return std::nullopt;
  return value;
}

bool expect(const std::string& text, std::size_t& pos, const char* literal) {
  std::size_t n = std::char_traits<char>::length(literal);
  if (text.compare(pos, n, literal) != 0) return false;
  pos += n;
  return true;
}

}  // namespace

std::string MigProfileName::baseName() const {
  return std::to_string(gpuSlices) + "g." + std::to_string(memoryGB) + "gb";
}

std::string MigProfileName::canonical() const {
  std::string prefix = computeInstanceSlices ? std::to_string(computeInstanceSlices) + "c." : "";
  return prefix + baseName() + suffix;
}

std::optional<MigProfileName> parseMigProfile(const std::string& text) {
  MigProfileName out;
  std::size_t pos = 0;
  auto first = readCount(text, pos);
  if (!first) return std::nullopt;
  if (expect(text, pos, "c.")) {
    out.computeInstanceSlices = *first;
    auto g = readCount(text, pos);
    if (!g) return std::nullopt;
    first = g;
  }
  if (!expect(text, pos, "g.")) return std::nullopt;
  out.gpuSlices = *first;
  auto memory = readCount(text, pos);
  if (!memory || !expect(text, pos, "gb")) return std::nullopt;
  out.memoryGB = *memory;
  std::string rest = text.substr(pos);
  if (!(rest.empty() || rest == "+me" || rest == "-me" || rest == "+gfx" || rest == "+me.all")) return std::nullopt;
  out.suffix = rest;
  if (out.gpuSlices > 8) return std::nullopt;
  if (out.computeInstanceSlices > out.gpuSlices) return std::nullopt;
  return out;
}

std::optional<std::string> migProfileFromDeviceName(const std::string& deviceName) {
  static const std::string marker = " MIG ";
  std::size_t at = deviceName.rfind(marker);
  if (at == std::string::npos) return std::nullopt;
  std::string profile = deviceName.substr(at + marker.size());
  while (!profile.empty() && std::isspace(static_cast<unsigned char>(profile.back()))) profile.pop_back();
  if (!parseMigProfile(profile)) return std::nullopt;
  return profile;
}

std::string stripMigSuffix(const std::string& deviceName) {
  if (!migProfileFromDeviceName(deviceName)) return deviceName;
  return deviceName.substr(0, deviceName.rfind(" MIG "));
}

MigSliceExpectation expectedMigSlice(const MigProfileName& profile, const SkuSpec* sku, const MigPolicy& policy) {
  MigSliceExpectation out;
  out.profile = profile.canonical();
  const double gib = 1024.0 * 1024.0 * 1024.0;
  double minRatio = policy.visibleMemoryMinRatio.value.value_or(0.8);
  double maxRatio = policy.visibleMemoryMaxRatio.value.value_or(1.05);
  out.minMemoryBytes = static_cast<std::uint64_t>(minRatio * profile.memoryGB * gib);
  out.maxMemoryBytes = static_cast<std::uint64_t>(maxRatio * profile.memoryGB * gib);
  std::ostringstream memorySource;
  memorySource << "profile name " << profile.baseName() << " x [" << minRatio << ", " << maxRatio
               << "] GiB (" << policy.visibleMemoryMinRatio.source << ")";
  out.memorySource = memorySource.str();

  const MigProfileSpec* spec = sku ? sku->findMigProfile(profile.baseName()) : nullptr;
  if (!sku) {
    out.smSource = "unknown GPU: SM count reported, not judged";
    out.fractionSource = "unknown GPU: sanity floors apply unscaled";
    return out;
  }
  if (!spec) {
    out.smSource = "profile " + profile.baseName() + " is not in the " + sku->key + " table: SM count not judged";
    out.computeFraction = profile.gpuSlices / 7.0;
    out.memoryFraction = profile.gpuSlices / 7.0;
    out.fractionSource = "profile not in the table: both fractions approximated by " +
                         std::to_string(profile.gpuSlices) + "/7 compute slices";
    return out;
  }
  double slicesPerGpu = policy.memorySlicesPerGpu.value.value_or(8);
  out.memoryFraction = spec->memorySlices / slicesPerGpu;
  std::ostringstream fraction;
  fraction << "memory " << spec->memorySlices << "/" << slicesPerGpu << " slices";
  if (profile.computeInstanceSlices && profile.computeInstanceSlices < profile.gpuSlices) {
    out.computeFraction = profile.computeInstanceSlices / 7.0;
    out.smSource = "compute instance smaller than its GPU instance: SM count not judged";
    fraction << ", compute " << profile.computeInstanceSlices << "/7 slices";
  } else if (spec->smCount.value && sku->smCount.value) {
    out.smCount = static_cast<int>(*spec->smCount.value);
    out.smSource = spec->smCount.source;
    out.computeFraction = *spec->smCount.value / *sku->smCount.value;
    fraction << ", compute " << *out.smCount << "/" << *sku->smCount.value << " SMs";
  } else {
    out.smSource = spec->smCount.source;
    out.computeFraction = spec->computeSlices / 7.0;
    fraction << ", compute " << spec->computeSlices << "/7 slices (SM count not known)";
  }
  out.fractionSource = fraction.str();
  return out;
}

}  // namespace gv
