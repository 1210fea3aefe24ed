#include <regex>

#include "json.h"
#include "performance.h"
#include "sku_table.h"
#include "test_framework.h"
#include "thresholds.h"

using gv::FloorKind;
using gv::SkuTable;

TEST(built_in_table_has_the_required_skus_by_pci_id) {
  const SkuTable& table = SkuTable::builtIn();
  struct Expected {
    unsigned id;
    const char* key;
  } expected[] = {{0x2330, "H100-SXM"}, {0x2335, "H200"}, {0x20b0, "A100-SXM4-40GB"}, {0x20b2, "A100-SXM4-80GB"},
                  {0x2901, "B200"},     {0x27b8, "L4"},   {0x26b9, "L40S"},           {0x2237, "A10G"},
                  {0x1eb8, "T4"}};
  for (const auto& e : expected) {
    const gv::SkuSpec* sku = table.findByPciDeviceId(static_cast<std::uint16_t>(e.id));
    REQUIRE(sku != nullptr);
    CHECK_EQ(sku->key, std::string(e.key));
  }
}

// (A value without a source cannot reach here: SkuTable::parse refuses it, see
// rejects_values_without_a_source_duplicates_and_bad_ids.)
TEST(floors_sit_below_the_datasheet_peak) {
  const SkuTable& table = SkuTable::builtIn();
  for (const auto& sku : table.skus()) {
    if (sku.floors.hbmBandwidthGBps.value && sku.peakMemoryBandwidthGBps.value)
      CHECK(*sku.floors.hbmBandwidthGBps.value < 0.8 * *sku.peakMemoryBandwidthGBps.value);
    if (sku.floors.gemmTflops.value && sku.denseTensorTflops.value)
      CHECK(*sku.floors.gemmTflops.value < 0.8 * *sku.denseTensorTflops.value);
  }
}

TEST(lookup_by_cuda_name_key_and_id) {
  const SkuTable& table = SkuTable::builtIn();
  REQUIRE(table.findByCudaName("NVIDIA H100 80GB HBM3") != nullptr);
  CHECK_EQ(table.findByCudaName("NVIDIA H100 80GB HBM3 MIG 1g.10gb")->key, std::string("H100-SXM"));
  CHECK_EQ(table.findByCudaName("nvidia  h200")->key, std::string("H200"));
  CHECK_EQ(table.findByCudaName("Tesla T4")->key, std::string("T4"));
  CHECK(table.findByCudaName("NVIDIA GeForce RTX 4090") == nullptr);
  CHECK_EQ(table.findByKeyOrId("h200")->key, std::string("H200"));
  CHECK_EQ(table.findByKeyOrId("0x27B8")->key, std::string("L4"));
  CHECK(table.findByKeyOrId("27b8") == nullptr);  // ids need the 0x prefix, keys do not
  CHECK(table.findByKeyOrId("H300") == nullptr);
}

TEST(pci_ids_parse_and_format) {
  CHECK_EQ(*gv::parsePciDeviceId("0x2335"), std::uint16_t(0x2335));
  CHECK_EQ(*gv::parsePciDeviceId("20B2"), std::uint16_t(0x20b2));
  CHECK(!gv::parsePciDeviceId("0x12345").has_value());
  CHECK(!gv::parsePciDeviceId("0xZZ").has_value());
  CHECK(!gv::parsePciDeviceId("").has_value());
  CHECK_EQ(gv::formatPciDeviceId(0x1eb8), std::string("0x1eb8"));
}

static std::string minimalTable(const std::string& skuBody) {
  const char* floors = R"("floors": {
      "hbmBandwidthGBps": {"value": 50, "source": "s"}, "gemmTflops": {"value": 1, "source": "s"},
      "pinnedH2DGBps": {"value": 3, "source": "s"}, "pinnedD2HGBps": {"value": 3, "source": "s"},
      "p2pGBps": {"value": 3, "source": "s"}})";
  return std::string(R"({"schemaVersion": 1, "updated": "2026-01-01", "unknownSku": {)") + floors +
         R"(}, "policy": {"throttleMaxFlaggedSampleFraction": {"value": 0.05, "source": "s"},
           "nodeConsistencyMinRatioToMedian": {"value": 0.9, "source": "s"},
           "sustainedLoadMinLateToEarlyRatio": {"value": 0.9, "source": "s"},
           "memoryTestMaxCorrectedEccDelta": {"value": 0, "source": "s"},
           "nvlinkMaxReplayRecoveryDelta": {"value": 0, "source": "s"},
           "nvlinkMaxCrcErrorsPerSecond": {"value": 100, "source": "s"},
           "pcieReplayBitErrorRate": {"value": 1e-12, "source": "s"},
           "rowRemapMaxUncorrectableRows": {"value": 512, "source": "s"},
           "retiredPagesMax": {"value": 63, "source": "s"}},
         "mig": {"memorySlicesPerGpu": {"value": 8, "source": "s"}, "visibleMemoryMinRatio": {"value": 0.8, "source": "s"},
                 "visibleMemoryMaxRatio": {"value": 1.05, "source": "s"}},
         "hostLinks": {"floorsByPcieGen": {"3": {"value": 10.5, "source": "s"}, "4": {"value": 21, "source": "s"}},
                       "instanceFamilies": [{"family": "p5", "hostCpu": "c", "hostPcieGen": {"value": 4, "source": "s"}}]},
         "skus": [)" + skuBody + "]}";
}

static std::string sku(const std::string& id, const std::string& floorSource) {
  return R"({"key": "X)" + id + R"(", "pciDeviceId": ")" + id + R"(", "name": "x", "cudaNames": ["X"],
    "computeCapability": "9.0", "memoryGB": {"value": 80, "source": "s"}, "smCount": {"value": 132, "source": "s"},
    "pcie": {"expectedGen": {"value": 5, "source": "s"}, "expectedWidth": {"value": 16, "source": "s"},
             "minGen": {"value": 3, "source": "s"}, "minWidth": {"value": 16, "source": "s"}},
    "peakMemoryBandwidthGBps": {"value": 3350, "source": "s"},
    "denseTensorTflops": {"value": 989, "dtype": "bf16", "source": "s"},
    "floors": {"hbmBandwidthGBps": {"value": 2345, "source": ")" + floorSource + R"("},
      "gemmTflops": {"value": null, "source": "s"}, "pinnedH2DGBps": {"value": 48, "source": "s"},
      "pinnedD2HGBps": {"value": 48, "source": "s"}, "p2pGBps": {"value": 335, "source": "s"}},
    "migProfiles": [{"name": "1g.10gb", "computeSlices": 1, "memorySlices": 1, "smCount": {"value": 16, "source": "s"}}]})";
}

TEST(parses_a_valid_custom_table) {
  SkuTable table = SkuTable::parse(minimalTable(sku("0x1111", "measured")));
  REQUIRE(table.skus().size() == 1);
  CHECK_EQ(*table.skus()[0].floors.hbmBandwidthGBps.value, 2345.0);
  CHECK(!table.skus()[0].floors.gemmTflops.value.has_value());
  CHECK(table.skus()[0].findMigProfile("1g.10gb") != nullptr);
}

TEST(rejects_values_without_a_source_duplicates_and_bad_ids) {
  CHECK_THROWS(SkuTable::parse(minimalTable(sku("0x1111", ""))));
  CHECK_THROWS(SkuTable::parse(minimalTable(sku("0x1111", "a") + "," + sku("0x1111", "b"))));
  CHECK_THROWS(SkuTable::parse(minimalTable(sku("0xnope", "a"))));
  CHECK_THROWS(SkuTable::parse("{\"schemaVersion\": 2}"));
  CHECK_THROWS(SkuTable::parse("not json"));
}

TEST(known_sku_floor_comes_from_the_table_with_its_source) {
  const SkuTable& table = SkuTable::builtIn();
  gv::FloorContext context;
  context.sku = table.findByKeyOrId("H200");
  gv::Threshold floor = gv::selectFloor(FloorKind::HbmBandwidth, table, context);
  CHECK_EQ(floor.value, 3360.0);
  CHECK(floor.binding);
  CHECK_CONTAINS(floor.source, "H200: derived: 0.70 x 4800");
  CHECK_EQ(floor.unit, std::string("GB/s"));
  CHECK_EQ(gv::selectFloor(FloorKind::Gemm, table, context).unit, std::string("TFLOP/s"));
}

TEST(unknown_sku_and_missing_values_fall_back_to_sanity_floors) {
  const SkuTable& table = SkuTable::builtIn();
  gv::FloorContext unknown;
  gv::Threshold floor = gv::selectFloor(FloorKind::HbmBandwidth, table, unknown);
  CHECK_EQ(floor.value, *table.unknownSkuFloors().hbmBandwidthGBps.value);
  CHECK_CONTAINS(floor.source, "sanity floor, unknown SKU");
  CHECK(floor.binding);
  gv::FloorContext a10g;
  a10g.sku = table.findByKeyOrId("A10G");
  floor = gv::selectFloor(FloorKind::Gemm, table, a10g);
  CHECK_EQ(floor.value, *table.unknownSkuFloors().gemmTflops.value);
  CHECK_CONTAINS(floor.source, "A10G has no value");
}

TEST(mig_scales_hbm_and_gemm_and_makes_pinned_report_only) {
  const SkuTable& table = SkuTable::builtIn();
  gv::FloorContext context;
  context.sku = table.findByKeyOrId("H100-SXM");
  context.migSlice = true;
  context.migProfile = "1g.10gb";
  context.migMemoryFraction = 1.0 / 8;
  context.migComputeFraction = 16.0 / 132;
  context.migFractionSource = "test";
  CHECK_NEAR(gv::selectFloor(FloorKind::HbmBandwidth, table, context).value, 2345.0 / 8, 1e-9);
  CHECK_NEAR(gv::selectFloor(FloorKind::Gemm, table, context).value, 637.0 * 16 / 132, 1e-9);
  CHECK_CONTAINS(gv::selectFloor(FloorKind::Gemm, table, context).source, "scaled by");
  gv::Threshold pinned = gv::selectFloor(FloorKind::PinnedH2D, table, context);
  CHECK_EQ(pinned.value, 42.0);
  CHECK(!pinned.binding);
  CHECK_CONTAINS(pinned.notBindingReason, "MIG slice shares the PCIe link");
}

TEST(time_sliced_floors_are_reported_not_binding) {
  const SkuTable& table = SkuTable::builtIn();
  gv::FloorContext context;
  context.sku = table.findByKeyOrId("L4");
  context.timeSliced = true;
  for (FloorKind kind : {FloorKind::HbmBandwidth, FloorKind::Gemm, FloorKind::PinnedD2H}) {
    gv::Threshold floor = gv::selectFloor(kind, table, context);
    CHECK(!floor.binding);
    CHECK_EQ(floor.notBindingReason, std::string("time-sliced replica: performance floors not binding"));
    gv::Judgement judgement = gv::judge(floor.value / 10, floor);  // far below: still not a failure
    CHECK(judgement.status == gv::Status::Skip);
    CHECK_CONTAINS(judgement.reason, "time-sliced replica");
  }
}

TEST(judge_compares_in_the_stated_direction) {
  gv::Threshold atLeast;
  atLeast.comparison = gv::Comparison::AtLeast;
  atLeast.value = 100;
  atLeast.unit = "GB/s";
  CHECK(gv::judge(100, atLeast).status == gv::Status::Pass);
  CHECK(gv::judge(99.9, atLeast).status == gv::Status::Fail);
  CHECK_CONTAINS(gv::judge(99.9, atLeast).reason, "does not meet >= 100 GB/s");
  gv::Threshold atMost = atLeast;
  atMost.comparison = gv::Comparison::AtMost;
  atMost.value = 0;
  CHECK(gv::judge(0, atMost).status == gv::Status::Pass);
  CHECK(gv::judge(1, atMost).status == gv::Status::Fail);
  CHECK(gv::judge(std::nan(""), atLeast).status == gv::Status::Error);
}

// ---- B200's second PCI id (0x2909, HGX B200 168GB)

TEST(b200_variant_0x2909_is_found_by_pci_id_and_matches_b200) {
  const SkuTable& table = SkuTable::builtIn();
  const gv::SkuSpec* variant = table.findByPciDeviceId(0x2909);
  REQUIRE(variant != nullptr);
  CHECK_EQ(variant->key, std::string("B200"));
  CHECK(variant->matchesPciDeviceId(0x2901));
  CHECK(variant->matchesPciDeviceId(0x2909));
  CHECK(!variant->matchesPciDeviceId(0x2335));
  CHECK_EQ(variant->pciDeviceIdsText(), std::string("0x2901 or 0x2909"));
  REQUIRE(variant->pciDeviceIdVariants.size() == 1);
  CHECK_CONTAINS(variant->pciDeviceIdVariants[0].source, "2909");
  CHECK(table.findByPciDeviceId(0x2908) == nullptr);
}

static std::string withVariant(const std::string& skuText, const std::string& variant) {
  std::string out = skuText;
  std::size_t at = out.find("\"name\": \"x\"");
  out.insert(at, "\"pciDeviceIdVariants\": [" + variant + "], ");
  return out;
}

TEST(variants_need_a_source_and_a_free_id) {
  std::string ok = withVariant(sku("0x1111", "s"), R"({"id": "0x1112", "name": "v", "source": "s"})");
  SkuTable table = SkuTable::parse(minimalTable(ok));
  CHECK_EQ(table.findByPciDeviceId(0x1112)->key, std::string("X0x1111"));
  CHECK_THROWS(SkuTable::parse(minimalTable(withVariant(sku("0x1111", "s"), R"({"id": "0x1112", "name": "v"})"))));
  CHECK_THROWS(
      SkuTable::parse(minimalTable(withVariant(sku("0x1111", "s"), R"({"id": "0x1111", "name": "v", "source": "s"})"))));
  // A variant id that is another SKU's id.
  CHECK_THROWS(SkuTable::parse(minimalTable(ok + "," + sku("0x1112", "s"))));
}

// ---- host-link floors by instance type

static gv::HostLinkFloors hostFloors(const char* skuKey, const char* instanceType) {
  const SkuTable& table = SkuTable::builtIn();
  gv::FloorContext context;
  context.sku = skuKey ? table.findByKeyOrId(skuKey) : nullptr;
  gv::InstanceTypeChoice choice =
      gv::resolveInstanceType(instanceType ? std::optional<std::string>(instanceType) : std::nullopt, nullptr);
  return gv::selectHostLinkFloors(table, context, choice);
}

TEST(host_link_floors_follow_the_instance_types_host) {
  // p5 and p5e: 3rd Gen EPYC, Gen4 root ports; a healthy H100 there reaches ~25 GB/s, not 48.
  gv::HostLinkFloors p5 = hostFloors("H100-SXM", "p5.48xlarge");
  CHECK_EQ(p5.h2d.value, 21.0);
  CHECK_EQ(p5.d2h.value, 21.0);
  CHECK(p5.h2d.binding);
  CHECK_CONTAINS(p5.h2d.source, "host link of p5.48xlarge");
  CHECK_CONTAINS(p5.h2d.source, "the GPU's own floor is 42 GB/s");
  CHECK_EQ(p5.details.at("hostPcieGen").asNumber(), 4.0);
  CHECK_EQ(p5.details.at("floorFrom").asString(), std::string("host link"));
  CHECK_EQ(hostFloors("H200", "p5e.48xlarge").h2d.value, 21.0);
  // p4d: Cascade Lake, Gen3.
  CHECK_EQ(hostFloors("A100-SXM4-40GB", "p4d.24xlarge").d2h.value, 10.5);
  CHECK_EQ(hostFloors("A100-SXM4-80GB", "P4DE.24XLARGE").d2h.value, 10.5);  // instance types are case-insensitive
  // Gen5 hosts: the GPU's own Gen5 link binds.
  gv::HostLinkFloors p5en = hostFloors("H200", "p5en.48xlarge");
  CHECK_EQ(p5en.h2d.value, 42.0);
  CHECK_EQ(p5en.details.at("floorFrom").asString(), std::string("GPU link"));
  CHECK_EQ(hostFloors("B200", "p6-b200.48xlarge").h2d.value, 42.0);
  // Gen4 GPUs on Gen4 hosts, the T4 on Gen3.
  CHECK_EQ(hostFloors("L4", "g6.xlarge").h2d.value, 21.0);
  CHECK_EQ(hostFloors("T4", "g4dn.12xlarge").h2d.value, 10.5);
}

TEST(unknown_instance_types_get_the_slowest_host_link_and_say_so) {
  gv::HostLinkFloors none = hostFloors("H100-SXM", nullptr);
  CHECK_EQ(none.h2d.value, 10.5);
  CHECK(none.h2d.binding);
  CHECK_CONTAINS(none.h2d.source, "instance type not given");
  CHECK_CONTAINS(none.h2d.source, "slowest host link");
  CHECK(none.details.at("instanceType").isNull());
  gv::HostLinkFloors unlisted = hostFloors("H100-SXM", "p9.48xlarge");
  CHECK_EQ(unlisted.h2d.value, 10.5);
  CHECK_CONTAINS(unlisted.h2d.source, "p9.48xlarge is not in skus.json hostLinks");
  // Unknown GPUs keep their sanity floor, which is below every host link.
  CHECK_EQ(hostFloors(nullptr, "p5.48xlarge").h2d.value, 3.0);
}

TEST(instance_type_comes_from_the_flag_then_the_environment) {
  gv::InstanceTypeChoice flag = gv::resolveInstanceType(std::string(" p5.48xlarge "), "g6.xlarge");
  CHECK_EQ(*flag.instanceType, std::string("p5.48xlarge"));
  CHECK_EQ(flag.source, std::string("--instance-type"));
  gv::InstanceTypeChoice env = gv::resolveInstanceType(std::nullopt, "G6.xlarge");
  CHECK_EQ(*env.instanceType, std::string("g6.xlarge"));
  CHECK_EQ(env.source, std::string("$INSTANCE_TYPE"));
  CHECK(!gv::resolveInstanceType(std::string(""), "").instanceType.has_value());
}

TEST(mig_and_time_sliced_host_link_floors_stay_report_only) {
  const SkuTable& table = SkuTable::builtIn();
  gv::FloorContext context;
  context.sku = table.findByKeyOrId("H100-SXM");
  context.timeSliced = true;
  gv::HostLinkFloors floors =
      gv::selectHostLinkFloors(table, context, gv::resolveInstanceType(std::string("p5.48xlarge"), nullptr));
  CHECK_EQ(floors.h2d.value, 21.0);
  CHECK(!floors.h2d.binding);
}

TEST(host_link_table_rejects_families_without_a_floor) {
  std::string table = minimalTable(sku("0x1111", "s"));
  std::string bad = table;
  bad.replace(bad.find(R"("hostPcieGen": {"value": 4)"), 26, R"("hostPcieGen": {"value": 5)");
  CHECK_THROWS(SkuTable::parse(bad));
  std::string noLinks = table;
  noLinks.replace(noLinks.find("\"hostLinks\""), 11, "\"hostLinkz\"");
  CHECK_THROWS(SkuTable::parse(noLinks));
  SkuTable parsed = SkuTable::parse(table);
  REQUIRE(parsed.hostLinks().findInstanceType("p5.4xlarge") != nullptr);
  CHECK_EQ(*parsed.hostLinks().findInstanceType("p5.4xlarge")->hostPcieGen.value, 4.0);
  CHECK(parsed.hostLinks().findInstanceType("p5e.48xlarge") == nullptr);  // families match whole
  CHECK_EQ(parsed.hostLinks().slowestGen(), 3);
}

// ---- the arithmetic each floor's source states

static double number(const std::string& text) { return std::stod(text); }

TEST(gemm_floors_are_the_stated_rule_applied_to_the_stated_measurement) {
  // "gemm-rule: 0.85 x R" (R possibly "= X x 0.944"): the value is that product, to the table's rounding.
  const std::regex rule(R"(gemm-rule[^:]*: 0\.85 x ([0-9.]+)(?:, where \1 = ([0-9.]+) x 0\.944)?)");
  int checked = 0;
  for (const auto& entry : SkuTable::builtIn().skus()) {
    const gv::SourcedValue& floor = entry.floors.gemmTflops;
    std::smatch match;
    if (!floor.value || !std::regex_search(floor.source, match, rule)) continue;
    ++checked;
    double reference = number(match[1]);
    CHECK_NEAR(*floor.value, 0.85 * reference, 0.5);
    if (match[2].matched) CHECK_NEAR(reference, number(match[2]) * 0.944, 0.1);
    // A floor must leave the margin the rule promises below the number it cites.
    CHECK(*floor.value <= 0.86 * reference);
  }
  CHECK_EQ(checked, 7);  // H100, H200, both A100s, B200, L4, L40S (T4 kept, A10G has none)
}

TEST(host_link_floors_are_two_thirds_of_the_line_rate_they_state) {
  const std::regex rule(R"(0\.667 x ([0-9.]+) GB/s)");
  const SkuTable& table = SkuTable::builtIn();
  int checked = 0;
  auto check = [&](const gv::SourcedValue& floor) {
    std::smatch match;
    if (!floor.value || !std::regex_search(floor.source, match, rule)) return;
    ++checked;
    CHECK_NEAR(*floor.value, 0.667 * number(match[1]), 0.05);
  };
  for (const auto& entry : table.hostLinks().floorsByPcieGen) check(entry.second);
  for (const auto& entry : table.skus()) {
    check(entry.floors.pinnedH2DGBps);
    check(entry.floors.pinnedD2HGBps);
  }
  CHECK_EQ(checked, 3 + 2 * 9);
  // Every instance family the catalog sells GPUs in is listed.
  for (const char* type : {"p4d.24xlarge", "p4de.24xlarge", "p5.4xlarge", "p5.48xlarge", "p5e.48xlarge",
                           "p5en.48xlarge", "p6-b200.48xlarge", "g4dn.xlarge", "g5.xlarge", "g6.xlarge", "g6e.xlarge"})
    CHECK(table.hostLinks().findInstanceType(type) != nullptr);
}
