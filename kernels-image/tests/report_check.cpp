// report_check SCHEMA REPORT [--verdict V] [--exit N] [--status CHECK=STATUS]...
//                            [--fault NAME]...
// Checks a gpu-validate JSON report against the parts of
// schema/report.schema.json that matter to consumers: the required fields at
// the top level, in each GPU and in each check, enum values and schemaVersion.
// Exit 0 when every expectation holds, 1 otherwise (with reasons on stderr).
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "json.h"

using gv::Json;

namespace {

int problems = 0;

void problem(const std::string& text) {
  ++problems;
  std::fprintf(stderr, "report_check: %s\n", text.c_str());
}

Json load(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot read " + path);
  std::stringstream text;
  text << file.rdbuf();
  return Json::parse(text.str());
}

// The schema object for "#/$defs/<name>".
const Json& definition(const Json& schema, const std::string& name) { return schema.at("$defs").at(name); }

void requireFields(const Json& schema, const Json& value, const std::string& where) {
  if (!value.isObject()) {
    problem(where + " is not an object");
    return;
  }
  for (const Json& field : schema.at("required").asArray())
    if (!value.has(field.asString())) problem(where + " lacks required field \"" + field.asString() + "\"");
}

void requireEnum(const Json& propertySchema, const Json& value, const std::string& where) {
  const Json* allowed = propertySchema.find("enum");
  if (!allowed) return;
  for (const Json& option : allowed->asArray())
    if (option.dump() == value.dump()) return;
  problem(where + " has value " + value.dump() + " outside " + allowed->dump());
}

void checkCheck(const Json& schema, const Json& check, const std::string& where) {
  const Json& checkSchema = definition(schema, "check");
  requireFields(checkSchema, check, where);
  if (check.has("status")) requireEnum(checkSchema.at("properties").at("status"), check.at("status"), where + ".status");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: report_check SCHEMA REPORT [--verdict V] [--exit N] [--status CHECK=STATUS] [--fault F]\n");
    return 2;
  }
  try {
    Json schema = load(argv[1]);
    Json report = load(argv[2]);
    requireFields(schema, report, "report");
    const Json& properties = schema.at("properties");
    if (report.has("schemaVersion") &&
        report.at("schemaVersion").dump() != properties.at("schemaVersion").at("const").dump())
      problem("schemaVersion " + report.at("schemaVersion").dump() + " is not the schema's");
    if (report.has("verdict")) requireEnum(properties.at("verdict"), report.at("verdict"), "verdict");
    // exitCode must say the same as verdict.
    if (report.has("verdict") && report.has("exitCode")) {
      std::string verdict = report.at("verdict").asString();
      int expected = verdict == "pass" ? 0 : verdict == "fail" ? 1 : 2;
      if (static_cast<int>(report.at("exitCode").asNumber()) != expected)
        problem("exitCode " + report.at("exitCode").dump() + " disagrees with verdict " + verdict);
    }
    std::vector<std::pair<std::string, std::string>> statuses;  // check name -> status seen
    if (report.has("gpus")) {
      for (std::size_t i = 0; i < report.at("gpus").size(); ++i) {
        const Json& gpu = report.at("gpus")[i];
        std::string where = "gpus[" + std::to_string(i) + "]";
        requireFields(definition(schema, "gpu"), gpu, where);
        if (!gpu.has("checks")) continue;
        for (std::size_t c = 0; c < gpu.at("checks").size(); ++c) {
          const Json& check = gpu.at("checks")[c];
          checkCheck(schema, check, where + ".checks[" + std::to_string(c) + "]");
          if (check.has("name") && check.has("status"))
            statuses.emplace_back(check.at("name").asString(), check.at("status").asString());
        }
      }
    }
    if (report.has("nodeChecks")) {
      for (std::size_t c = 0; c < report.at("nodeChecks").size(); ++c) {
        const Json& check = report.at("nodeChecks")[c];
        checkCheck(schema, check, "nodeChecks[" + std::to_string(c) + "]");
        if (check.has("name") && check.has("status"))
          statuses.emplace_back(check.at("name").asString(), check.at("status").asString());
      }
    }

    for (int i = 3; i + 1 < argc; i += 2) {
      std::string option = argv[i], value = argv[i + 1];
      if (option == "--verdict") {
        if (!report.has("verdict") || report.at("verdict").asString() != value)
          problem("verdict is not " + value);
      } else if (option == "--exit") {
        if (!report.has("exitCode") || static_cast<int>(report.at("exitCode").asNumber()) != std::stoi(value))
          problem("exitCode is not " + value);
      } else if (option == "--status") {
        std::size_t eq = value.find('=');
        std::string name = value.substr(0, eq), status = value.substr(eq + 1);
        bool seen = false;
        for (const auto& [checkName, checkStatus] : statuses)
          if (checkName == name && checkStatus == status) seen = true;
        if (!seen) problem("no check " + name + " with status " + status);
      } else if (option == "--fault") {
        bool seen = false;
        for (const Json& fault : report.at("injectedFaults").asArray()) seen = seen || fault.asString() == value;
        if (!seen) problem("injectedFaults lacks " + value);
      } else {
        problem("unknown option " + option);
      }
    }
  } catch (const std::exception& e) {
    problem(e.what());
  }
  return problems ? 1 : 0;
}
