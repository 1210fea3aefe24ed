// The list of checks, in the order they run.
#pragma once

#include <memory>
#include <vector>

#include "check.h"

namespace gv {

struct CheckRegistry {
  std::vector<std::unique_ptr<GpuCheck>> gpuChecks;
  std::vector<std::unique_ptr<NodeCheck>> nodeChecks;

  std::vector<GpuCheck*> gpu() const;
  std::vector<NodeCheck*> node() const;
};

CheckRegistry makeCheckRegistry();

// The --list text: name, scope, profiles and one line about each check.
std::string renderCheckList(const CheckRegistry& registry);

}  // namespace gv
