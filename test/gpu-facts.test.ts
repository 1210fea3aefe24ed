/**
 * GPU facts have one home, kernels-image/data/skus.json: gpu-validate embeds it and lib/catalog/gpus.ts derives
 * its GPUs from it. These tests read the file on their own and hold the derivation to it, and hold the file to
 * its rules (dated, a source on every value).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { GPUS, gpuById, gpusFromSkuTable } from "../lib/catalog/gpus";
import { INSTANCE_TYPES } from "../lib/catalog/instances";
import { REPO_ROOT } from "./helpers";

type Sourced = { value: number | null; source: string };
type SkuEntry = {
  key: string;
  pciDeviceId: string;
  cudaNames: string[];
  computeCapability: string;
  memoryGB: Sourced;
  smCount: Sourced;
  peakMemoryBandwidthGBps: Sourced;
  denseTensorTflops: Sourced & { dtype: string };
  migProfiles: { name: string; computeSlices: number; memorySlices: number; smCount: Sourced }[];
};
type SkuFile = { updated: string; sources: Record<string, string>; mig: { memorySlicesPerGpu: Sourced }; skus: SkuEntry[] };

const SKU_FILE = path.join(REPO_ROOT, "kernels-image/data/skus.json");
const readTable = (): SkuFile => JSON.parse(fs.readFileSync(SKU_FILE, "utf8")) as SkuFile;
const table = readTable();
const skuOf = (pciDeviceId: string) => table.skus.find((sku) => sku.pciDeviceId.toLowerCase() === pciDeviceId);

const ARCHITECTURE_BY_MAJOR: Record<string, string> = { "7": "turing", "8": "ampere", "9": "hopper", "10": "blackwell" };
const architectureOf = (computeCapability: string) => (computeCapability === "8.9" ? "ada" : ARCHITECTURE_BY_MAJOR[computeCapability.split(".")[0]]);

describe("skus.json, the one home of GPU facts", () => {
  it("is dated", () => {
    expect(table.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(new Date(`${table.updated}T00:00:00Z`).toISOString().slice(0, 10)).toBe(table.updated);
  });

  it("gives every number a source: each is the value of a {value, source} pair, or a MIG profile's slices", () => {
    const unsourced: string[] = [];
    const visit = (node: unknown, at: string): void => {
      if (Array.isArray(node)) {
        node.forEach((item, i) => visit(item, `${at}[${i}]`));
        return;
      }
      if (node === null || typeof node !== "object") return;
      const record = node as Record<string, unknown>;
      if ("value" in record) {
        if (typeof record.source !== "string" || record.source.trim() === "") unsourced.push(`${at}: no source`);
        if (record.value !== null && typeof record.value !== "number") unsourced.push(`${at}: value is neither a number nor null`);
        return;
      }
      for (const [key, child] of Object.entries(record)) {
        const where = `${at}.${key}`;
        if (typeof child === "number" && !/^\.schemaVersion$|\.migProfiles\[\d+\]\.(computeSlices|memorySlices)$/.test(where)) {
          unsourced.push(`${where}: a bare number`);
        }
        visit(child, where);
      }
    };
    visit(table, "");
    expect(unsourced).toEqual([]);
    expect(Object.keys(table.sources).length).toBeGreaterThan(0);
  });

  it("names MIG profiles by their slices: <compute>g.<GB>gb, memory slices within the GPU's", () => {
    for (const sku of table.skus) {
      for (const profile of sku.migProfiles) {
        const parsed = /^(\d)g\.\d+gb$/.exec(profile.name);
        expect(parsed && Number(parsed[1])).toBe(profile.computeSlices);
        expect(profile.memorySlices).toBeGreaterThanOrEqual(profile.computeSlices);
        expect(profile.memorySlices).toBeLessThanOrEqual(table.mig.memorySlicesPerGpu.value!);
      }
    }
  });
});

describe("the GPU catalog, derived from skus.json", () => {
  it("has every GPU in skus.json under its PCI device id, with the same facts", () => {
    for (const gpu of GPUS) {
      const sku = skuOf(gpu.pciDeviceId);
      if (!sku) throw new Error(`${gpu.id} (${gpu.pciDeviceId}) is not in skus.json`);
      expect({ id: gpu.id, name: gpu.name, smCount: gpu.smCount, bandwidth: gpu.peakMemoryBandwidthGBps, architecture: gpu.architecture }).toEqual({
        id: gpu.id,
        name: sku.cudaNames[0], // the NVML name, which CUDA reports too
        smCount: sku.smCount.value,
        bandwidth: sku.peakMemoryBandwidthGBps.value,
        architecture: architectureOf(sku.computeCapability),
      });
      // The catalog carries BF16 only: an FP16 figure (Turing) is no BF16 rate.
      expect(gpu.denseBf16Tflops).toBe(sku.denseTensorTflops.dtype === "bf16" ? sku.denseTensorTflops.value : null);
      // The two memory figures have different sources (EC2's MiB, the datasheet's GB) but must tell one story.
      expect(gpu.memoryMiB / 1024).toBeLessThanOrEqual(sku.memoryGB.value!);
      expect(gpu.memoryMiB / 1024).toBeGreaterThan(0.9 * sku.memoryGB.value!);
      const baseProfiles = (gpu.mig?.profiles ?? []).filter((profile) => !profile.name.includes("+"));
      expect(baseProfiles.map(({ name, computeSlices, memorySlices }) => ({ name, computeSlices, memorySlices }))).toEqual(
        sku.migProfiles.map(({ name, computeSlices, memorySlices }) => ({ name, computeSlices, memorySlices })),
      );
      if (gpu.mig) expect(gpu.mig.memorySlices).toBe(table.mig.memorySlicesPerGpu.value);
    }
    const ids = GPUS.map((gpu) => gpu.pciDeviceId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("settles the A10G and T4 tensor rates as skus.json does", () => {
    // skus.json: no confirmed A10G tensor peak (the A10's 125 does not carry over); the T4's 65 is FP16.
    expect(gpuById("a10g").denseBf16Tflops).toBeNull();
    expect(gpuById("t4").denseBf16Tflops).toBeNull();
    expect(skuOf("0x1eb8")!.denseTensorTflops).toMatchObject({ value: 65, dtype: "fp16" });
  });

  it("places MIG profiles inside the GPU's geometry", () => {
    for (const gpu of GPUS) {
      if (!gpu.mig) continue;
      const { computeSlices, memorySlices, profiles } = gpu.mig;
      expect(new Set(profiles.map((profile) => profile.name)).size).toBe(profiles.length);
      expect(Math.max(...profiles.map((profile) => profile.computeSlices))).toBe(computeSlices);
      for (const profile of profiles) {
        expect(profile.computeSlices).toBeGreaterThanOrEqual(1);
        expect(profile.memorySlices).toBeLessThanOrEqual(memorySlices);
        expect(profile.placements.length).toBeGreaterThan(0);
        expect([...profile.placements].sort((a, b) => a - b)).toEqual(profile.placements);
        for (const start of profile.placements) {
          expect(Number.isInteger(start) && start >= 0 && start + profile.memorySlices <= memorySlices).toBe(true);
        }
        expect(profile.maxCount).toBeGreaterThanOrEqual(1);
        expect(profile.maxCount).toBeLessThanOrEqual(profile.placements.length);
        expect(profile.maxCount * profile.computeSlices).toBeLessThanOrEqual(computeSlices);
        // A variant (1g.10gb+me) is its base profile with fewer instances.
        const [base, suffix] = profile.name.split("+");
        if (suffix !== undefined) {
          const baseProfile = profiles.find((candidate) => candidate.name === base)!;
          expect(baseProfile).toMatchObject({ computeSlices: profile.computeSlices, memorySlices: profile.memorySlices, placements: profile.placements });
        }
      }
    }
  });

  it("fails to load, naming the SKU, when skus.json cannot carry a catalog GPU", () => {
    const broken = (edit: (copy: SkuFile) => void) => () => {
      const copy = readTable();
      edit(copy);
      return gpusFromSkuTable(copy);
    };
    const h100 = (copy: SkuFile) => copy.skus.find((sku) => sku.key === "H100-SXM")!;
    expect(broken(() => undefined)()).toEqual(GPUS);
    expect(broken((copy) => (copy.skus = copy.skus.filter((sku) => sku.key !== "H100-SXM")))).toThrow(/h100-80gb.*H100-SXM.*no such SKU/);
    expect(broken((copy) => (h100(copy).smCount.value = null))).toThrow(/H100-SXM.*smCount/);
    expect(broken((copy) => (h100(copy).computeCapability = "12.0"))).toThrow(/H100-SXM.*compute capability 12\.0/);
    expect(broken((copy) => h100(copy).migProfiles.push({ name: "5g.50gb", computeSlices: 5, memorySlices: 5, smCount: { value: null, source: "s" } }))).toThrow(
      /H100-SXM.*5g\.50gb.*placement/,
    );
  });
});

describe("the instance catalog", () => {
  it("names only GPUs the GPU catalog (so skus.json) has", () => {
    for (const type of INSTANCE_TYPES) {
      const gpu = type.gpu;
      if (gpu === null) continue;
      expect(() => gpuById(gpu)).not.toThrow();
      expect(skuOf(gpuById(gpu).pciDeviceId)).toBeDefined();
    }
    expect(INSTANCE_TYPES.some((type) => type.gpu !== null)).toBe(true);
  });
});
