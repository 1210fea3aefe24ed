// Command-line options after parsing (see cli.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "faults.h"
#include "types.h"

namespace gv {

struct Options {
  Profile profile = Profile::Quick;
  std::optional<std::string> jsonPath;  // "-" means stdout
  std::optional<std::string> expectSku;
  std::optional<std::string> expectMigProfile;
  std::optional<SharingMode> sharing;  // nullopt: auto-detect
  std::optional<int> expectGpus;
  std::optional<std::string> nodeName;
  std::optional<std::string> skuFile;
  std::optional<double> deadlineSeconds;
  std::optional<std::string> terminationLogPath;  // short text summary, e.g. /dev/termination-log
  std::vector<Fault> faults;
};

// Whole-run wall-clock limit when --deadline is not given; a GPU still busy
// then is reported as hung. quick: well above its ~15-30 s; full: above its
// ~6 min plan but under DCGM-style "hours".
double defaultDeadlineSeconds(Profile profile);

}  // namespace gv
