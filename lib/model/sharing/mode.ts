/**
 * A pool's sharing mode as an object: everything that differs between whole GPUs, time-sliced replicas and MIG
 * slices is decided by the mode's class, and nowhere else. A new mode (MPS is next) is one more class beside
 * `exclusive.ts`, `time-slicing.ts` and `mig.ts`, and one more case in `sharingMode` (index.ts).
 */
import type { GpuSku } from "../../catalog/gpus";
import type { SharingConfig } from "../../config/schema";

export type ResourceCounts = Readonly<Record<string, number>>;

/** What the mode needs to know about a pool's nodes. */
export interface PoolHardware {
  readonly instanceType: string;
  readonly gpu: GpuSku;
  readonly physicalGpusPerNode: number;
}

/** The device plugin's config file (k8s-device-plugin `api/config/v1`) for one sharing setting. */
export interface DevicePluginConfig {
  version: "v1";
  flags: { migStrategy: "mixed" };
  sharing?: {
    timeSlicing: {
      renameByDefault: boolean;
      failRequestsGreaterThanOne: boolean;
      resources: { name: string; replicas: number }[];
    };
  };
}

/**
 * What a validation pod holds on a node of the pool, and how gpu-validate is told to judge it. At join the node is
 * still tainted: the pod holds every GPU (exclusive) or every slice (MIG) of the node, so every floor binds. A
 * time-sliced node is the exception (one replica; see time-slicing.ts).
 */
export interface ValidationTarget {
  /** Extended resources one validation pod requests (and limits). */
  readonly resources: ResourceCounts;
  /** gpu-validate's `--sharing` and `--expect-gpus` arguments and, for MIG, `--expect-mig-slices`. */
  readonly args: readonly string[];
}

/** A unit tenants are given quota in, and priced in. */
export interface QuotaUnit {
  /** How a count of them reads: "GPUs", "GPU replicas", "GPUs of MIG slices". */
  readonly plural: string;
  /** What one unit stands for on a node of this pool, for docs, errors and the cost report. */
  readonly meaning: string;
}

/** A config problem the mode finds in its own settings; `path` is relative to the pool's `sharing`. */
export interface SharingProblem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

export interface SharingMode {
  readonly config: SharingConfig;
  /** One line for the cost report and the preview, e.g. "time-slicing x4". */
  readonly summary: string;
  /** Extended resources one node advertises once the device plugin runs, e.g. `{"nvidia.com/gpu": 4}`. */
  readonly advertisedPerNode: ResourceCounts;
  /** The unit of quotas and of the cost report's per-unit price: both count the same thing. */
  readonly quotaUnit: QuotaUnit;
  readonly quotaUnitsPerNode: number;
  /** The extended resources `units` quota units stand for. */
  quotaResources(units: number): ResourceCounts;
  /** The key of this setting's config in the device plugin's ConfigMap; nodes select it by label. */
  readonly devicePluginConfigKey: string;
  readonly devicePluginConfig: DevicePluginConfig;
  /** Whether nodes carry `k8s.amazonaws.com/accelerator` (only when they advertise `nvidia.com/gpu`). */
  readonly acceleratorLabelled: boolean;
  /** What Cluster Autoscaler's node template says a node of the pool offers (it cannot ask a node at zero). */
  readonly autoscalerTemplateResources: ResourceCounts;
  /** EC2 user data the node needs before kubelet starts, if any. */
  readonly userData: string | undefined;
  readonly validationTarget: ValidationTarget;
  /** Problems with the settings on this GPU, reported by config validation. */
  problems(): readonly SharingProblem[];
}

export function totalUnits(counts: ResourceCounts): number {
  return Object.values(counts).reduce((sum, value) => sum + value, 0);
}

export function scaleCounts(counts: ResourceCounts, factor: number): ResourceCounts {
  return Object.fromEntries(Object.entries(counts).map(([name, value]) => [name, value * factor]));
}
