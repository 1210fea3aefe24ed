// Command-line parsing. Pure: no I/O, so tests cover every branch.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "options.h"

namespace gv {

struct ParseOutcome {
  enum class Action { Run, Help, List, ListSkus, Version, BadUsage };
  Action action = Action::Run;
  Options options;
  std::string error;  // for BadUsage
};

// args excludes argv[0]. Accepts "--name value" and "--name=value".
ParseOutcome parseArguments(const std::vector<std::string>& args);
std::string usageText();

// Arguments that parse back to `options` (parseArguments(argumentsFor(o))
// gives o), for the child run of one MIG slice (run.h).
std::vector<std::string> argumentsFor(const Options& options);

// --node-name, else $NODE_NAME (set by the Kubernetes downward API), else hostname.
std::string resolveNodeName(const std::optional<std::string>& flag, const char* environment,
                            const std::string& hostname);

}  // namespace gv
