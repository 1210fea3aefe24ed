/**
 * GPU SKUs we can put in a pool: identity, memory, peak rates and MIG geometry.
 *
 * The facts gpu-validate also judges against live in one place, `kernels-image/data/skus.json` (dated, a source
 * on every value, embedded into the validation binary): PCI device id, NVML name (the first of `cudaNames`), SM
 * count, peak memory bandwidth, dense tensor rate and its dtype, compute capability (the architecture follows
 * from it) and each MIG profile's name and compute/memory slices. This module reads them from there.
 *
 * Facts only the catalog needs stay here, with their sources:
 * - Memory (MiB as EC2 reports it): aws/karpenter-provider-aws `website/.../reference/instance-types.md`,
 *   generated 2026-07-11 from the EC2 API.
 * - MIG placements, max counts and the `+me` variant: NVIDIA GPU Operator v26.7.0
 *   `assets/state-mig-manager/0400_configmap.yaml`, cross-checked with the NVIDIA MIG User Guide "Supported MIG
 *   profiles" and `nvidia-smi mig -lgipp` (read 2026-08).
 * - The accelerator label: our own naming.
 */
import skuTable from "../../kernels-image/data/skus.json";

export interface MigProfile {
  /** Profile name as the device plugin advertises it: `nvidia.com/mig-<name>`. */
  readonly name: string;
  readonly computeSlices: number;
  /** Memory slices occupied, out of the GPU's `memorySlices`. */
  readonly memorySlices: number;
  /** First memory slice indexes where an instance of this profile may start (`nvidia-smi mig -lgipp`). */
  readonly placements: readonly number[];
  /** Most instances of this profile alone on one GPU. */
  readonly maxCount: number;
}

export interface MigGeometry {
  readonly computeSlices: number;
  readonly memorySlices: number;
  readonly profiles: readonly MigProfile[];
}

export interface GpuSku {
  /** Our stable key, used in the instance catalog and in config error messages. */
  readonly id: string;
  /** Marketing name, as NVML reports it. */
  readonly name: string;
  /** PCI device id (hex, vendor 0x10de), the key the validation suite's thresholds use. */
  readonly pciDeviceId: string;
  readonly architecture: "turing" | "ampere" | "ada" | "hopper" | "blackwell";
  readonly memoryMiB: number;
  readonly smCount: number;
  readonly peakMemoryBandwidthGBps: number;
  /** Dense BF16 tensor TFLOP/s; null where the GPU has no BF16 tensor path or no confirmed figure. */
  readonly denseBf16Tflops: number | null;
  /** True when the dense BF16 figure is an estimate rather than a datasheet value. */
  readonly denseBf16IsEstimate?: boolean;
  /** Short Kubernetes-safe name for the `k8s.amazonaws.com/accelerator` label Cluster Autoscaler reads. */
  readonly acceleratorLabel: string;
  readonly mig: MigGeometry | null;
}

/** The part of `skus.json` read here (gpu-validate reads the rest); the import is checked against it. */
interface SourcedValue {
  readonly value: number | null;
  readonly source: string;
}

interface SkuTableFile {
  readonly updated: string;
  readonly mig: { readonly memorySlicesPerGpu: SourcedValue };
  readonly skus: readonly {
    readonly key: string;
    readonly pciDeviceId: string;
    readonly cudaNames: readonly string[];
    readonly computeCapability: string;
    readonly smCount: SourcedValue;
    readonly peakMemoryBandwidthGBps: SourcedValue;
    readonly denseTensorTflops: SourcedValue & { readonly dtype: string };
    readonly migProfiles: readonly { readonly name: string; readonly computeSlices: number; readonly memorySlices: number }[];
  }[];
}

/** Catalog-only facts, one per GPU we sell, in catalog order; `sku` is the `key` of its skus.json entry. */
const CATALOG: readonly { id: string; sku: string; memoryMiB: number; acceleratorLabel: string }[] = [
  { id: "a100-40gb", sku: "A100-SXM4-40GB", memoryMiB: 40960, acceleratorLabel: "nvidia-a100" },
  { id: "a100-80gb", sku: "A100-SXM4-80GB", memoryMiB: 81920, acceleratorLabel: "nvidia-a100" },
  { id: "h100-80gb", sku: "H100-SXM", memoryMiB: 81920, acceleratorLabel: "nvidia-h100" },
  { id: "h200-141gb", sku: "H200", memoryMiB: 144384, acceleratorLabel: "nvidia-h200" },
  { id: "b200-180gb", sku: "B200", memoryMiB: 183359, acceleratorLabel: "nvidia-b200" },
  { id: "l4", sku: "L4", memoryMiB: 22888, acceleratorLabel: "nvidia-l4" },
  { id: "l40s", sku: "L40S", memoryMiB: 45776, acceleratorLabel: "nvidia-l40s" },
  { id: "a10g", sku: "A10G", memoryMiB: 22888, acceleratorLabel: "nvidia-a10g" },
  { id: "t4", sku: "T4", memoryMiB: 16384, acceleratorLabel: "nvidia-t4" },
];

/** CUDA compute capability -> architecture. */
const ARCHITECTURES: Readonly<Record<string, GpuSku["architecture"]>> = {
  "7.5": "turing",
  "8.0": "ampere",
  "8.6": "ampere",
  "8.9": "ada",
  "9.0": "hopper",
  "10.0": "blackwell",
};

/**
 * A100, H100, H200 and B200 share one geometry: 7 compute slices over 8 memory slices. Where each profile shape
 * (compute/memory slices) may start, as `nvidia-smi mig -lgipp` lists it: 7g/4g at 0, 3g at 0 or 4, 2g at 0/2/4,
 * 1g at 0..6, the double-memory 1g at 0/2/4/6. The `+me` variant of the one-slice profile (media engines) has the
 * one-slice placements and fits once per GPU.
 */
const SEVEN_SLICE_COMPUTE = 7;
const SEVEN_SLICE_PLACEMENTS: Readonly<Record<string, { placements: readonly number[]; maxCount: number }>> = {
  "1/1": { placements: [0, 1, 2, 3, 4, 5, 6], maxCount: 7 },
  "1/2": { placements: [0, 2, 4, 6], maxCount: 4 },
  "2/2": { placements: [0, 2, 4], maxCount: 3 },
  "3/4": { placements: [0, 4], maxCount: 2 },
  "4/4": { placements: [0], maxCount: 1 },
  "7/8": { placements: [0], maxCount: 1 },
};

/**
 * The catalog's GPUs from a table in the skus.json format. Throws, naming the SKU, when the table lacks one of
 * them or holds a fact the catalog cannot carry (a null SM count or bandwidth, an unknown compute capability, a
 * MIG profile shape with no placement rule).
 */
export function gpusFromSkuTable(table: SkuTableFile): GpuSku[] {
  const memorySlices = table.mig.memorySlicesPerGpu.value;
  return CATALOG.map((entry) => {
    function bad(what: string): never {
      throw new Error(`catalog: GPU "${entry.id}" (skus.json "${entry.sku}"): ${what}`);
    }
    const sku = table.skus.find((candidate) => candidate.key === entry.sku);
    if (!sku) bad("no such SKU in kernels-image/data/skus.json");
    const architecture = ARCHITECTURES[sku.computeCapability] ?? bad(`no architecture for compute capability ${sku.computeCapability}`);
    const name = sku.cudaNames[0] ?? bad("cudaNames is empty");
    const smCount = sku.smCount.value ?? bad("smCount is null");
    const peakMemoryBandwidthGBps = sku.peakMemoryBandwidthGBps.value ?? bad("peakMemoryBandwidthGBps is null");
    let mig: MigGeometry | null = null;
    if (sku.migProfiles.length > 0) {
      if (memorySlices !== 8) bad(`no MIG placement rule for ${memorySlices} memory slices per GPU`);
      const profiles: MigProfile[] = [];
      for (const profile of sku.migProfiles) {
        const rule = SEVEN_SLICE_PLACEMENTS[`${profile.computeSlices}/${profile.memorySlices}`];
        if (!rule) bad(`MIG profile ${profile.name} (${profile.computeSlices}/${profile.memorySlices} slices) has no placement rule`);
        const base = { name: profile.name, computeSlices: profile.computeSlices, memorySlices: profile.memorySlices, ...rule };
        profiles.push(base);
        if (profile.computeSlices === 1 && profile.memorySlices === 1) profiles.push({ ...base, name: `${profile.name}+me`, maxCount: 1 });
      }
      mig = { computeSlices: SEVEN_SLICE_COMPUTE, memorySlices: 8, profiles };
    }
    return {
      id: entry.id,
      name,
      pciDeviceId: sku.pciDeviceId.toLowerCase(),
      architecture,
      memoryMiB: entry.memoryMiB,
      smCount,
      peakMemoryBandwidthGBps,
      // Turing's tensor figure is FP16 (no BF16 path); the catalog carries BF16 only.
      denseBf16Tflops: sku.denseTensorTflops.dtype === "bf16" ? sku.denseTensorTflops.value : null,
      acceleratorLabel: entry.acceleratorLabel,
      mig,
    };
  });
}

export const GPUS: readonly GpuSku[] = gpusFromSkuTable(skuTable);

const GPUS_BY_ID = new Map(GPUS.map((gpu) => [gpu.id, gpu]));

export function gpuById(id: string): GpuSku {
  const gpu = GPUS_BY_ID.get(id);
  if (!gpu) throw new Error(`catalog: unknown GPU id "${id}"`);
  return gpu;
}
