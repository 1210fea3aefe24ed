#include "cli.h"
#include "test_framework.h"

using gv::ParseOutcome;
using Action = gv::ParseOutcome::Action;

static ParseOutcome parse(std::vector<std::string> args) { return gv::parseArguments(args); }

TEST(defaults_are_quick_auto_and_no_expectations) {
  ParseOutcome out = parse({});
  CHECK(out.action == Action::Run);
  CHECK(out.options.profile == gv::Profile::Quick);
  CHECK(!out.options.sharing.has_value());
  CHECK(!out.options.jsonPath.has_value());
  CHECK(!out.options.expectGpus.has_value());
  CHECK(out.options.faults.empty());
}

TEST(parses_every_option_in_both_spellings) {
  ParseOutcome out = parse({"--profile", "full", "--json=/tmp/r.json", "--expect-sku", "H200", "--expect-gpus=8",
                            "--expect-mig-profile", "1g.18gb+me", "--sharing=mig", "--node-name", "ip-10-0-0-1",
                            "--skus", "my.json", "--deadline=42.5", "--inject-fault", "slow-hbm",
                            "--inject-fault=gpu-missing", "--termination-log", "/dev/termination-log"});
  REQUIRE(out.action == Action::Run);
  CHECK(out.options.profile == gv::Profile::Full);
  CHECK_EQ(*out.options.jsonPath, std::string("/tmp/r.json"));
  CHECK_EQ(*out.options.expectSku, std::string("H200"));
  CHECK_EQ(*out.options.expectGpus, 8);
  CHECK_EQ(*out.options.expectMigProfile, std::string("1g.18gb+me"));
  CHECK(*out.options.sharing == gv::SharingMode::Mig);
  CHECK_EQ(*out.options.nodeName, std::string("ip-10-0-0-1"));
  CHECK_EQ(*out.options.skuFile, std::string("my.json"));
  CHECK_EQ(*out.options.deadlineSeconds, 42.5);
  REQUIRE(out.options.faults.size() == 2);
  CHECK(out.options.faults[0] == gv::Fault::SlowHbm);
  CHECK(out.options.faults[1] == gv::Fault::GpuMissing);
  CHECK_EQ(*out.options.terminationLogPath, std::string("/dev/termination-log"));
  CHECK(!parse({}).options.terminationLogPath.has_value());
  CHECK_EQ(*parse({"--termination-log=/tmp/t"}).options.terminationLogPath, std::string("/tmp/t"));
}

TEST(json_dash_means_stdout) {
  ParseOutcome out = parse({"--json", "-"});
  REQUIRE(out.action == Action::Run);
  CHECK_EQ(*out.options.jsonPath, std::string("-"));
}

TEST(help_list_and_version_actions) {
  CHECK(parse({"--help"}).action == Action::Help);
  CHECK(parse({"-h"}).action == Action::Help);
  CHECK(parse({"--list"}).action == Action::List);
  CHECK(parse({"--list-skus"}).action == Action::ListSkus);
  CHECK(parse({"--version"}).action == Action::Version);
  CHECK(parse({"--list", "--help"}).action == Action::Help);
}

TEST(bad_usage_is_reported_with_a_message) {
  struct Case {
    std::vector<std::string> args;
    const char* mentions;
  } cases[] = {
      {{"--profile", "medium"}, "quick or full"},
      {{"--profile"}, "--profile needs a value"},
      {{"--json"}, "--json needs"},
      {{"--expect-gpus", "0"}, "--expect-gpus"},
      {{"--expect-gpus", "eight"}, "--expect-gpus"},
      {{"--expect-gpus", "-1"}, "--expect-gpus"},
      {{"--expect-mig-profile", "1g10gb"}, "not a MIG profile"},
      {{"--sharing", "mps"}, "--sharing must be"},
      {{"--inject-fault", "cosmic-ray"}, "unknown fault"},
      {{"--deadline", "0"}, "--deadline"},
      {{"--deadline", "soon"}, "--deadline"},
      {{"--frobnicate"}, "unknown argument"},
      {{"positional"}, "unknown argument"},
      {{"--help=yes"}, "takes no value"},
      {{"--termination-log"}, "--termination-log needs a file name"},
      {{"--termination-log="}, "--termination-log needs a file name"},
      {{"--sharing", "exclusive", "--expect-mig-profile", "1g.10gb"}, "contradicts"},
  };
  for (const auto& c : cases) {
    ParseOutcome out = parse(c.args);
    CHECK(out.action == Action::BadUsage);
    CHECK_CONTAINS(out.error, c.mentions);
  }
}

TEST(sharing_auto_resets_an_earlier_mode) {
  ParseOutcome out = parse({"--sharing", "time-slicing", "--sharing", "auto"});
  REQUIRE(out.action == Action::Run);
  CHECK(!out.options.sharing.has_value());
  CHECK(*parse({"--sharing", "time-slicing"}).options.sharing == gv::SharingMode::TimeSlicing);
  CHECK(*parse({"--sharing", "exclusive"}).options.sharing == gv::SharingMode::Exclusive);
}

TEST(usage_lists_every_fault_and_option) {
  std::string usage = gv::usageText();
  for (const auto& fault : gv::allFaults()) CHECK_CONTAINS(usage, fault.name);
  for (const char* option : {"--profile", "--json", "--expect-sku", "--expect-gpus", "--expect-mig-profile",
                             "--sharing", "--node-name", "--list", "--help", "--inject-fault", "--termination-log",
                             "/dev/termination-log"})
    CHECK_CONTAINS(usage, option);
  CHECK_CONTAINS(usage, "3 bad usage");
}

TEST(node_name_prefers_flag_then_environment_then_hostname) {
  CHECK_EQ(gv::resolveNodeName(std::string("flag"), "env", "host"), std::string("flag"));
  CHECK_EQ(gv::resolveNodeName(std::nullopt, "env", "host"), std::string("env"));
  CHECK_EQ(gv::resolveNodeName(std::nullopt, "", "host"), std::string("host"));
  CHECK_EQ(gv::resolveNodeName(std::nullopt, nullptr, "host"), std::string("host"));
  CHECK_EQ(gv::resolveNodeName(std::nullopt, nullptr, ""), std::string("unknown"));
}

TEST(expect_mig_slices_lists_every_slice_by_profile) {
  ParseOutcome out = parse({"--sharing", "mig", "--expect-mig-slices", "3g.40gb=8,1g.10gb=16"});
  REQUIRE(out.action == Action::Run);
  REQUIRE(out.options.expectMigSlices.size() == 2);
  CHECK_EQ(out.options.expectMigSlices[0].first, std::string("1g.10gb"));  // sorted by profile
  CHECK_EQ(out.options.expectMigSlices[0].second, 16);
  CHECK_EQ(out.options.expectMigSlices[1].first, std::string("3g.40gb"));
  for (std::vector<std::string> bad :
       {std::vector<std::string>{"--expect-mig-slices", "1g.10gb"}, {"--expect-mig-slices", "1g.10gb=0"},
        {"--expect-mig-slices", "big=2"}, {"--expect-mig-slices", "1g.10gb=1,1g.10gb=2"},
        {"--sharing", "exclusive", "--expect-mig-slices", "1g.10gb=7"},
        {"--expect-mig-profile", "3g.40gb", "--expect-mig-slices", "1g.10gb=7"}, {"--expect-mig-slices"}})
    CHECK(parse(bad).action == Action::BadUsage);
  CHECK(parse({"--expect-mig-profile", "1g.10gb", "--expect-mig-slices", "1g.10gb=7"}).action == Action::Run);
}

// The child run of one MIG slice gets the parent's options back as arguments.
TEST(arguments_for_parse_back_to_the_same_options) {
  ParseOutcome out = parse({"--profile", "full", "--json", "/tmp/r.json", "--expect-sku", "H200", "--expect-gpus", "8",
                            "--expect-mig-slices", "1g.18gb=7", "--sharing", "mig", "--node-name", "n",
                            "--skus", "my.json", "--deadline", "42.125", "--inject-fault", "slow-hbm",
                            "--inject-fault", "gpu-missing", "--termination-log", "/tmp/t"});
  REQUIRE(out.action == Action::Run);
  ParseOutcome again = gv::parseArguments(gv::argumentsFor(out.options));
  REQUIRE(again.action == Action::Run);
  const gv::Options &a = out.options, &b = again.options;
  CHECK(a.profile == b.profile);
  CHECK(a.jsonPath == b.jsonPath);
  CHECK(a.expectSku == b.expectSku);
  CHECK(a.expectGpus == b.expectGpus);
  CHECK(a.expectMigSlices == b.expectMigSlices);
  CHECK(a.sharing == b.sharing);
  CHECK(a.nodeName == b.nodeName);
  CHECK(a.skuFile == b.skuFile);
  CHECK(a.deadlineSeconds == b.deadlineSeconds);
  CHECK(a.terminationLogPath == b.terminationLogPath);
  CHECK(a.faults == b.faults);
  ParseOutcome profile = gv::parseArguments(gv::argumentsFor(parse({"--expect-mig-profile", "3g.40gb"}).options));
  CHECK(profile.options.expectMigProfile == std::string("3g.40gb"));
  CHECK(!gv::parseArguments(gv::argumentsFor(parse({}).options)).options.sharing.has_value());  // auto stays auto
}
