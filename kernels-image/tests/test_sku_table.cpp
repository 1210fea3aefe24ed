#include "json.h"
#include "sku_table.h"
#include "test_framework.h"
#include "thresholds.h"

using gv::FloorKind;
using gv::SkuTable;

static const gv::SourcedValue* allValues(const gv::SkuSpec& sku, std::size_t i) {
  const gv::SourcedValue* values[] = {&sku.memoryGB,
                                      &sku.smCount,
                                      &sku.pcieExpectedGen,
                                      &sku.pcieExpectedWidth,
                                      &sku.pcieMinGen,
                                      &sku.pcieMinWidth,
                                      &sku.peakMemoryBandwidthGBps,
                                      &sku.denseTensorTflops,
                                      &sku.floors.hbmBandwidthGBps,
                                      &sku.floors.gemmTflops,
                                      &sku.floors.pinnedH2DGBps,
                                      &sku.floors.pinnedD2HGBps,
                                      &sku.floors.p2pGBps};
  return i < sizeof values / sizeof values[0] ? values[i] : nullptr;
}

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

TEST(every_value_in_the_built_in_table_has_a_source) {
  const SkuTable& table = SkuTable::builtIn();
  for (const auto& sku : table.skus()) {
    for (std::size_t i = 0; allValues(sku, i); ++i) CHECK(!allValues(sku, i)->source.empty());
    for (const auto& profile : sku.migProfiles) CHECK(!profile.smCount.source.empty());
    // A floor must sit below what the datasheet promises.
    if (sku.floors.hbmBandwidthGBps.value && sku.peakMemoryBandwidthGBps.value)
      CHECK(*sku.floors.hbmBandwidthGBps.value < *sku.peakMemoryBandwidthGBps.value);
    if (sku.floors.gemmTflops.value && sku.denseTensorTflops.value)
      CHECK(*sku.floors.gemmTflops.value < *sku.denseTensorTflops.value);
  }
  CHECK(!table.policy().throttleMaxFlaggedSampleFraction.source.empty());
  CHECK(!table.migPolicy().visibleMemoryMinRatio.source.empty());
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
           "sustainedLoadMinLateToEarlyRatio": {"value": 0.9, "source": "s"}},
         "mig": {"memorySlicesPerGpu": {"value": 8, "source": "s"}, "visibleMemoryMinRatio": {"value": 0.8, "source": "s"},
                 "visibleMemoryMaxRatio": {"value": 1.05, "source": "s"}},
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
  CHECK_NEAR(gv::selectFloor(FloorKind::Gemm, table, context).value, 692.0 * 16 / 132, 1e-9);
  CHECK_CONTAINS(gv::selectFloor(FloorKind::Gemm, table, context).source, "scaled by");
  gv::Threshold pinned = gv::selectFloor(FloorKind::PinnedH2D, table, context);
  CHECK_EQ(pinned.value, 48.0);
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
