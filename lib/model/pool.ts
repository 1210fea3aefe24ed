/**
 * What a GPU pool implies, derived once from its config and the catalog: GPUs per node, the extended
 * resources a node advertises under its sharing mode, and totals at min and max size. The autoscaler's
 * node templates, the scheduler's quotas and the cost report all read this one derivation.
 */
import { gpuById, type GpuSku } from "./catalog/gpus";
import { instanceType, type InstanceType } from "./catalog/instances";
import type { GpuPoolConfig, SharingConfig } from "./config/schema";

export const GPU_RESOURCE = "nvidia.com/gpu";

export type ResourceCounts = Readonly<Record<string, number>>;

export interface PoolFacts {
  readonly pool: GpuPoolConfig;
  readonly instance: InstanceType;
  readonly gpu: GpuSku;
  readonly physicalGpusPerNode: number;
  /** Extended resources one node advertises once the device plugin runs, e.g. `{"nvidia.com/gpu": 4}`. */
  readonly advertisedPerNode: ResourceCounts;
  readonly physicalGpus: { readonly min: number; readonly max: number };
  readonly advertised: { readonly min: ResourceCounts; readonly max: ResourceCounts };
}

/** Resource name the device plugin uses for a MIG profile under the mixed strategy. */
export function migResourceName(profile: string): string {
  return `nvidia.com/mig-${profile}`;
}

export function advertisedPerNode(sharing: SharingConfig, physicalGpus: number): ResourceCounts {
  switch (sharing.mode) {
    case "exclusive":
      return { [GPU_RESOURCE]: physicalGpus };
    case "time-slicing":
      return { [GPU_RESOURCE]: physicalGpus * sharing.replicas };
    case "mig": {
      // The layout applies to every GPU of the node; MIG-enabled GPUs no longer advertise nvidia.com/gpu.
      const counts: Record<string, number> = {};
      for (const profile of Object.keys(sharing.layout).sort()) {
        counts[migResourceName(profile)] = sharing.layout[profile] * physicalGpus;
      }
      return counts;
    }
  }
}

export function scaleCounts(counts: ResourceCounts, factor: number): ResourceCounts {
  return Object.fromEntries(Object.entries(counts).map(([name, value]) => [name, value * factor]));
}

/** Sum of all advertised GPU units (replicas or slices), for one-number summaries. */
export function totalUnits(counts: ResourceCounts): number {
  return Object.values(counts).reduce((sum, value) => sum + value, 0);
}

export function derivePool(pool: GpuPoolConfig): PoolFacts {
  const instance = instanceType(pool.instanceType);
  if (!instance.gpu) throw new Error(`pool ${pool.name}: ${pool.instanceType} has no GPU`);
  const gpu = gpuById(instance.gpu);
  const perNode = advertisedPerNode(pool.sharing, instance.gpuCount);
  return {
    pool,
    instance,
    gpu,
    physicalGpusPerNode: instance.gpuCount,
    advertisedPerNode: perNode,
    physicalGpus: { min: instance.gpuCount * pool.minSize, max: instance.gpuCount * pool.maxSize },
    advertised: { min: scaleCounts(perNode, pool.minSize), max: scaleCounts(perNode, pool.maxSize) },
  };
}

/**
 * Quotas are counted in the units a pool's GPU resource is sold in: whole GPUs (exclusive), replicas
 * (time-slicing), or whole GPUs of slices for MIG (a quota of 2 is 2 GPUs' worth of the pool's layout).
 */
export function quotaUnitsPerNode(facts: PoolFacts): number {
  return facts.pool.sharing.mode === "mig" ? facts.physicalGpusPerNode : totalUnits(facts.advertisedPerNode);
}

/** The extended resources `units` quota units of this pool stand for. */
export function quotaResources(facts: PoolFacts, units: number): ResourceCounts {
  const { sharing } = facts.pool;
  if (sharing.mode !== "mig") return { [GPU_RESOURCE]: units };
  return Object.fromEntries(Object.keys(sharing.layout).sort().map((profile) => [migResourceName(profile), sharing.layout[profile] * units]));
}

export function quotaUnitName(facts: PoolFacts): string {
  switch (facts.pool.sharing.mode) {
    case "exclusive":
      return "GPUs";
    case "time-slicing":
      return "GPU replicas";
    case "mig":
      return "GPUs of MIG slices";
  }
}
