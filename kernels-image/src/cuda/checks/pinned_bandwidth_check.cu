// pinned-bandwidth: host-to-device and device-to-host copy bandwidth from
// pinned host memory with cudaMemcpyAsync, best of N, one GPU at a time so
// GPUs do not compete for host memory bandwidth.
//
// The floor belongs to the host link of the instance type (skus.json
// hostLinks): on AWS the host CPU's root ports, not the GPU, bound it.
// The pinned buffer is allocated, and the copies issued, from CPUs of the
// GPU's own NUMA node (NVML nvmlDeviceGetNumaNodeId, else sysfs numa_node),
// as nvbandwidth does: the calling thread is bound to that node's CPUs for
// the measurement (cudaHostAlloc's pages then come from the local node under
// the default local-allocation policy), and unbound afterwards. Where the
// node is unknown (-1, no sysfs, no NVML) or the pod's cpuset has none of its
// CPUs, the measurement runs unbound and the details say so.
#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

#include "../cuda_util.h"
#include "../device_checks.h"
#include "health.h"
#include "performance.h"

namespace gv {

namespace {

constexpr std::size_t kMiB = 1024 * 1024;

double bestCopyGBps(void* destination, const void* source, std::size_t bytes, cudaMemcpyKind kind, int samples,
                    cudaStream_t stream) {
  EventTimer timer;
  GV_CUDA(cudaMemcpyAsync(destination, source, bytes, kind, stream));  // warm-up
  double best = 1e30;
  for (int i = 0; i < samples; ++i) {
    timer.start(stream);
    GV_CUDA(cudaMemcpyAsync(destination, source, bytes, kind, stream));
    timer.stop(stream);
    best = std::min(best, timer.seconds());
  }
  return bytes / best / 1e9;
}

std::string readFirstLine(const std::string& path) {
  std::ifstream file(path);
  std::string line;
  if (file) std::getline(file, line);
  return line;
}

struct NumaPlacement {
  int node = -1;
  std::string source;  // how the node was found, or why not
  std::vector<int> cpus;  // the node's CPUs this thread may use
  bool bound = false;
  std::string note;
};

NumaPlacement findNumaNode(GpuContext& context) {
  NumaPlacement placement;
  if (NvmlHealthApi* health = context.nvmlReady() ? nvmlHealthApi(context.nvml) : nullptr) {
    auto node = health->numaNodeId(context.nvmlDevice);
    if (node.ok() && static_cast<int>(node.value) >= 0) {
      placement.node = static_cast<int>(node.value);
      placement.source = "NVML nvmlDeviceGetNumaNodeId";
    }
  }
  if (placement.node < 0) {
    std::string address = sysfsPciAddress(context.identity.pciBusId);
    std::string path = "/sys/bus/pci/devices/" + address + "/numa_node";
    std::string text = address.empty() ? std::string() : readFirstLine(path);
    char* end = nullptr;
    long node = text.empty() ? -1 : std::strtol(text.c_str(), &end, 10);
    if (!text.empty() && end != text.c_str() && node >= 0) {
      placement.node = static_cast<int>(node);
      placement.source = path;
    } else {
      placement.source = text.empty() ? "no NUMA node: NVML does not say and " + path + " is not readable"
                                      : "no NUMA node: " + path + " reads " + text;
    }
  }
  if (placement.node >= 0) {
    std::vector<int> nodeCpus = parseCpuList(
        readFirstLine("/sys/devices/system/node/node" + std::to_string(placement.node) + "/cpulist"));
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0)
      for (int cpu : nodeCpus)
        if (cpu < CPU_SETSIZE && CPU_ISSET(cpu, &allowed)) placement.cpus.push_back(cpu);
    if (nodeCpus.empty()) placement.note = "the node's CPU list is not readable: not bound";
    else if (placement.cpus.empty()) placement.note = "the pod's cpuset has no CPU of this node: not bound";
  }
  return placement;
}

// Binds the calling thread to `cpus` for its lifetime, then restores its mask.
class CpuBinding {
 public:
  explicit CpuBinding(const std::vector<int>& cpus) {
    if (cpus.empty() || sched_getaffinity(0, sizeof saved_, &saved_) != 0) return;
    cpu_set_t mask;
    CPU_ZERO(&mask);
    for (int cpu : cpus) CPU_SET(cpu, &mask);
    active_ = sched_setaffinity(0, sizeof mask, &mask) == 0;
  }
  ~CpuBinding() {
    if (active_) sched_setaffinity(0, sizeof saved_, &saved_);
  }
  CpuBinding(const CpuBinding&) = delete;
  CpuBinding& operator=(const CpuBinding&) = delete;
  bool active() const { return active_; }

 private:
  cpu_set_t saved_;
  bool active_ = false;
};

class PinnedBandwidthCheck final : public GpuCheck {
 public:
  CheckInfo info() const override {
    return {"pinned-bandwidth",
            "pinned host<->device GB/s per direction (cudaMemcpyAsync, best of N, one GPU at a time, buffer on the "
            "GPU's NUMA node) vs the instance type's host-link floor",
            kBothProfiles};
  }
  bool usesCuda() const override { return true; }
  bool generatesLoad() const override { return true; }

  CheckResult run(GpuContext& context) override {
    bool quick = context.options.profile == Profile::Quick;
    std::size_t bytes = (quick ? 256 : 1024) * kMiB;
    const int samples = quick ? 10 : 30;
    std::size_t freeBytes = 0, totalBytes = 0;
    deviceMemory(&freeBytes, &totalBytes);
    bytes = std::min(bytes, freeBytes / 4 / (2 * kMiB) * (2 * kMiB));
    if (bytes < 16 * kMiB) throw std::runtime_error("not enough free device memory for the copy buffer");

    DeviceBuffer device(bytes);
    Stream stream;
    NumaPlacement numa = findNumaNode(context);
    double h2d = 0, d2h = 0;
    {
      // One GPU at a time; the pinned buffer lives only inside the lock so a
      // pod's memory limit sees one of them, not one per GPU.
      std::unique_lock<std::mutex> lock;
      if (context.node) lock = std::unique_lock<std::mutex>(context.node->hostLinkMutex);
      CpuBinding binding(numa.cpus);
      numa.bound = binding.active();
      PinnedBuffer host(bytes);
      h2d = bestCopyGBps(device.get(), host.get(), bytes, cudaMemcpyHostToDevice, samples, stream.get());
      d2h = bestCopyGBps(host.get(), device.get(), bytes, cudaMemcpyDeviceToHost, samples, stream.get());
    }
    // --instance-type is not parsed yet: $INSTANCE_TYPE until it is.
    InstanceTypeChoice instance = resolveInstanceType(std::nullopt, std::getenv("INSTANCE_TYPE"));
    HostLinkFloors floors = selectHostLinkFloors(context.skus, context.floorContext(), instance);
    CheckResult result = evaluatePinned(h2d, d2h, floors.h2d, floors.d2h);
    result.details.set("bytes", bytes);
    result.details.set("samples", samples);
    for (const auto& member : floors.details.asObject()) result.details.set(member.first, member.second);
    Json placement = Json::object();
    placement.set("numaNode", numa.node >= 0 ? Json(numa.node) : Json());
    placement.set("source", numa.source);
    placement.set("boundToNodeCpus", numa.bound);
    placement.set("cpus", static_cast<unsigned long>(numa.cpus.size()));
    if (!numa.note.empty()) placement.set("note", numa.note);
    result.details.set("numa", placement);
    return result;
  }
};

}  // namespace

std::unique_ptr<GpuCheck> makePinnedBandwidthCheck() { return std::make_unique<PinnedBandwidthCheck>(); }

}  // namespace gv
