#include "cli.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "mig_profile.h"

namespace gv {

namespace {

bool parseInt(const std::string& text, int* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text.c_str(), &end, 10);
  if (errno || *end != '\0' || value < 0 || value > 1024) return false;
  *out = static_cast<int>(value);
  return true;
}

bool parsePositiveNumber(const std::string& text, double* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (*end != '\0' || !std::isfinite(value) || value <= 0) return false;
  *out = value;
  return true;
}

}  // namespace

std::string usageText() {
  std::string text =
      "Usage: gpu-validate [options]\n"
      "\n"
      "Proves the GPUs this pod was given are healthy and perform as their SKU should.\n"
      "Prints a table and (with --json) a JSON verdict. Exit: 0 pass, 1 a check failed,\n"
      "2 could not run (no GPU, no driver, unsupported), 3 bad usage.\n"
      "\n"
      "Options:\n"
      "  --profile quick|full        quick (default, under a minute) or full (stress, under 10 minutes)\n"
      "  --json FILE                 write the JSON report atomically to FILE; '-' writes it to stdout\n"
      "                              and moves the table to stderr\n"
      "  --expect-sku NAME           fail inventory unless every GPU is this SKU (key or PCI id, see\n"
      "                              --list-skus); its floors apply even if the device is unidentified\n"
      "  --expect-gpus N             fail inventory if fewer than N GPUs are visible\n"
      "  --expect-mig-profile P      MIG profile the pool promised, e.g. 1g.10gb, 3g.40gb, 1g.18gb+me\n"
      "  --expect-mig-slices LIST    every MIG slice of the node, per profile: 1g.10gb=14,3g.40gb=8; each\n"
      "                              slice is validated in its own process (CUDA sees one MIG device per\n"
      "                              process) and the slices found must match the list\n"
      "  --sharing MODE              exclusive | time-slicing | mig | auto (default: auto-detect)\n"
      "  --node-name NAME            node name in the report (default: $NODE_NAME, else hostname)\n"
      "  --skus FILE                 use this SKU table instead of the built-in data/skus.json\n"
      "  --deadline SECONDS          one limit for the whole run (NVML init, discovery, every check, the node\n"
      "                              checks): what has not finished then is a timeout, exit 2 (default:\n"
      "                              quick 150, full 900)\n"
      "  --termination-log FILE      after the run (pass, fail or could not run) write a short summary to\n"
      "                              FILE: verdict, node, exit code, one line per failed check, under 4000\n"
      "                              bytes; for Kubernetes use /dev/termination-log. Not written on bad\n"
      "                              usage; failing to write it only warns, the verdict stands\n"
      "  --inject-fault NAME         inject a fault (repeatable); the report records it. Names:\n";
  for (const auto& fault : allFaults())
    text += std::string("                                ") + fault.name + " (" + fault.check + ")\n";
  text +=
      "  --list                      list the checks, what they do and which profiles run them\n"
      "  --list-skus                 list the SKUs in the threshold table\n"
      "  --version                   print the version\n"
      "  -h, --help                  this help\n";
  return text;
}

ParseOutcome parseArguments(const std::vector<std::string>& args) {
  ParseOutcome outcome;
  Options& options = outcome.options;
  auto bad = [&outcome](const std::string& message) {
    outcome.action = ParseOutcome::Action::BadUsage;
    outcome.error = message;
    return outcome;
  };

  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    std::optional<std::string> inlineValue;
    if (arg.rfind("--", 0) == 0) {
      std::size_t eq = arg.find('=');
      if (eq != std::string::npos) {
        inlineValue = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
      }
    }
    auto value = [&](std::string* out) -> bool {
      if (inlineValue) {
        *out = *inlineValue;
        return true;
      }
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      return true;
    };
    auto flagOnly = [&]() { return !inlineValue.has_value(); };

    std::string v;
    if (arg == "-h" || arg == "--help") {
      if (!flagOnly()) return bad(arg + " takes no value");
      outcome.action = ParseOutcome::Action::Help;
    } else if (arg == "--list" || arg == "--list-skus" || arg == "--version") {
      if (!flagOnly()) return bad(arg + " takes no value");
      if (outcome.action == ParseOutcome::Action::Run)
        outcome.action = arg == "--list"        ? ParseOutcome::Action::List
                         : arg == "--list-skus" ? ParseOutcome::Action::ListSkus
                                                : ParseOutcome::Action::Version;
    } else if (arg == "--profile") {
      if (!value(&v)) return bad("--profile needs a value (quick or full)");
      auto profile = parseProfile(v);
      if (!profile) return bad("--profile must be quick or full, not '" + v + "'");
      options.profile = *profile;
    } else if (arg == "--json") {
      if (!value(&v) || v.empty()) return bad("--json needs a file name or '-'");
      options.jsonPath = v;
    } else if (arg == "--expect-sku") {
      if (!value(&v) || v.empty()) return bad("--expect-sku needs a SKU name (see --list-skus)");
      options.expectSku = v;
    } else if (arg == "--expect-gpus") {
      int n = 0;
      if (!value(&v) || !parseInt(v, &n) || n < 1) return bad("--expect-gpus needs a whole number from 1 to 1024");
      options.expectGpus = n;
    } else if (arg == "--expect-mig-profile") {
      if (!value(&v)) return bad("--expect-mig-profile needs a profile such as 1g.10gb");
      if (!parseMigProfile(v)) return bad("--expect-mig-profile: '" + v + "' is not a MIG profile like 1g.10gb");
      options.expectMigProfile = v;
    } else if (arg == "--expect-mig-slices") {
      if (!value(&v) || v.empty()) return bad("--expect-mig-slices needs PROFILE=COUNT[,PROFILE=COUNT...]");
      options.expectMigSlices.clear();
      std::stringstream items(v);
      for (std::string item; std::getline(items, item, ',');) {
        std::size_t eq = item.find('=');
        int count = 0;
        if (eq == std::string::npos || !parseMigProfile(item.substr(0, eq)) ||
            !parseInt(item.substr(eq + 1), &count) || count < 1)
          return bad("--expect-mig-slices: '" + item + "' is not PROFILE=COUNT like 1g.10gb=7");
        std::string profile = item.substr(0, eq);
        for (const auto& seen : options.expectMigSlices)
          if (seen.first == profile) return bad("--expect-mig-slices names " + profile + " twice");
        options.expectMigSlices.emplace_back(profile, count);
      }
      std::sort(options.expectMigSlices.begin(), options.expectMigSlices.end());
    } else if (arg == "--sharing") {
      if (!value(&v)) return bad("--sharing needs exclusive, time-slicing, mig or auto");
      if (v == "auto") {
        options.sharing.reset();
      } else {
        auto mode = parseSharingMode(v);
        if (!mode) return bad("--sharing must be exclusive, time-slicing, mig or auto, not '" + v + "'");
        options.sharing = *mode;
      }
    } else if (arg == "--node-name") {
      if (!value(&v) || v.empty()) return bad("--node-name needs a name");
      options.nodeName = v;
    } else if (arg == "--skus") {
      if (!value(&v) || v.empty()) return bad("--skus needs a file name");
      options.skuFile = v;
    } else if (arg == "--deadline") {
      double seconds = 0;
      if (!value(&v) || !parsePositiveNumber(v, &seconds)) return bad("--deadline needs a positive number of seconds");
      options.deadlineSeconds = seconds;
    } else if (arg == "--termination-log") {
      if (!value(&v) || v.empty()) return bad("--termination-log needs a file name, e.g. /dev/termination-log");
      options.terminationLogPath = v;
    } else if (arg == "--inject-fault") {
      if (!value(&v)) return bad("--inject-fault needs a fault name (see --help)");
      auto fault = parseFault(v);
      if (!fault) return bad("--inject-fault: unknown fault '" + v + "' (see --help)");
      options.faults.push_back(*fault);
    } else {
      return bad("unknown argument '" + args[i] + "'");
    }
  }
  if (options.sharing == SharingMode::Exclusive && options.expectMigProfile)
    return bad("--expect-mig-profile contradicts --sharing exclusive");
  if (options.sharing == SharingMode::Exclusive && !options.expectMigSlices.empty())
    return bad("--expect-mig-slices contradicts --sharing exclusive");
  if (options.expectMigProfile && !options.expectMigSlices.empty()) {
    auto expected = parseMigProfile(*options.expectMigProfile);
    for (const auto& [profile, count] : options.expectMigSlices)
      if (parseMigProfile(profile)->baseName() != expected->baseName())
        return bad("--expect-mig-slices names " + profile + ", --expect-mig-profile says every slice is " +
                   *options.expectMigProfile);
  }
  return outcome;
}

std::vector<std::string> argumentsFor(const Options& options) {
  std::vector<std::string> args = {"--profile", toString(options.profile)};
  auto add = [&args](const char* flag, const std::string& value) {
    args.push_back(flag);
    args.push_back(value);
  };
  if (options.jsonPath) add("--json", *options.jsonPath);
  if (options.expectSku) add("--expect-sku", *options.expectSku);
  if (options.expectMigProfile) add("--expect-mig-profile", *options.expectMigProfile);
  if (!options.expectMigSlices.empty()) {
    std::string list;
    for (const auto& [profile, count] : options.expectMigSlices)
      list += (list.empty() ? "" : ",") + profile + "=" + std::to_string(count);
    add("--expect-mig-slices", list);
  }
  add("--sharing", options.sharing ? toString(*options.sharing) : "auto");
  if (options.expectGpus) add("--expect-gpus", std::to_string(*options.expectGpus));
  if (options.nodeName) add("--node-name", *options.nodeName);
  if (options.skuFile) add("--skus", *options.skuFile);
  if (options.deadlineSeconds) {
    std::ostringstream seconds;
    seconds.precision(17);
    seconds << *options.deadlineSeconds;
    add("--deadline", seconds.str());
  }
  if (options.terminationLogPath) add("--termination-log", *options.terminationLogPath);
  for (Fault fault : options.faults) add("--inject-fault", faultInfo(fault).name);
  return args;
}

std::string resolveNodeName(const std::optional<std::string>& flag, const char* environment,
                            const std::string& hostname) {
  if (flag && !flag->empty()) return *flag;
  if (environment && *environment) return environment;
  return hostname.empty() ? "unknown" : hostname;
}

}  // namespace gv
