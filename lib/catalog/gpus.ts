/**
 * GPU SKUs we can put in a pool: identity, memory, peak rates and MIG geometry.
 *
 * Facts are data with their source. Sources:
 * - PCI device ids: NVIDIA DCGM `nvvs/diag-skus.yaml.in` (DCGM 4.6.0, 2026-07-06).
 * - Memory (MiB as EC2 reports it): aws/karpenter-provider-aws `website/.../reference/instance-types.md`,
 *   generated 2026-07-11 from the EC2 API.
 * - Peak bandwidth and dense BF16 (no sparsity): NVIDIA datasheets as collected in stas00/ml-engineering
 *   `compute/accelerator/README.md` (read 2026-08).
 * - MIG profiles and counts: NVIDIA GPU Operator v26.7.0 `assets/state-mig-manager/0400_configmap.yaml`,
 *   cross-checked with the NVIDIA MIG User Guide "Supported MIG profiles" (read 2026-08).
 */

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
  /** Dense BF16 tensor TFLOP/s; null where the GPU has no BF16 tensor path. */
  readonly denseBf16Tflops: number | null;
  /** True when the dense BF16 figure is an estimate rather than a datasheet value. */
  readonly denseBf16IsEstimate?: boolean;
  /** Short Kubernetes-safe name for the `k8s.amazonaws.com/accelerator` label Cluster Autoscaler reads. */
  readonly acceleratorLabel: string;
  readonly mig: MigGeometry | null;
}

/**
 * A100, H100, H200 and B200 share one geometry: 7 compute slices over 8 memory slices. Placements are the
 * start indexes `nvidia-smi mig -lgipp` lists: 7g/4g at 0, 3g at 0 or 4, 2g at 0/2/4, 1g at 0..6, the
 * double-memory 1g at 0/2/4/6; the `+me` variant (media engines) fits once per GPU.
 */
function sevenSliceMig(names: {
  oneG: string;
  oneGDoubleMemory: string;
  twoG: string;
  threeG: string;
  fourG: string;
  sevenG: string;
}): MigGeometry {
  return {
    computeSlices: 7,
    memorySlices: 8,
    profiles: [
      { name: names.oneG, computeSlices: 1, memorySlices: 1, placements: [0, 1, 2, 3, 4, 5, 6], maxCount: 7 },
      { name: `${names.oneG}+me`, computeSlices: 1, memorySlices: 1, placements: [0, 1, 2, 3, 4, 5, 6], maxCount: 1 },
      { name: names.oneGDoubleMemory, computeSlices: 1, memorySlices: 2, placements: [0, 2, 4, 6], maxCount: 4 },
      { name: names.twoG, computeSlices: 2, memorySlices: 2, placements: [0, 2, 4], maxCount: 3 },
      { name: names.threeG, computeSlices: 3, memorySlices: 4, placements: [0, 4], maxCount: 2 },
      { name: names.fourG, computeSlices: 4, memorySlices: 4, placements: [0], maxCount: 1 },
      { name: names.sevenG, computeSlices: 7, memorySlices: 8, placements: [0], maxCount: 1 },
    ],
  };
}

/** A100 80GB and H100 80GB slice the same way under the same names. */
const EIGHTY_GB_MIG = sevenSliceMig({
  oneG: "1g.10gb",
  oneGDoubleMemory: "1g.20gb",
  twoG: "2g.20gb",
  threeG: "3g.40gb",
  fourG: "4g.40gb",
  sevenG: "7g.80gb",
});

export const GPUS: readonly GpuSku[] = [
  {
    id: "a100-40gb",
    name: "NVIDIA A100-SXM4-40GB",
    pciDeviceId: "0x20b0",
    architecture: "ampere",
    memoryMiB: 40960,
    smCount: 108,
    peakMemoryBandwidthGBps: 1555,
    denseBf16Tflops: 312,
    acceleratorLabel: "nvidia-a100",
    mig: sevenSliceMig({
      oneG: "1g.5gb",
      oneGDoubleMemory: "1g.10gb",
      twoG: "2g.10gb",
      threeG: "3g.20gb",
      fourG: "4g.20gb",
      sevenG: "7g.40gb",
    }),
  },
  {
    id: "a100-80gb",
    name: "NVIDIA A100-SXM4-80GB",
    pciDeviceId: "0x20b2",
    architecture: "ampere",
    memoryMiB: 81920,
    smCount: 108,
    peakMemoryBandwidthGBps: 2039,
    denseBf16Tflops: 312,
    acceleratorLabel: "nvidia-a100",
    mig: EIGHTY_GB_MIG,
  },
  {
    id: "h100-80gb",
    name: "NVIDIA H100 80GB HBM3",
    pciDeviceId: "0x2330",
    architecture: "hopper",
    memoryMiB: 81920,
    smCount: 132,
    peakMemoryBandwidthGBps: 3350,
    denseBf16Tflops: 989,
    acceleratorLabel: "nvidia-h100",
    mig: EIGHTY_GB_MIG,
  },
  {
    id: "h200-141gb",
    name: "NVIDIA H200",
    pciDeviceId: "0x2335",
    architecture: "hopper",
    memoryMiB: 144384,
    smCount: 132,
    peakMemoryBandwidthGBps: 4800,
    denseBf16Tflops: 989,
    acceleratorLabel: "nvidia-h200",
    mig: sevenSliceMig({
      oneG: "1g.18gb",
      oneGDoubleMemory: "1g.35gb",
      twoG: "2g.35gb",
      threeG: "3g.71gb",
      fourG: "4g.71gb",
      sevenG: "7g.141gb",
    }),
  },
  {
    id: "b200-180gb",
    name: "NVIDIA B200",
    pciDeviceId: "0x2901",
    architecture: "blackwell",
    memoryMiB: 183359,
    smCount: 148,
    peakMemoryBandwidthGBps: 8000,
    denseBf16Tflops: 2250,
    acceleratorLabel: "nvidia-b200",
    mig: sevenSliceMig({
      oneG: "1g.23gb",
      oneGDoubleMemory: "1g.45gb",
      twoG: "2g.45gb",
      threeG: "3g.90gb",
      fourG: "4g.90gb",
      sevenG: "7g.180gb",
    }),
  },
  {
    id: "l4",
    name: "NVIDIA L4",
    pciDeviceId: "0x27b8",
    architecture: "ada",
    memoryMiB: 22888,
    smCount: 58,
    peakMemoryBandwidthGBps: 300,
    denseBf16Tflops: 121,
    acceleratorLabel: "nvidia-l4",
    mig: null,
  },
  {
    id: "l40s",
    name: "NVIDIA L40S",
    pciDeviceId: "0x26b9",
    architecture: "ada",
    memoryMiB: 45776,
    smCount: 142,
    peakMemoryBandwidthGBps: 864,
    denseBf16Tflops: 362,
    acceleratorLabel: "nvidia-l40s",
    mig: null,
  },
  {
    id: "a10g",
    name: "NVIDIA A10G",
    pciDeviceId: "0x2237",
    architecture: "ampere",
    memoryMiB: 22888,
    smCount: 80,
    peakMemoryBandwidthGBps: 600,
    // NVIDIA publishes no A10G tensor figure; this is the A10's 125, an upper bound for the cloud variant.
    denseBf16Tflops: 125,
    denseBf16IsEstimate: true,
    acceleratorLabel: "nvidia-a10g",
    mig: null,
  },
  {
    id: "t4",
    name: "Tesla T4",
    pciDeviceId: "0x1eb8",
    architecture: "turing",
    memoryMiB: 16384,
    smCount: 40,
    peakMemoryBandwidthGBps: 320,
    denseBf16Tflops: null,
    acceleratorLabel: "nvidia-t4",
    mig: null,
  },
];

const GPUS_BY_ID = new Map(GPUS.map((gpu) => [gpu.id, gpu]));

export function gpuById(id: string): GpuSku {
  const gpu = GPUS_BY_ID.get(id);
  if (!gpu) throw new Error(`catalog: unknown GPU id "${id}"`);
  return gpu;
}
