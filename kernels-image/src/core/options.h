// Command-line options after parsing (see cli.h).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "faults.h"
#include "types.h"

namespace gv {

struct Options {
  Profile profile = Profile::Quick;
  std::optional<std::string> jsonPath;  // "-" means stdout
  std::optional<std::string> expectSku;
  std::optional<std::string> expectMigProfile;
  // --expect-mig-slices 1g.10gb=14,3g.40gb=8: every slice of the node's MIG
  // layout, per profile (sorted by profile); each slice is validated (run.h).
  std::vector<std::pair<std::string, int>> expectMigSlices;
  std::optional<SharingMode> sharing;  // nullopt: auto-detect
  std::optional<int> expectGpus;
  std::optional<std::string> nodeName;
  std::optional<std::string> skuFile;
  std::optional<double> deadlineSeconds;
  std::optional<std::string> terminationLogPath;  // short text summary, e.g. /dev/termination-log
  std::vector<Fault> faults;
};

// Whole-run wall-clock limit when --deadline is not given: NVML init,
// discovery, every check and the node checks after them end before it, or
// the run reports a timeout (exit 2). quick: well above its ~15-30 s; full:
// above its ~6 min plan but under DCGM-style "hours".
double defaultDeadlineSeconds(Profile profile);

}  // namespace gv
