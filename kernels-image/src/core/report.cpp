#include "report.h"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "skip_policy.h"

namespace gv {

namespace {

std::string formatValue(const std::optional<double>& value, const std::string& unit) {
  if (!value) return "-";
  std::ostringstream out;
  double v = *value;
  if (v == static_cast<long long>(v) && std::abs(v) < 1e12) out << static_cast<long long>(v);
  else {
    out.precision(v >= 100 ? 5 : 3);
    out << v;
  }
  if (!unit.empty()) out << " " << unit;
  return out.str();
}

std::string pad(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

void appendCheckRows(std::ostringstream& out, const std::vector<CheckResult>& checks) {
  out << "  " << pad("CHECK", 19) << pad("STATUS", 7) << pad("MEASURED", 20) << pad("THRESHOLD", 22)
      << pad("TIME", 8) << "REASON\n";
  for (const auto& check : checks) {
    std::string threshold = "-";
    if (check.threshold) {
      threshold = std::string(toString(check.threshold->comparison)) + " " +
                  formatValue(check.threshold->value, check.threshold->unit);
      if (!check.threshold->binding) threshold += " (nb)";
    }
    std::ostringstream time;
    time.setf(std::ios::fixed);
    time.precision(1);
    time << check.durationSeconds << "s";
    std::string reason = check.reason;
    if (check.status == Status::Skip && !check.exemption) reason = "[no exemption] " + reason;
    if (!check.injectedFaults.empty()) reason = "[injected] " + reason;
    out << "  " << pad(check.name, 19) << pad(toString(check.status), 7)
        << pad(formatValue(check.value, check.unit), 20) << pad(threshold, 22) << pad(time.str(), 8) << reason
        << "\n";
  }
}

std::string sharingOf(const GpuSnapshot& gpu) {
  std::string mode = gpu.identity.migInstance ? "mig" : "exclusive";
  if (gpu.timeSliced) mode = gpu.identity.migInstance ? "mig+time-slicing" : "time-slicing";
  return mode;
}

}  // namespace

std::string formatCudaVersion(int version) {
  if (version <= 0) return "unknown";
  return std::to_string(version / 1000) + "." + std::to_string((version % 1000) / 10);
}

Json checkToJson(const CheckResult& result) {
  Json out = Json::object();
  out.set("name", result.name);
  out.set("status", toString(result.status));
  out.set("value", result.value);
  out.set("unit", result.unit.empty() ? Json() : Json(result.unit));
  if (result.threshold) {
    Json threshold = Json::object();
    threshold.set("comparison", toString(result.threshold->comparison));
    threshold.set("value", result.threshold->value);
    threshold.set("unit", result.threshold->unit);
    threshold.set("source", result.threshold->source);
    threshold.set("binding", result.threshold->binding);
    if (!result.threshold->binding) threshold.set("notBindingReason", result.threshold->notBindingReason);
    out.set("threshold", threshold);
  } else {
    out.set("threshold", Json());
  }
  out.set("durationSeconds", result.durationSeconds);
  out.set("reason", result.reason);
  out.set("details", result.details);
  Json faults = Json::array();
  for (const auto& fault : result.injectedFaults) faults.push(fault);
  out.set("injectedFaults", faults);
  out.set("exemption", result.status == Status::Skip ? Json(result.exemption) : Json());
  return out;
}

Json reportToJson(const RunReport& report) {
  Json root = Json::object();
  root.set("schemaVersion", kReportSchemaVersion);
  Json tool = Json::object();
  tool.set("name", "gpu-validate");
  tool.set("version", report.toolVersion);
  tool.set("build", report.toolBuild);
  tool.set("cublas", report.cublas);
  tool.set("cudaArchitectures", report.cudaArchitectures);
  tool.set("skuTableUpdated", report.skuTableUpdated);
  root.set("tool", tool);
  root.set("startedAt", report.startedAtUtc);
  root.set("durationSeconds", report.durationSeconds);
  root.set("profile", toString(report.options.profile));
  root.set("verdict", toString(report.verdict.verdict));
  root.set("exitCode", report.verdict.exitCode);
  root.set("reason", report.verdict.reason);
  Json faults = Json::array();
  for (const auto& fault : report.injectedFaults) faults.push(fault);
  root.set("injectedFaults", faults);
  Json deadline = Json::object();
  deadline.set("seconds", report.deadline.seconds);
  deadline.set("expired", report.deadline.expired);
  deadline.set("phase", report.deadline.expired ? Json(report.deadline.phase) : Json());
  Json unfinished = Json::array();
  for (const auto& item : report.deadline.unfinished) unfinished.push(item);
  deadline.set("unfinished", unfinished);
  root.set("deadline", deadline);

  Json node = Json::object();
  node.set("name", report.nodeName);
  node.set("sharingRequested", report.options.sharing ? toString(*report.options.sharing) : "auto");
  node.set("expectedGpus", report.options.expectGpus);
  node.set("expectedSku", report.options.expectSku);
  node.set("expectedMigProfile", report.options.expectMigProfile);
  Json slices = Json::array();
  for (const auto& [profile, count] : report.options.expectMigSlices) {
    Json entry = Json::object();
    entry.set("profile", profile);
    entry.set("count", count);
    slices.push(entry);
  }
  node.set("expectedMigSlices", report.options.expectMigSlices.empty() ? Json() : slices);
  node.set("cudaDeviceCount", report.facts.cudaDeviceCountError ? Json() : Json(report.facts.cudaDeviceCount));
  node.set("nvmlDeviceCount", report.facts.nvmlDeviceCount);
  root.set("node", node);

  Json software = Json::object();
  software.set("driverVersion", report.facts.nvmlDriverVersion);
  software.set("cudaDriverVersion",
               report.facts.cudaDriverVersion ? Json(formatCudaVersion(report.facts.cudaDriverVersion)) : Json());
  software.set("cudaRuntimeVersion",
               report.facts.cudaRuntimeVersion ? Json(formatCudaVersion(report.facts.cudaRuntimeVersion)) : Json());
  Json nvml = Json::object();
  nvml.set("available", report.nvmlAvailable);
  nvml.set("reason", report.nvmlAvailable ? Json() : Json(report.nvmlReason));
  software.set("nvml", nvml);
  root.set("software", software);

  Json gpus = Json::array();
  for (const auto& gpu : report.gpus) {
    const GpuIdentity& id = gpu.identity;
    Json g = Json::object();
    g.set("index", id.cudaIndex);
    g.set("name", id.name);
    g.set("uuid", id.uuid);
    g.set("pciBusId", id.pciBusId);
    g.set("pciDeviceId", id.pciDeviceId ? Json(formatPciDeviceId(*id.pciDeviceId)) : Json());
    g.set("computeCapability", std::to_string(id.computeMajor) + "." + std::to_string(id.computeMinor));
    g.set("smCount", id.smCount);
    g.set("memoryBytes", id.totalMemoryBytes);
    if (gpu.skuKey.empty()) {
      g.set("sku", Json());
    } else {
      Json sku = Json::object();
      sku.set("key", gpu.skuKey);
      sku.set("name", gpu.skuName);
      sku.set("matchedBy", gpu.skuMatchedBy);
      g.set("sku", sku);
    }
    Json context = Json::object();
    context.set("sharing", sharingOf(gpu));
    context.set("migInstance", id.migInstance);
    context.set("migProfile", id.migProfile);
    context.set("migParentUuid", id.parentUuid.empty() ? Json() : Json(id.parentUuid));
    context.set("timeSliced", gpu.timeSliced);
    context.set("source", gpu.sharingSource);
    context.set("otherComputeProcessesAtStart", id.otherComputeProcesses);
    g.set("context", context);
    Json checks = Json::array();
    for (const auto& check : gpu.checks) checks.push(checkToJson(check));
    g.set("checks", checks);
    gpus.push(g);
  }
  root.set("gpus", gpus);

  Json nodeChecks = Json::array();
  for (const auto& check : report.nodeChecks) nodeChecks.push(checkToJson(check));
  root.set("nodeChecks", nodeChecks);

  int counts[4] = {0, 0, 0, 0};
  for (const auto& [label, result] : labelledResults(report)) counts[static_cast<int>(result->status)]++;
  Json summary = Json::object();
  summary.set("pass", counts[static_cast<int>(Status::Pass)]);
  summary.set("fail", counts[static_cast<int>(Status::Fail)]);
  summary.set("skip", counts[static_cast<int>(Status::Skip)]);
  summary.set("error", counts[static_cast<int>(Status::Error)]);
  root.set("summary", summary);
  return root;
}

std::optional<std::string> timeoutReason(const DeadlineInfo& deadline) {
  if (!deadline.expired) return std::nullopt;
  std::ostringstream seconds;
  seconds << deadline.seconds;
  std::string text = "the " + seconds.str() + " s deadline passed during " + deadline.phase;
  if (!deadline.unfinished.empty()) {
    std::string list;
    for (std::size_t i = 0; i < deadline.unfinished.size() && i < 6; ++i)
      list += (list.empty() ? "" : ", ") + deadline.unfinished[i];
    if (deadline.unfinished.size() > 6) list += ", ...";
    text += ": " + list + " did not finish";
  }
  return text;
}

void finalizeVerdict(RunReport& report) {
  applySkipPolicy(report);
  report.verdict = decideVerdict(labelledResults(report), report.couldNotRunReason, timeoutReason(report.deadline));
}

namespace {

Status statusFromText(const std::string& text) {
  for (Status status : {Status::Pass, Status::Fail, Status::Skip, Status::Error})
    if (text == toString(status)) return status;
  throw JsonError("unknown check status '" + text + "'");
}

template <typename T>
std::optional<T> optionalNumber(const Json& json, const std::string& key) {
  const Json* value = json.find(key);
  if (!value || value->isNull()) return std::nullopt;
  return static_cast<T>(value->asNumber());
}

std::optional<std::string> optionalString(const Json& json, const std::string& key) {
  const Json* value = json.find(key);
  if (!value || value->isNull()) return std::nullopt;
  return value->asString();
}

}  // namespace

CheckResult checkFromJson(const Json& json) {
  CheckResult result;
  result.name = json.at("name").asString();
  result.status = statusFromText(json.at("status").asString());
  result.value = optionalNumber<double>(json, "value");
  result.unit = optionalString(json, "unit").value_or("");
  if (const Json* threshold = json.find("threshold"); threshold && !threshold->isNull()) {
    Threshold t;
    t.comparison = threshold->at("comparison").asString() == "<=" ? Comparison::AtMost : Comparison::AtLeast;
    t.value = threshold->at("value").asNumber();
    t.unit = threshold->at("unit").asString();
    t.source = threshold->at("source").asString();
    t.binding = threshold->at("binding").asBool();
    t.notBindingReason = optionalString(*threshold, "notBindingReason").value_or("");
    result.threshold = t;
  }
  result.durationSeconds = json.at("durationSeconds").asNumber();
  result.reason = json.at("reason").asString();
  result.details = json.at("details");
  for (const Json& fault : json.at("injectedFaults").asArray()) result.injectedFaults.push_back(fault.asString());
  return result;  // the exemption is decided again by the report that takes the result in
}

GpuSnapshot gpuSnapshotFromJson(const Json& json) {
  GpuSnapshot gpu;
  GpuIdentity& id = gpu.identity;
  id.cudaIndex = static_cast<int>(json.at("index").asNumber());
  id.name = json.at("name").asString();
  id.uuid = json.at("uuid").asString();
  id.pciBusId = json.at("pciBusId").asString();
  if (auto pci = optionalString(json, "pciDeviceId")) id.pciDeviceId = parsePciDeviceId(*pci);
  const std::string& capability = json.at("computeCapability").asString();
  std::size_t dot = capability.find('.');
  id.computeMajor = std::atoi(capability.substr(0, dot).c_str());
  id.computeMinor = dot == std::string::npos ? 0 : std::atoi(capability.substr(dot + 1).c_str());
  id.smCount = static_cast<int>(json.at("smCount").asNumber());
  id.totalMemoryBytes = static_cast<std::uint64_t>(json.at("memoryBytes").asNumber());
  if (const Json& sku = json.at("sku"); !sku.isNull()) {
    gpu.skuKey = sku.at("key").asString();
    gpu.skuName = sku.at("name").asString();
    gpu.skuMatchedBy = sku.at("matchedBy").asString();
  }
  const Json& context = json.at("context");
  id.migInstance = context.at("migInstance").asBool();
  id.migProfile = optionalString(context, "migProfile");
  id.parentUuid = optionalString(context, "migParentUuid").value_or("");
  id.otherComputeProcesses = optionalNumber<unsigned>(context, "otherComputeProcessesAtStart");
  gpu.timeSliced = context.at("timeSliced").asBool();
  gpu.sharingSource = context.at("source").asString();
  for (const Json& check : json.at("checks").asArray()) gpu.checks.push_back(checkFromJson(check));
  return gpu;
}

std::vector<LabelledResult> labelledResults(const RunReport& report) {
  std::vector<LabelledResult> out;
  for (const auto& check : report.nodeChecks) out.emplace_back("node", &check);
  for (const auto& gpu : report.gpus)
    for (const auto& check : gpu.checks) out.emplace_back("gpu" + std::to_string(gpu.identity.cudaIndex), &check);
  return out;
}

std::string renderTable(const RunReport& report) {
  std::ostringstream out;
  out << "gpu-validate " << report.toolVersion << " | node " << report.nodeName << " | profile "
      << toString(report.options.profile) << " | sharing "
      << (report.options.sharing ? toString(*report.options.sharing) : "auto") << "\n";
  out << "CUDA runtime " << formatCudaVersion(report.facts.cudaRuntimeVersion) << ", driver API "
      << formatCudaVersion(report.facts.cudaDriverVersion) << ", NVIDIA driver "
      << report.facts.nvmlDriverVersion.value_or("unknown") << " | NVML "
      << (report.nvmlAvailable ? "available" : "unavailable (" + report.nvmlReason + ")") << " | cuBLAS "
      << (report.cublas ? "yes" : "no") << "\n";
  if (!report.injectedFaults.empty()) {
    out << "INJECTED FAULTS:";
    for (const auto& fault : report.injectedFaults) out << " " << fault;
    out << "  (this report is a test, not a real verdict)\n";
  }
  for (const auto& gpu : report.gpus) {
    const GpuIdentity& id = gpu.identity;
    out << "\nGPU " << id.cudaIndex << "  " << id.name << "  "
        << (id.pciDeviceId ? formatPciDeviceId(*id.pciDeviceId) : "id?") << "  sku "
        << (gpu.skuKey.empty() ? "unknown" : gpu.skuKey) << "  " << sharingOf(gpu) << "  " << id.uuid << "\n";
    appendCheckRows(out, gpu.checks);
  }
  if (!report.nodeChecks.empty()) {
    out << "\nNODE\n";
    appendCheckRows(out, report.nodeChecks);
  }
  std::string verdict = toString(report.verdict.verdict);
  for (auto& c : verdict) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (report.deadline.expired) out << "\nDEADLINE: " << *timeoutReason(report.deadline) << "\n";
  out << "\nVERDICT: " << verdict << " (exit " << report.verdict.exitCode << ") - " << report.verdict.reason << "\n";
  return out.str();
}

namespace {

// Longest single line of a termination summary: one long reason must not
// crowd out the other failed checks.
constexpr std::size_t kSummaryLineMaxBytes = 480;

// Cuts to at most maxBytes without splitting a UTF-8 sequence.
std::string clipUtf8(const std::string& text, std::size_t maxBytes) {
  if (text.size() <= maxBytes) return text;
  const char* ellipsis = "...";
  std::size_t keep = maxBytes > 3 ? maxBytes - 3 : 0;
  while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
  return text.substr(0, keep) + (maxBytes > 3 ? ellipsis : "");
}

// One summary line: no newline or other control character may split it.
std::string summaryLine(const std::string& text) {
  std::string out = text;
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return clipUtf8(out, kSummaryLineMaxBytes);
}

std::string checkSummary(const std::string& label, const CheckResult& check) {
  std::string status = toString(check.status);
  if (check.status == Status::Skip) status += " (no exemption)";  // only those are listed
  std::string line = label + " " + check.name + ": " + status + ": ";
  if (check.value && check.threshold) {
    const Threshold& t = *check.threshold;
    line += formatValue(check.value, check.unit) + " vs " +
            (t.comparison == Comparison::AtLeast ? "floor " : "limit ") + formatValue(t.value, t.unit) + ": ";
  }
  if (!check.injectedFaults.empty()) line += "[injected] ";
  return line + check.reason;
}

}  // namespace

std::string terminationSummary(const RunReport& report, std::size_t maxBytes) {
  std::vector<std::string> lines;
  lines.push_back(summaryLine("gpu-validate " + std::string(toString(report.verdict.verdict)) + " on " +
                              report.nodeName + " (exit " + std::to_string(report.verdict.exitCode) + ")"));
  if (!report.injectedFaults.empty()) {
    std::string faults;
    for (const auto& fault : report.injectedFaults) faults += (faults.empty() ? "" : ", ") + fault;
    lines.push_back(summaryLine("injected faults: " + faults + " (a test, not a real verdict)"));
  }
  if (report.verdict.verdict == Verdict::CouldNotRun)
    lines.push_back(summaryLine("could not run: " + report.verdict.reason));
  for (const auto& [label, check] : labelledResults(report))
    if (check->status == Status::Fail || check->status == Status::Error ||
        (check->status == Status::Skip && !check->exemption))
      lines.push_back(summaryLine(checkSummary(label, *check)));

  auto tail = [](std::size_t omitted) { return "... " + std::to_string(omitted) + " more\n"; };
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string line = lines[i] + "\n";
    std::size_t after = lines.size() - i - 1;
    // Room for this line, plus the "... N more" marker if anything follows
    // and not all of it fits.
    std::size_t restBytes = 0;
    for (std::size_t j = i + 1; j < lines.size(); ++j) restBytes += lines[j].size() + 1;
    bool restFits = out.size() + line.size() + restBytes <= maxBytes;
    std::size_t reserve = (after == 0 || restFits) ? 0 : tail(after).size();
    if (out.size() + line.size() + reserve > maxBytes) {
      if (i == 0) {  // the verdict line always goes in, clipped if it must
        out = clipUtf8(lines[0], maxBytes > tail(after).size() + 1 ? maxBytes - tail(after).size() - 1 : 0) + "\n";
        continue;
      }
      out += tail(lines.size() - i);
      break;
    }
    out += line;
  }
  return out.size() <= maxBytes ? out : clipUtf8(out, maxBytes);
}

bool writeFileInPlace(const std::string& path, const std::string& content, std::string* error) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) {
    if (error) *error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  bool ok = std::fwrite(content.data(), 1, content.size(), file) == content.size();
  ok = (std::fflush(file) == 0) && ok;
  ok = (std::fclose(file) == 0) && ok;
  if (!ok && error) *error = "cannot write " + path + ": " + std::strerror(errno);
  return ok;
}

bool writeFileAtomically(const std::string& path, const std::string& content, std::string* error) {
  std::string temporary = path + ".tmp." + std::to_string(::getpid());
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (!file) {
    if (error) *error = "cannot create " + temporary + ": " + std::strerror(errno);
    return false;
  }
  bool ok = std::fwrite(content.data(), 1, content.size(), file) == content.size();
  ok = (std::fflush(file) == 0) && ok;
  ok = (::fsync(::fileno(file)) == 0) && ok;
  ok = (std::fclose(file) == 0) && ok;
  if (!ok) {
    if (error) *error = "cannot write " + temporary + ": " + std::strerror(errno);
    std::remove(temporary.c_str());
    return false;
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    if (error) *error = "cannot rename " + temporary + " to " + path + ": " + std::strerror(errno);
    std::remove(temporary.c_str());
    return false;
  }
  return true;
}

}  // namespace gv
