#include "mig_profile.h"
#include "test_framework.h"

TEST(parses_profile_names) {
  struct Case {
    const char* text;
    int ci, g, gb;
    const char* suffix;
  } cases[] = {{"1g.10gb", 0, 1, 10, ""},      {"3g.40gb", 0, 3, 40, ""},        {"1g.10gb+me", 0, 1, 10, "+me"},
               {"7g.141gb", 0, 7, 141, ""},     {"1g.18gb+me", 0, 1, 18, "+me"},  {"1c.3g.40gb", 1, 3, 40, ""},
               {"2g.24gb-me", 0, 2, 24, "-me"}, {"1g.24gb+gfx", 0, 1, 24, "+gfx"}, {"1g.24gb+me.all", 0, 1, 24, "+me.all"}};
  for (const auto& c : cases) {
    auto parsed = gv::parseMigProfile(c.text);
    REQUIRE(parsed.has_value());
    CHECK_EQ(parsed->computeInstanceSlices, c.ci);
    CHECK_EQ(parsed->gpuSlices, c.g);
    CHECK_EQ(parsed->memoryGB, c.gb);
    CHECK_EQ(parsed->suffix, std::string(c.suffix));
    CHECK_EQ(parsed->canonical(), std::string(c.text));
  }
  CHECK_EQ(gv::parseMigProfile("1g.10gb+me")->baseName(), std::string("1g.10gb"));
}

TEST(rejects_malformed_profiles) {
  for (const char* text : {"", "1g", "1g.10", "1g10gb", "0g.10gb", "1g.0gb", "9g.10gb", "1g.10gb+foo", "g.10gb",
                           "4c.3g.40gb", "1g.10GB", " 1g.10gb", "1g.10gb "})
    CHECK(!gv::parseMigProfile(text).has_value());
}

TEST(extracts_the_profile_from_a_cuda_device_name) {
  CHECK_EQ(*gv::migProfileFromDeviceName("NVIDIA H100 80GB HBM3 MIG 1g.10gb"), std::string("1g.10gb"));
  CHECK_EQ(*gv::migProfileFromDeviceName("NVIDIA B200 MIG 1g.23gb"), std::string("1g.23gb"));
  CHECK_EQ(*gv::migProfileFromDeviceName("NVIDIA A100-SXM4-40GB MIG 1c.3g.20gb"), std::string("1c.3g.20gb"));
  CHECK(!gv::migProfileFromDeviceName("NVIDIA H200").has_value());
  CHECK(!gv::migProfileFromDeviceName("NVIDIA MIG thing").has_value());
  CHECK_EQ(gv::stripMigSuffix("NVIDIA H100 80GB HBM3 MIG 3g.40gb"), std::string("NVIDIA H100 80GB HBM3"));
  CHECK_EQ(gv::stripMigSuffix("NVIDIA L4"), std::string("NVIDIA L4"));
}

TEST(expected_slice_for_h100_1g_10gb) {
  const gv::SkuTable& table = gv::SkuTable::builtIn();
  auto slice = gv::expectedMigSlice(*gv::parseMigProfile("1g.10gb"), table.findByKeyOrId("H100-SXM"),
                                    table.migPolicy());
  REQUIRE(slice.smCount.has_value());
  CHECK_EQ(*slice.smCount, 16);
  CHECK_NEAR(slice.memoryFraction, 1.0 / 8, 1e-12);
  CHECK_NEAR(slice.computeFraction, 16.0 / 132, 1e-12);
  const double gib = 1024.0 * 1024 * 1024;
  CHECK_NEAR(slice.minMemoryBytes / gib, 8.0, 1e-6);
  CHECK_NEAR(slice.maxMemoryBytes / gib, 10.5, 1e-6);
  // nvidia-smi shows 9.75 GiB usable for this profile: inside the band.
  CHECK(9.75 * gib >= slice.minMemoryBytes && 9.75 * gib <= slice.maxMemoryBytes);
}

TEST(expected_slice_separates_neighbouring_profiles) {
  const gv::SkuTable& table = gv::SkuTable::builtIn();
  const gv::SkuSpec* h200 = table.findByKeyOrId("H200");
  const double gib = 1024.0 * 1024 * 1024;
  auto small = gv::expectedMigSlice(*gv::parseMigProfile("1g.18gb"), h200, table.migPolicy());
  auto large = gv::expectedMigSlice(*gv::parseMigProfile("1g.35gb"), h200, table.migPolicy());
  CHECK(16.0 * gib >= small.minMemoryBytes);  // lgip: 16.00 GiB usable
  CHECK(16.0 * gib < large.minMemoryBytes);   // a 1g.18gb slice cannot pass as 1g.35gb
  auto seven = gv::expectedMigSlice(*gv::parseMigProfile("7g.141gb"), h200, table.migPolicy());
  CHECK_EQ(*seven.smCount, 132);
  CHECK_NEAR(seven.memoryFraction, 1.0, 1e-12);
  CHECK(!large.smCount.has_value());  // not confirmed in the table: not judged
}

TEST(expected_slice_without_a_known_sku_or_profile) {
  const gv::SkuTable& table = gv::SkuTable::builtIn();
  auto unknown = gv::expectedMigSlice(*gv::parseMigProfile("2g.20gb"), nullptr, table.migPolicy());
  CHECK(!unknown.smCount.has_value());
  CHECK_EQ(unknown.computeFraction, 1.0);
  auto notInTable = gv::expectedMigSlice(*gv::parseMigProfile("2g.99gb"), table.findByKeyOrId("H100-SXM"),
                                         table.migPolicy());
  CHECK(!notInTable.smCount.has_value());
  CHECK_NEAR(notInTable.computeFraction, 2.0 / 7, 1e-12);
  auto partial = gv::expectedMigSlice(*gv::parseMigProfile("1c.3g.40gb"), table.findByKeyOrId("H100-SXM"),
                                      table.migPolicy());
  CHECK(!partial.smCount.has_value());
  CHECK_NEAR(partial.computeFraction, 1.0 / 7, 1e-12);
  CHECK_NEAR(partial.memoryFraction, 4.0 / 8, 1e-12);
}
