#include "sku_table.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <stdexcept>

#include "json.h"
#include "mig_profile.h"

namespace gv {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Lower-case with runs of spaces collapsed, so "NVIDIA  H200 " matches "nvidia h200".
std::string normalizeName(const std::string& text) {
  std::string out;
  bool space = false;
  for (unsigned char c : text) {
    if (std::isspace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw std::runtime_error("SKU table: " + where + ": " + what);
}

SourcedValue sourced(const Json& parent, const std::string& key, const std::string& where) {
  const Json* node = parent.find(key);
  if (!node || !node->isObject()) bad(where, "\"" + key + "\" must be an object {value, source}");
  SourcedValue out;
  const Json* value = node->find("value");
  if (!value) bad(where + "." + key, "missing \"value\"");
  if (value->isNumber()) out.value = value->asNumber();
  else if (!value->isNull()) bad(where + "." + key, "\"value\" must be a number or null");
  const Json* source = node->find("source");
  if (!source || !source->isString() || source->asString().empty())
    bad(where + "." + key, "every value needs a non-empty \"source\"");
  out.source = source->asString();
  return out;
}

std::string text(const Json& parent, const std::string& key, const std::string& where) {
  const Json* node = parent.find(key);
  if (!node || !node->isString() || node->asString().empty()) bad(where, "\"" + key + "\" must be a non-empty string");
  return node->asString();
}

SkuFloors parseFloors(const Json& node, const std::string& where) {
  SkuFloors floors;
  floors.hbmBandwidthGBps = sourced(node, "hbmBandwidthGBps", where);
  floors.gemmTflops = sourced(node, "gemmTflops", where);
  floors.pinnedH2DGBps = sourced(node, "pinnedH2DGBps", where);
  floors.pinnedD2HGBps = sourced(node, "pinnedD2HGBps", where);
  floors.p2pGBps = sourced(node, "p2pGBps", where);
  return floors;
}

SkuSpec parseSku(const Json& node, std::size_t index) {
  std::string where = "skus[" + std::to_string(index) + "]";
  SkuSpec sku;
  sku.key = text(node, "key", where);
  where += " (" + sku.key + ")";
  auto id = parsePciDeviceId(text(node, "pciDeviceId", where));
  if (!id) bad(where, "pciDeviceId must be hex like \"0x2335\"");
  sku.pciDeviceId = *id;
  if (const Json* variants = node.find("pciDeviceIdVariants")) {
    if (!variants->isArray()) bad(where, "pciDeviceIdVariants must be an array");
    for (std::size_t i = 0; i < variants->size(); ++i) {
      const Json& v = (*variants)[i];
      std::string vw = where + ".pciDeviceIdVariants[" + std::to_string(i) + "]";
      if (!v.isObject()) bad(vw, "must be an object {id, name, source}");
      PciDeviceIdVariant variant;
      auto variantId = parsePciDeviceId(text(v, "id", vw));
      if (!variantId) bad(vw, "id must be hex like \"0x2909\"");
      variant.id = *variantId;
      variant.name = text(v, "name", vw);
      variant.source = text(v, "source", vw);
      if (variant.id == sku.pciDeviceId) bad(vw, "repeats the SKU's own pciDeviceId");
      sku.pciDeviceIdVariants.push_back(variant);
    }
  }
  sku.name = text(node, "name", where);
  const Json* names = node.find("cudaNames");
  if (!names || !names->isArray() || names->size() == 0) bad(where, "cudaNames must be a non-empty array");
  for (const Json& name : names->asArray()) sku.cudaNames.push_back(name.asString());
  sku.computeCapability = text(node, "computeCapability", where);
  sku.memoryGB = sourced(node, "memoryGB", where);
  sku.smCount = sourced(node, "smCount", where);
  const Json& pcie = node.at("pcie");
  sku.pcieExpectedGen = sourced(pcie, "expectedGen", where + ".pcie");
  sku.pcieExpectedWidth = sourced(pcie, "expectedWidth", where + ".pcie");
  sku.pcieMinGen = sourced(pcie, "minGen", where + ".pcie");
  sku.pcieMinWidth = sourced(pcie, "minWidth", where + ".pcie");
  sku.peakMemoryBandwidthGBps = sourced(node, "peakMemoryBandwidthGBps", where);
  sku.denseTensorTflops = sourced(node, "denseTensorTflops", where);
  sku.tensorDtype = text(node.at("denseTensorTflops"), "dtype", where + ".denseTensorTflops");
  if (sku.tensorDtype != "bf16" && sku.tensorDtype != "fp16") bad(where, "dtype must be bf16 or fp16");
  sku.floors = parseFloors(node.at("floors"), where + ".floors");
  const Json* profiles = node.find("migProfiles");
  if (!profiles || !profiles->isArray()) bad(where, "migProfiles must be an array (may be empty)");
  for (std::size_t i = 0; i < profiles->size(); ++i) {
    const Json& p = (*profiles)[i];
    std::string pw = where + ".migProfiles[" + std::to_string(i) + "]";
    MigProfileSpec spec;
    spec.name = text(p, "name", pw);
    auto parsed = parseMigProfile(spec.name);
    if (!parsed || !parsed->suffix.empty()) bad(pw, "name must be a base profile like 1g.10gb");
    spec.computeSlices = static_cast<int>(p.at("computeSlices").asNumber());
    spec.memorySlices = static_cast<int>(p.at("memorySlices").asNumber());
    if (spec.computeSlices != parsed->gpuSlices) bad(pw, "computeSlices disagrees with the name");
    if (spec.memorySlices < 1 || spec.memorySlices > 8) bad(pw, "memorySlices must be 1..8");
    spec.smCount = sourced(p, "smCount", pw);
    sku.migProfiles.push_back(spec);
  }
  return sku;
}

HostLinkTable parseHostLinks(const Json& node) {
  const std::string where = "hostLinks";
  if (!node.isObject()) bad(where, "must be an object");
  HostLinkTable table;
  const Json* floors = node.find("floorsByPcieGen");
  if (!floors || !floors->isObject() || floors->asObject().empty())
    bad(where, "floorsByPcieGen must be an object {\"<gen>\": {value, source}}");
  for (const auto& entry : floors->asObject()) {
    const std::string& key = entry.first;
    if (key.empty() || key.size() > 2 || key.find_first_not_of("0123456789") != std::string::npos)
      bad(where + ".floorsByPcieGen", "keys are PCIe generations like \"4\"");
    SourcedValue floor = sourced(*floors, key, where + ".floorsByPcieGen");
    if (!floor.value || *floor.value <= 0) bad(where + ".floorsByPcieGen." + key, "needs a positive value");
    table.floorsByPcieGen.emplace_back(std::stoi(key), floor);
  }
  std::sort(table.floorsByPcieGen.begin(), table.floorsByPcieGen.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  const Json* families = node.find("instanceFamilies");
  if (!families || !families->isArray()) bad(where, "instanceFamilies must be an array");
  for (std::size_t i = 0; i < families->size(); ++i) {
    const Json& f = (*families)[i];
    std::string fw = where + ".instanceFamilies[" + std::to_string(i) + "]";
    InstanceFamilyHostLink family;
    family.family = lower(text(f, "family", fw));
    if (family.family.find('.') != std::string::npos) bad(fw, "family is the instance type before its first '.'");
    family.hostCpu = text(f, "hostCpu", fw);
    family.hostPcieGen = sourced(f, "hostPcieGen", fw);
    if (!family.hostPcieGen.value) bad(fw, "hostPcieGen needs a value");
    if (!table.floorForGen(static_cast<int>(*family.hostPcieGen.value)))
      bad(fw, "no floorsByPcieGen entry for Gen" + std::to_string(static_cast<int>(*family.hostPcieGen.value)));
    for (const auto& other : table.families)
      if (other.family == family.family) bad(fw, "duplicate family " + family.family);
    table.families.push_back(family);
  }
  return table;
}

}  // namespace

const InstanceFamilyHostLink* HostLinkTable::findInstanceType(const std::string& instanceType) const {
  std::string family = lower(instanceType.substr(0, instanceType.find('.')));
  for (const auto& entry : families)
    if (entry.family == family) return &entry;
  return nullptr;
}

const SourcedValue* HostLinkTable::floorForGen(int gen) const {
  for (const auto& entry : floorsByPcieGen)
    if (entry.first == gen) return &entry.second;
  return nullptr;
}

int HostLinkTable::slowestGen() const { return floorsByPcieGen.empty() ? 0 : floorsByPcieGen.front().first; }

const SourcedValue& floorOf(const SkuFloors& floors, FloorKind kind) {
  switch (kind) {
    case FloorKind::HbmBandwidth: return floors.hbmBandwidthGBps;
    case FloorKind::Gemm: return floors.gemmTflops;
    case FloorKind::PinnedH2D: return floors.pinnedH2DGBps;
    case FloorKind::PinnedD2H: return floors.pinnedD2HGBps;
    case FloorKind::P2P: return floors.p2pGBps;
  }
  throw std::logic_error("unknown floor kind");
}

const char* floorUnit(FloorKind kind) { return kind == FloorKind::Gemm ? "TFLOP/s" : "GB/s"; }

const MigProfileSpec* SkuSpec::findMigProfile(const std::string& baseName) const {
  for (const auto& profile : migProfiles)
    if (profile.name == baseName) return &profile;
  return nullptr;
}

bool SkuSpec::matchesPciDeviceId(std::uint16_t id) const {
  if (id == pciDeviceId) return true;
  for (const auto& variant : pciDeviceIdVariants)
    if (variant.id == id) return true;
  return false;
}

std::string SkuSpec::pciDeviceIdsText() const {
  std::string out = formatPciDeviceId(pciDeviceId);
  for (const auto& variant : pciDeviceIdVariants) out += " or " + formatPciDeviceId(variant.id);
  return out;
}

std::optional<std::uint16_t> parsePciDeviceId(const std::string& text) {
  std::string digits = lower(text);
  if (digits.rfind("0x", 0) == 0) digits = digits.substr(2);
  if (digits.empty() || digits.size() > 4) return std::nullopt;
  unsigned value = 0;
  for (char c : digits) {
    value <<= 4;
    if (c >= '0' && c <= '9') value |= static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f') value |= static_cast<unsigned>(c - 'a' + 10);
    else return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

std::string formatPciDeviceId(std::uint16_t id) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "0x%04x", id);
  return buffer;
}

SkuTable SkuTable::parse(const std::string& jsonText) {
  Json root;
  try {
    root = Json::parse(jsonText);
  } catch (const JsonError& e) {
    throw std::runtime_error(std::string("SKU table: ") + e.what());
  }
  if (!root.isObject()) bad("root", "must be an object");
  const Json* version = root.find("schemaVersion");
  if (!version || !version->isNumber() || version->asNumber() != 1) bad("root", "schemaVersion must be 1");
  SkuTable table;
  table.updated_ = text(root, "updated", "root");
  try {
    table.unknownFloors_ = parseFloors(root.at("unknownSku").at("floors"), "unknownSku.floors");
    for (FloorKind kind : {FloorKind::HbmBandwidth, FloorKind::Gemm, FloorKind::PinnedH2D, FloorKind::PinnedD2H,
                           FloorKind::P2P}) {
      if (!floorOf(table.unknownFloors_, kind).value) bad("unknownSku.floors", "every sanity floor needs a value");
    }
    const Json& policy = root.at("policy");
    table.policy_.throttleMaxFlaggedSampleFraction = sourced(policy, "throttleMaxFlaggedSampleFraction", "policy");
    table.policy_.nodeConsistencyMinRatioToMedian = sourced(policy, "nodeConsistencyMinRatioToMedian", "policy");
    table.policy_.sustainedLoadMinLateToEarlyRatio = sourced(policy, "sustainedLoadMinLateToEarlyRatio", "policy");
    table.policy_.memoryTestMaxCorrectedEccDelta = sourced(policy, "memoryTestMaxCorrectedEccDelta", "policy");
    table.policy_.nvlinkMaxReplayRecoveryDelta = sourced(policy, "nvlinkMaxReplayRecoveryDelta", "policy");
    table.policy_.nvlinkMaxCrcErrorsPerSecond = sourced(policy, "nvlinkMaxCrcErrorsPerSecond", "policy");
    table.policy_.pcieReplayBitErrorRate = sourced(policy, "pcieReplayBitErrorRate", "policy");
    table.policy_.rowRemapMaxUncorrectableRows = sourced(policy, "rowRemapMaxUncorrectableRows", "policy");
    table.policy_.retiredPagesMax = sourced(policy, "retiredPagesMax", "policy");
    const Json& mig = root.at("mig");
    table.migPolicy_.memorySlicesPerGpu = sourced(mig, "memorySlicesPerGpu", "mig");
    table.migPolicy_.visibleMemoryMinRatio = sourced(mig, "visibleMemoryMinRatio", "mig");
    table.migPolicy_.visibleMemoryMaxRatio = sourced(mig, "visibleMemoryMaxRatio", "mig");
    for (const SourcedValue* v : {&table.policy_.throttleMaxFlaggedSampleFraction,
                                  &table.policy_.nodeConsistencyMinRatioToMedian,
                                  &table.policy_.sustainedLoadMinLateToEarlyRatio,
                                  &table.policy_.memoryTestMaxCorrectedEccDelta,
                                  &table.policy_.nvlinkMaxReplayRecoveryDelta,
                                  &table.policy_.nvlinkMaxCrcErrorsPerSecond, &table.policy_.pcieReplayBitErrorRate,
                                  &table.policy_.rowRemapMaxUncorrectableRows, &table.policy_.retiredPagesMax,
                                  &table.migPolicy_.memorySlicesPerGpu, &table.migPolicy_.visibleMemoryMinRatio,
                                  &table.migPolicy_.visibleMemoryMaxRatio}) {
      if (!v->value) bad("policy/mig", "policy values cannot be null");
    }
    table.hostLinks_ = parseHostLinks(root.at("hostLinks"));
    const Json& skus = root.at("skus");
    for (std::size_t i = 0; i < skus.size(); ++i) table.skus_.push_back(parseSku(skus[i], i));
  } catch (const JsonError& e) {
    throw std::runtime_error(std::string("SKU table: ") + e.what());
  }
  for (std::size_t i = 0; i < table.skus_.size(); ++i) {
    for (std::size_t j = i + 1; j < table.skus_.size(); ++j) {
      const SkuSpec& a = table.skus_[i];
      const SkuSpec& b = table.skus_[j];
      bool clash = a.matchesPciDeviceId(b.pciDeviceId);
      for (const auto& variant : b.pciDeviceIdVariants) clash = clash || a.matchesPciDeviceId(variant.id);
      if (clash) bad(table.skus_[j].key, "duplicate pciDeviceId (also " + a.key + ")");
      if (lower(table.skus_[i].key) == lower(table.skus_[j].key)) bad(table.skus_[j].key, "duplicate key");
    }
  }
  return table;
}

const SkuTable& SkuTable::builtIn() {
  static const SkuTable table = parse(embeddedSkuJson());
  return table;
}

const SkuSpec* SkuTable::findByPciDeviceId(std::uint16_t id) const {
  for (const auto& sku : skus_)
    if (sku.matchesPciDeviceId(id)) return &sku;
  return nullptr;
}

const SkuSpec* SkuTable::findByCudaName(const std::string& deviceName) const {
  std::string wanted = normalizeName(stripMigSuffix(deviceName));
  for (const auto& sku : skus_)
    for (const auto& name : sku.cudaNames)
      if (normalizeName(name) == wanted) return &sku;
  return nullptr;
}

const SkuSpec* SkuTable::findByKeyOrId(const std::string& text) const {
  for (const auto& sku : skus_)
    if (lower(sku.key) == lower(text)) return &sku;
  if (lower(text).rfind("0x", 0) == 0) {
    if (auto id = parsePciDeviceId(text)) return findByPciDeviceId(*id);
  }
  return nullptr;
}

}  // namespace gv
