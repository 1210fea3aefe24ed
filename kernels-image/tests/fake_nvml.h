// An NvmlApi whose every answer is a field the test sets. Defaults describe
// a healthy H100 SXM on a Gen5 x16 link. It also answers the NvmlHealthApi
// queries (health.h: NVLink, recovery action, SRAM ECC, NUMA node, XIDs).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "health.h"
#include "nvml_api.h"

namespace gvtest {

using gv::NvmlDevice;
using gv::NvmlResult;

struct FakeNvml final : gv::NvmlApi, gv::NvmlHealthApi {
  NvmlResult<std::string> driver = NvmlResult<std::string>::success("580.95.05");
  NvmlResult<int> cudaDriver = NvmlResult<int>::success(13000);
  NvmlResult<unsigned> count = NvmlResult<unsigned>::success(1);
  int byIndexCode = gv::nvml::kSuccess;
  NvmlResult<std::string> deviceName = NvmlResult<std::string>::success("NVIDIA H100 80GB HBM3");
  NvmlResult<std::string> deviceUuid = NvmlResult<std::string>::success("GPU-11111111-2222-3333-4444-555555555555");
  NvmlResult<std::uint32_t> pci = NvmlResult<std::uint32_t>::success(0x233010de);
  NvmlResult<gv::MigMode> mig = NvmlResult<gv::MigMode>::success({0, 0});
  NvmlResult<unsigned> processes = NvmlResult<unsigned>::success(0);
  NvmlResult<gv::EccMode> ecc = NvmlResult<gv::EccMode>::success({true, true});
  NvmlResult<std::uint64_t> volatileUncorrected = NvmlResult<std::uint64_t>::success(0);
  NvmlResult<std::uint64_t> aggregateUncorrected = NvmlResult<std::uint64_t>::success(0);
  NvmlResult<std::uint64_t> volatileCorrected = NvmlResult<std::uint64_t>::success(3);
  NvmlResult<gv::RemappedRows> rows = NvmlResult<gv::RemappedRows>::success({2, 0, false, false});
  NvmlResult<bool> retiredPending = NvmlResult<bool>::failure(gv::nvml::kErrorNotSupported);
  NvmlResult<unsigned> retiredDoubleBit = NvmlResult<unsigned>::failure(gv::nvml::kErrorNotSupported);
  NvmlResult<unsigned> currentGen = NvmlResult<unsigned>::success(5);
  NvmlResult<unsigned> currentWidth = NvmlResult<unsigned>::success(16);
  NvmlResult<unsigned> maxGen = NvmlResult<unsigned>::success(5);
  NvmlResult<unsigned> maxWidth = NvmlResult<unsigned>::success(16);
  NvmlResult<unsigned> replays = NvmlResult<unsigned>::success(0);
  NvmlResult<std::uint64_t> reasons = NvmlResult<std::uint64_t>::success(gv::nvml::kReasonSwPowerCap);
  NvmlResult<unsigned> temperature = NvmlResult<unsigned>::success(61);
  NvmlResult<unsigned> slowdownTemperature = NvmlResult<unsigned>::success(90);
  NvmlResult<unsigned> power = NvmlResult<unsigned>::success(650000);
  NvmlResult<unsigned> powerLimit = NvmlResult<unsigned>::success(700000);
  NvmlResult<unsigned> smClock = NvmlResult<unsigned>::success(1980);
  NvmlResult<unsigned> maxSmClock = NvmlResult<unsigned>::success(1980);
  std::atomic<int> reasonQueries{0};
  // NvmlHealthApi: 18 active NVLink4 links without errors, no recovery action.
  NvmlResult<unsigned> nvLinks = NvmlResult<unsigned>::success(18);
  std::map<unsigned, NvmlResult<bool>> nvLinkStates;  // absent: active
  std::map<std::pair<unsigned, int>, NvmlResult<std::uint64_t>> nvLinkErrors;  // (link, NvLinkCounter); absent: 0
  NvmlResult<unsigned> recoveryAction = NvmlResult<unsigned>::success(gv::recovery::kNone);
  NvmlResult<gv::SramEccStatus> sram = NvmlResult<gv::SramEccStatus>::success(gv::SramEccStatus{});
  NvmlResult<unsigned> numaNode = NvmlResult<unsigned>::success(0);
  int xidWatchCode = gv::nvml::kSuccess;  // what registering the XID watch answers
  int xidDrainCode = gv::nvml::kSuccess;
  std::vector<gv::XidEvent> pendingXids;  // delivered by the next drain of a watch
  std::mutex xidMutex;

  // nvmlErrorString's text for the codes we act on, so reports built on the
  // fake read like real ones.
  std::string errorString(int code) const override {
    switch (code) {
      case gv::nvml::kErrorUninitialized: return "Uninitialized";
      case gv::nvml::kErrorInvalidArgument: return "Invalid Argument";
      case gv::nvml::kErrorNotSupported: return "Not Supported";
      case gv::nvml::kErrorNoPermission: return "Insufficient Permissions";
      case gv::nvml::kErrorNotFound: return "Not Found";
      case gv::nvml::kErrorInsufficientSize: return "Insufficient Size";
      case gv::nvml::kErrorDriverNotLoaded: return "Driver Not Loaded";
      case gv::nvml::kErrorFunctionNotFound: return "Function Not Found";
      case gv::nvml::kErrorGpuIsLost: return "GPU is lost";
      case gv::nvml::kErrorUnknown: return "Unknown Error";
      default: return "fake NVML error " + std::to_string(code);
    }
  }
  NvmlResult<std::string> driverVersion() override { return driver; }
  NvmlResult<int> cudaDriverVersion() override { return cudaDriver; }
  NvmlResult<unsigned> deviceCount() override { return count; }
  NvmlResult<NvmlDevice> deviceByIndex(unsigned) override { return {byIndexCode, handle()}; }
  NvmlResult<NvmlDevice> deviceByPciBusId(const std::string&) override { return NvmlResult<NvmlDevice>::success(handle()); }
  NvmlResult<NvmlDevice> deviceByUuid(const std::string&) override { return NvmlResult<NvmlDevice>::success(handle()); }
  NvmlResult<std::string> name(NvmlDevice) override { return deviceName; }
  NvmlResult<std::string> uuid(NvmlDevice) override { return deviceUuid; }
  NvmlResult<std::uint32_t> pciDeviceId(NvmlDevice) override { return pci; }
  NvmlResult<gv::MigMode> migMode(NvmlDevice) override { return mig; }
  NvmlResult<unsigned> maxMigDeviceCount(NvmlDevice) override { return NvmlResult<unsigned>::success(0); }
  NvmlResult<NvmlDevice> migDeviceByIndex(NvmlDevice, unsigned) override {
    return NvmlResult<NvmlDevice>::failure(gv::nvml::kErrorNotFound);
  }
  NvmlResult<unsigned> computeProcessCount(NvmlDevice) override { return processes; }
  NvmlResult<gv::EccMode> eccMode(NvmlDevice) override { return ecc; }
  NvmlResult<std::uint64_t> volatileUncorrectedEccErrors(NvmlDevice) override { return volatileUncorrected; }
  NvmlResult<std::uint64_t> aggregateUncorrectedEccErrors(NvmlDevice) override { return aggregateUncorrected; }
  NvmlResult<std::uint64_t> volatileCorrectedEccErrors(NvmlDevice) override { return volatileCorrected; }
  NvmlResult<gv::RemappedRows> remappedRows(NvmlDevice) override { return rows; }
  NvmlResult<bool> retiredPagesPending(NvmlDevice) override { return retiredPending; }
  NvmlResult<unsigned> retiredPagesDoubleBit(NvmlDevice) override { return retiredDoubleBit; }
  NvmlResult<unsigned> currentPcieGeneration(NvmlDevice) override { return currentGen; }
  NvmlResult<unsigned> currentPcieWidth(NvmlDevice) override { return currentWidth; }
  NvmlResult<unsigned> maxPcieGeneration(NvmlDevice) override { return maxGen; }
  NvmlResult<unsigned> maxPcieWidth(NvmlDevice) override { return maxWidth; }
  NvmlResult<unsigned> pcieReplayCounter(NvmlDevice) override { return replays; }
  NvmlResult<std::uint64_t> clocksEventReasons(NvmlDevice) override {
    ++reasonQueries;
    return reasons;
  }
  NvmlResult<unsigned> temperatureC(NvmlDevice) override { return temperature; }
  NvmlResult<unsigned> slowdownTemperatureC(NvmlDevice) override { return slowdownTemperature; }
  NvmlResult<unsigned> powerUsageMilliwatts(NvmlDevice) override { return power; }
  NvmlResult<unsigned> enforcedPowerLimitMilliwatts(NvmlDevice) override { return powerLimit; }
  NvmlResult<unsigned> smClockMhz(NvmlDevice) override { return smClock; }
  NvmlResult<unsigned> maxSmClockMhz(NvmlDevice) override { return maxSmClock; }

  NvmlResult<unsigned> nvLinkCount(NvmlDevice) override { return nvLinks; }
  NvmlResult<bool> nvLinkActive(NvmlDevice, unsigned link) override {
    auto it = nvLinkStates.find(link);
    return it == nvLinkStates.end() ? NvmlResult<bool>::success(true) : it->second;
  }
  NvmlResult<std::uint64_t> nvLinkErrorCounter(NvmlDevice, unsigned link, gv::NvLinkCounter counter) override {
    auto it = nvLinkErrors.find({link, static_cast<int>(counter)});
    return it == nvLinkErrors.end() ? NvmlResult<std::uint64_t>::success(0) : it->second;
  }
  NvmlResult<unsigned> gpuRecoveryAction(NvmlDevice) override { return recoveryAction; }
  NvmlResult<gv::SramEccStatus> sramEccStatus(NvmlDevice) override { return sram; }
  NvmlResult<unsigned> numaNodeId(NvmlDevice) override { return numaNode; }

  struct Watch final : gv::XidWatch {
    explicit Watch(FakeNvml* owner_) : owner(owner_) {}
    NvmlResult<std::vector<gv::XidEvent>> drain() override {
      std::lock_guard<std::mutex> lock(owner->xidMutex);
      if (owner->xidDrainCode != gv::nvml::kSuccess)
        return NvmlResult<std::vector<gv::XidEvent>>::failure(owner->xidDrainCode);
      std::vector<gv::XidEvent> events;
      events.swap(owner->pendingXids);
      return NvmlResult<std::vector<gv::XidEvent>>::success(events);
    }
    FakeNvml* owner;
  };
  NvmlResult<std::shared_ptr<gv::XidWatch>> watchXids(NvmlDevice) override {
    if (xidWatchCode != gv::nvml::kSuccess) return NvmlResult<std::shared_ptr<gv::XidWatch>>::failure(xidWatchCode);
    return NvmlResult<std::shared_ptr<gv::XidWatch>>::success(std::make_shared<Watch>(this));
  }

  NvmlDevice handle() { return static_cast<NvmlDevice>(this); }
};

}  // namespace gvtest
