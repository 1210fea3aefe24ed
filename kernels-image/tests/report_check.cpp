// report_check SCHEMA REPORT [--verdict V] [--exit N] [--status CHECK=STATUS]...
//                            [--fault NAME]...
// Validates a gpu-validate JSON report against schema/report.schema.json and
// checks the expectations given. The validator implements the JSON Schema
// keywords the schema uses (type, required, properties, items, enum, const,
// $ref to #/$defs, oneOf, minimum, pattern) and refuses a schema with any
// other keyword, so a schema change cannot silently go unchecked.
// Exit 0 when every expectation holds, 1 otherwise (with reasons on stderr).
#include <cmath>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
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

bool hasType(const Json& value, const std::string& type) {
  if (type == "null") return value.isNull();
  if (type == "boolean") return value.isBool();
  if (type == "string") return value.isString();
  if (type == "array") return value.isArray();
  if (type == "object") return value.isObject();
  if (type == "number") return value.isNumber();
  if (type == "integer") return value.isNumber() && std::floor(value.asNumber()) == value.asNumber();
  throw std::runtime_error("schema uses unknown type \"" + type + "\"");
}

class Validator {
 public:
  explicit Validator(const Json& root) : root_(root) {}

  // Appends one message per violation of `schema` by `value` at `where`.
  void validate(const Json& schema, const Json& value, const std::string& where, std::vector<std::string>& out) const {
    static const std::set<std::string> annotations = {"$schema", "$id", "title", "description", "$defs"};
    for (const auto& [keyword, argument] : schema.asObject()) {
      if (annotations.count(keyword)) continue;
      if (keyword == "$ref") {
        const std::string prefix = "#/$defs/";
        const std::string& ref = argument.asString();
        if (ref.rfind(prefix, 0) != 0) throw std::runtime_error("unsupported $ref " + ref);
        validate(root_.at("$defs").at(ref.substr(prefix.size())), value, where, out);
      } else if (keyword == "type") {
        bool ok = false;
        if (argument.isString()) ok = hasType(value, argument.asString());
        else
          for (const Json& type : argument.asArray()) ok = ok || hasType(value, type.asString());
        if (!ok) out.push_back(where + " has value " + value.dump() + ", not of type " + argument.dump());
      } else if (keyword == "enum") {
        bool ok = false;
        for (const Json& option : argument.asArray()) ok = ok || option.dump() == value.dump();
        if (!ok) out.push_back(where + " has value " + value.dump() + " outside " + argument.dump());
      } else if (keyword == "const") {
        if (argument.dump() != value.dump())
          out.push_back(where + " is " + value.dump() + ", the schema requires " + argument.dump());
      } else if (keyword == "required") {
        if (!value.isObject()) continue;  // "type" reports a wrong type
        for (const Json& field : argument.asArray())
          if (!value.has(field.asString())) out.push_back(where + " lacks required field \"" + field.asString() + "\"");
      } else if (keyword == "properties") {
        if (!value.isObject()) continue;
        for (const auto& [name, propertySchema] : argument.asObject())
          if (const Json* member = value.find(name)) validate(propertySchema, *member, where + "." + name, out);
      } else if (keyword == "items") {
        if (!value.isArray()) continue;
        for (std::size_t i = 0; i < value.size(); ++i)
          validate(argument, value[i], where + "[" + std::to_string(i) + "]", out);
      } else if (keyword == "oneOf") {
        int matches = 0;
        for (const Json& option : argument.asArray()) {
          std::vector<std::string> failures;
          validate(option, value, where, failures);
          if (failures.empty()) ++matches;
        }
        if (matches != 1)
          out.push_back(where + " matches " + std::to_string(matches) + " of the oneOf alternatives, not exactly 1");
      } else if (keyword == "minimum") {
        if (value.isNumber() && value.asNumber() < argument.asNumber())
          out.push_back(where + " is " + value.dump() + ", below the minimum " + argument.dump());
      } else if (keyword == "pattern") {
        if (value.isString() && !std::regex_search(value.asString(), std::regex(argument.asString())))
          out.push_back(where + " is " + value.dump() + ", which does not match " + argument.dump());
      } else {
        throw std::runtime_error("schema keyword \"" + keyword + "\" at " + where +
                                 " is not implemented by report_check; extend it");
      }
    }
  }

 private:
  const Json& root_;
};

// Every (check name, status) pair in the report.
std::vector<std::pair<std::string, std::string>> statusesOf(const Json& report) {
  std::vector<std::pair<std::string, std::string>> out;
  auto collect = [&out](const Json& checks) {
    if (!checks.isArray()) return;
    for (std::size_t c = 0; c < checks.size(); ++c) {
      const Json& check = checks[c];
      if (check.isObject() && check.has("name") && check.has("status") && check.at("name").isString() &&
          check.at("status").isString())
        out.emplace_back(check.at("name").asString(), check.at("status").asString());
    }
  };
  if (const Json* gpus = report.find("gpus"); gpus && gpus->isArray())
    for (std::size_t i = 0; i < gpus->size(); ++i)
      if ((*gpus)[i].isObject() && (*gpus)[i].has("checks")) collect((*gpus)[i].at("checks"));
  if (const Json* nodeChecks = report.find("nodeChecks")) collect(*nodeChecks);
  return out;
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
    std::vector<std::string> violations;
    Validator(schema).validate(schema, report, "report", violations);
    for (const auto& violation : violations) problem(violation);
    // exitCode must say the same as verdict.
    if (report.isObject() && report.has("verdict") && report.has("exitCode") && report.at("verdict").isString() &&
        report.at("exitCode").isNumber()) {
      std::string verdict = report.at("verdict").asString();
      int expected = verdict == "pass" ? 0 : verdict == "fail" ? 1 : 2;
      if (static_cast<int>(report.at("exitCode").asNumber()) != expected)
        problem("exitCode " + report.at("exitCode").dump() + " disagrees with verdict " + verdict);
    }
    std::vector<std::pair<std::string, std::string>> statuses = statusesOf(report);

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
