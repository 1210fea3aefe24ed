import { GPUS, gpuById } from "../lib/catalog/gpus";
import { INSTANCE_TYPES, PRICE_SOURCE, instanceType } from "../lib/catalog/instances";
import { REGION_SOURCE } from "../lib/catalog/regions";
import { placeMigLayout } from "../lib/model/sharing/mig-placement";

describe("GPU catalog", () => {
  it("covers the SKUs the platform supports, each with a unique PCI device id", () => {
    expect(GPUS.map((gpu) => gpu.id)).toEqual(
      expect.arrayContaining(["h100-80gb", "h200-141gb", "a100-40gb", "a100-80gb", "b200-180gb", "l4", "l40s", "a10g", "t4"]),
    );
    const ids = GPUS.map((gpu) => gpu.pciDeviceId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^0x[0-9a-f]{4}$/);
    expect(gpuById("h100-80gb").pciDeviceId).toBe("0x2330");
    expect(gpuById("h200-141gb").pciDeviceId).toBe("0x2335");
  });

  it("has memory, bandwidth and BF16 rates, and MIG only on MIG-capable parts", () => {
    for (const gpu of GPUS) {
      expect(gpu.memoryMiB).toBeGreaterThan(15000);
      expect(gpu.peakMemoryBandwidthGBps).toBeGreaterThan(250);
      if (gpu.denseBf16Tflops !== null) expect(gpu.denseBf16Tflops).toBeGreaterThan(50);
    }
    expect(GPUS.filter((gpu) => gpu.mig).map((gpu) => gpu.id).sort()).toEqual(["a100-40gb", "a100-80gb", "b200-180gb", "h100-80gb", "h200-141gb"]);
    expect(gpuById("t4").denseBf16Tflops).toBeNull(); // Turing has no BF16 tensor path
  });

  it("states each MIG profile's max count consistently with its placements", () => {
    for (const gpu of GPUS.filter((candidate) => candidate.mig)) {
      for (const profile of gpu.mig!.profiles) {
        expect(placeMigLayout(gpu, { [profile.name]: profile.maxCount })).toMatchObject({ ok: true });
        // One more than the max never fits, whatever the reason reported.
        expect(placeMigLayout(gpu, { [profile.name]: profile.maxCount + 1 })).toMatchObject({ ok: false });
        expect(profile.placements.every((start) => start + profile.memorySlices <= gpu.mig!.memorySlices)).toBe(true);
      }
    }
  });
});

describe("instance catalog", () => {
  // That each names a GPU the catalog has: test/gpu-facts.test.ts.
  it("has sane sizes, prices and regions", () => {
    for (const type of INSTANCE_TYPES) {
      if (type.gpu) expect(type.gpuCount).toBeGreaterThan(0);
      else expect(type.gpuCount).toBe(0);
      expect(type.vcpu).toBeGreaterThan(0);
      expect(type.memoryGiB).toBeGreaterThan(0);
      if (type.onDemandUsdPerHour !== null) expect(type.onDemandUsdPerHour).toBeGreaterThan(0);
      expect(type.regions.length).toBeGreaterThan(0);
      for (const region of type.regions) expect(REGION_SOURCE.regionsCovered).toContain(region);
    }
  });

  it("records the facts the issue names for the default pools", () => {
    expect(instanceType("p5.48xlarge")).toMatchObject({ gpu: "h100-80gb", gpuCount: 8, vcpu: 192, memoryGiB: 2048, efaInterfaces: 32, onDemandUsdPerHour: 55.04 });
    expect(instanceType("g6.xlarge")).toMatchObject({ gpu: "l4", gpuCount: 1, onDemandUsdPerHour: 0.8048 });
    expect(instanceType("p4d.24xlarge")).toMatchObject({ gpu: "a100-40gb", gpuCount: 8, efaInterfaces: 4 });
    expect(instanceType("p5e.48xlarge").onDemandUsdPerHour).toBeNull();
    expect(PRICE_SOURCE).toMatchObject({ region: "us-east-1", date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
    expect(REGION_SOURCE.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});
