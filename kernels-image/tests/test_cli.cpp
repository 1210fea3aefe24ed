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
