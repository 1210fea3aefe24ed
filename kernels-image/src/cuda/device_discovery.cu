#include "device_discovery.h"

#include <cuda_runtime_api.h>

#include <cstdio>

#include "context_setup.h"
#include "cuda_util.h"
#include "mig_profile.h"

namespace gv {

namespace {

std::string formatUuid(const cudaUUID_t& uuid, const char* prefix) {
  const auto* b = reinterpret_cast<const unsigned char*>(uuid.bytes);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer,
                "%s-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", prefix, b[0], b[1], b[2],
                b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return buffer;
}

// The MIG device handle whose UUID matches CUDA's, by direct lookup or by
// walking the parent's MIG devices.
NvmlDevice findMigHandle(NvmlApi& nvml, NvmlDevice parent, const std::string& migUuid) {
  auto direct = nvml.deviceByUuid(migUuid);
  if (direct.ok()) return direct.value;
  auto count = nvml.maxMigDeviceCount(parent);
  if (!count.ok()) return nullptr;
  for (unsigned i = 0; i < count.value; ++i) {
    auto mig = nvml.migDeviceByIndex(parent, i);
    if (!mig.ok()) continue;
    auto uuid = nvml.uuid(mig.value);
    if (uuid.ok() && uuid.value == migUuid) return mig.value;
  }
  return nullptr;
}

void describeMig(NvmlApi* nvml, const cudaDeviceProp& prop, DiscoveredGpu& gpu) {
  GpuIdentity& id = gpu.identity;
  auto fromName = migProfileFromDeviceName(prop.name);
  bool nvmlSaysMig = false;
  std::string nvmlView = "CUDA name has no MIG profile (NVML unavailable)";
  std::string pendingNote;
  if (nvml && gpu.nvmlDevice) {
    auto mode = nvml->migMode(gpu.nvmlDevice);
    if (mode.ok()) {
      nvmlSaysMig = mode.value.current == 1;
      nvmlView = "NVML: MIG mode disabled on the GPU";
      if (mode.value.current != mode.value.pending) pendingNote = " (a MIG mode change is pending a GPU reset)";
    } else if (classifyNvml(mode.code) == NvmlOutcome::Unsupported) {
      nvmlView = "NVML: this GPU does not support MIG";
    } else {
      nvmlView = "NVML MIG mode query failed: " + nvml->errorString(mode.code);
    }
  }
  id.migInstance = nvmlSaysMig || fromName.has_value();
  if (!id.migInstance) {
    id.migDetection = nvmlView + pendingNote;
    id.uuid = formatUuid(prop.uuid, "GPU");
    return;
  }
  id.uuid = formatUuid(prop.uuid, "MIG");
  id.migProfile = fromName;
  id.migDetection = nvmlSaysMig ? "NVML: MIG mode enabled on the parent GPU" : "CUDA device name carries a MIG profile";
  if (nvml && gpu.nvmlDevice) {
    auto parentUuid = nvml->uuid(gpu.nvmlDevice);
    if (parentUuid.ok()) id.parentUuid = parentUuid.value;
    gpu.nvmlMigDevice = findMigHandle(*nvml, gpu.nvmlDevice, id.uuid);
    if (gpu.nvmlMigDevice) {
      auto name = nvml->name(gpu.nvmlMigDevice);
      if (name.ok()) {
        if (auto profile = migProfileFromDeviceName(name.value)) id.migProfile = profile;
      }
      id.migDetection += "; NVML MIG handle found by UUID";
    }
  }
  id.migDetection += pendingNote;
}

}  // namespace

Discovery discoverDevices(NvmlApi* nvml) {
  Discovery out;
  NodeFacts& facts = out.facts;
  cudaRuntimeGetVersion(&facts.cudaRuntimeVersion);
  cudaDriverGetVersion(&facts.cudaDriverVersion);

  if (nvml) collectNvmlFacts(*nvml, &facts);

  int count = 0;
  cudaError_t error = cudaGetDeviceCount(&count);
  if (error != cudaSuccess) {
    facts.cudaDeviceCountError = static_cast<int>(error);
    facts.cudaErrorString = cudaErrorText(error);
    facts.cudaNoDevice = error == cudaErrorNoDevice;
    out.couldNotRunReason = "cudaGetDeviceCount failed: " + facts.cudaErrorString;
    cudaGetLastError();
    return out;
  }
  facts.cudaDeviceCount = count;

  for (int index = 0; index < count; ++index) {
    cudaDeviceProp prop{};
    error = cudaGetDeviceProperties(&prop, index);
    if (error != cudaSuccess) {
      out.couldNotRunReason = "cudaGetDeviceProperties(" + std::to_string(index) + ") failed: " + cudaErrorText(error);
      return out;
    }
    DiscoveredGpu gpu;
    GpuIdentity& id = gpu.identity;
    id.cudaIndex = index;
    id.name = prop.name;
    id.computeMajor = prop.major;
    id.computeMinor = prop.minor;
    id.smCount = prop.multiProcessorCount;
    id.totalMemoryBytes = prop.totalGlobalMem;
    id.l2CacheBytes = prop.l2CacheSize;
    id.mpsEnabled = prop.mpsEnabled != 0;
    char busId[32] = {};
    if (cudaDeviceGetPCIBusId(busId, sizeof busId, index) == cudaSuccess) id.pciBusId = busId;
    // gpuPciDeviceID: 16-bit device id and 16-bit vendor id; NVIDIA's vendor
    // id is 0x10de, which tells us which half is which.
    unsigned combined = prop.gpuPciDeviceID;
    if ((combined & 0xffff) == 0x10de) id.pciDeviceId = static_cast<std::uint16_t>(combined >> 16);
    else if ((combined >> 16) == 0x10de) id.pciDeviceId = static_cast<std::uint16_t>(combined & 0xffff);

    if (nvml && !id.pciBusId.empty()) {
      auto handle = nvml->deviceByPciBusId(id.pciBusId);
      if (handle.ok()) gpu.nvmlDevice = handle.value;
    }
    if (nvml && gpu.nvmlDevice && !id.pciDeviceId) {
      auto pci = nvml->pciDeviceId(gpu.nvmlDevice);
      if (pci.ok()) id.pciDeviceId = static_cast<std::uint16_t>(pci.value >> 16);
    }
    describeMig(nvml, prop, gpu);
    if (nvml) {
      NvmlDevice scope = gpu.nvmlMigDevice ? gpu.nvmlMigDevice : (id.migInstance ? nullptr : gpu.nvmlDevice);
      if (scope) {
        auto processes = nvml->computeProcessCount(scope);
        if (processes.ok()) id.otherComputeProcesses = processes.value;
      }
    }
    out.gpus.push_back(gpu);
  }
  if (count == 0) out.couldNotRunReason = "CUDA reports zero devices";
  return out;
}

std::string initializeDevice(int cudaIndex) {
  cudaError_t error = cudaSetDevice(cudaIndex);
  if (error == cudaSuccess) error = cudaFree(nullptr);  // forces context creation now
  if (error != cudaSuccess) return "creating the CUDA context failed: " + cudaErrorText(error);
  return {};
}

}  // namespace gv
