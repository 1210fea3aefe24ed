// node-consistency: each GPU's HBM bandwidth and GEMM throughput against the
// median of comparable GPUs on the node. Catches a straggler even when the SKU
// (and so its absolute floor) is unknown.
#include <algorithm>
#include <map>
#include <sstream>

#include "../check.h"

namespace gv {

namespace {

const char* kComparedChecks[] = {"hbm-bandwidth", "gemm-throughput"};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  std::size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

class NodeConsistencyCheck final : public NodeCheck {
 public:
  CheckInfo info() const override {
    return {"node-consistency",
            "HBM bandwidth and GEMM throughput of each GPU vs the median of same-SKU/same-slice GPUs on the node",
            kBothProfiles};
  }
  Phase phase() const override { return Phase::AfterGpuChecks; }

  std::string cannotRunReason(const NodeContext& context) const override {
    if (context.gpus.size() < 2) return "needs at least two GPUs to compare";
    return {};
  }

  CheckResult run(NodeContext& context) override {
    CheckResult result;
    result.name = "node-consistency";
    const SourcedValue& policy = context.skus.policy().nodeConsistencyMinRatioToMedian;
    double minRatio = policy.value.value_or(0.9);

    bool anyTimeSliced = false;
    double worstRatio = 1.0;
    std::string worstText;
    std::vector<std::string> failures;
    Json groups = Json::array();
    for (const char* check : kComparedChecks) {
      // Comparable: same SKU (or device name) and same MIG profile.
      std::map<std::string, std::vector<std::pair<int, double>>> byGroup;
      for (const GpuRun* run : context.gpus) {
        const GpuContext& gpu = *run->context;
        anyTimeSliced = anyTimeSliced || gpu.timeSliced;
        for (const CheckResult& r : run->results) {
          if (r.name != check || !r.value || *r.value <= 0) continue;
          std::string key = (gpu.sku ? gpu.sku->key : gpu.identity.name) + " " +
                            gpu.effectiveMigProfile().value_or("whole");
          byGroup[key].emplace_back(gpu.identity.cudaIndex, *r.value);
        }
      }
      for (const auto& [key, members] : byGroup) {
        if (members.size() < 2) continue;
        std::vector<double> values;
        for (const auto& member : members) values.push_back(member.second);
        double mid = median(values);
        Json group = Json::object();
        group.set("metric", check);
        group.set("group", key);
        group.set("median", mid);
        Json ratios = Json::object();
        for (const auto& [index, value] : members) {
          double ratio = value / mid;
          ratios.set("gpu" + std::to_string(index), ratio);
          if (ratio < worstRatio) {
            worstRatio = ratio;
            std::ostringstream text;
            text.precision(3);
            text << "GPU " << index << " " << check << " is " << ratio << "x the node median";
            worstText = text.str();
          }
          if (ratio < minRatio) {
            // Measurements in fixed notation (2100.5, not 2.1e+03), the ratio to 3 digits.
            std::ostringstream measured, share;
            measured.setf(std::ios::fixed);
            measured.precision(1);
            share.precision(3);
            share << ratio;
            measured << "GPU " << index << " " << check << " " << value << " is " << share.str() << "x the median ";
            measured << mid << " of " << key;
            failures.push_back(measured.str());
          }
        }
        group.set("ratioToMedian", ratios);
        groups.push(group);
      }
    }
    result.details.set("groups", groups);
    if (groups.size() == 0) {
      result.status = Status::Skip;
      result.reason = "no two comparable GPUs produced HBM or GEMM measurements";
      return result;
    }
    Threshold threshold = makeThreshold(Comparison::AtLeast, minRatio, "x median", policy.source);
    if (anyTimeSliced) {
      threshold.binding = false;
      threshold.notBindingReason = kTimeSlicedNotBinding;
    }
    applyJudgement(result, worstRatio, threshold);
    if (result.status == Status::Fail) {
      std::string joined;
      for (const auto& text : failures) joined += (joined.empty() ? "" : "; ") + text;
      result.reason = joined;
    } else if (result.status == Status::Pass) {
      result.reason = "all GPUs within " + std::to_string(int((1 - minRatio) * 100 + 0.5)) +
                      " % of their group median (worst: " + worstText + ")";
    }
    return result;
  }
};

}  // namespace

std::unique_ptr<NodeCheck> makeNodeConsistencyCheck() { return std::make_unique<NodeConsistencyCheck>(); }

}  // namespace gv
