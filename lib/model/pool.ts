/**
 * What a GPU pool implies, derived once from its config and the catalog: the instance and GPU, GPUs per node,
 * the pool's sharing mode (which decides what a node advertises, the quota unit and the rest), and totals at
 * min and max size. `buildPoolModel` is called only by the region model (`region.ts`).
 */
import { gpuById, type GpuSku } from "../catalog/gpus";
import { instanceType, type InstanceType } from "../catalog/instances";
import type { GpuPoolConfig } from "../config/schema";
import { sharingMode, type ResourceCounts, type SharingMode } from "./sharing";
import { scaleCounts } from "./sharing/mode";

export interface PoolModel {
  readonly pool: GpuPoolConfig;
  readonly instance: InstanceType;
  readonly gpu: GpuSku;
  readonly physicalGpusPerNode: number;
  readonly sharing: SharingMode;
  /** Extended resources one node advertises once the device plugin runs (the sharing mode's). */
  readonly advertisedPerNode: ResourceCounts;
  readonly physicalGpus: { readonly min: number; readonly max: number };
  readonly advertised: { readonly min: ResourceCounts; readonly max: ResourceCounts };
}

/** Throws for a pool config validation refuses (unknown or GPU-less instance type): callers hold valid config. */
export function buildPoolModel(pool: GpuPoolConfig): PoolModel {
  const instance = instanceType(pool.instanceType);
  if (!instance.gpu) throw new Error(`pool ${pool.name}: ${pool.instanceType} has no GPU`);
  const gpu = gpuById(instance.gpu);
  const sharing = sharingMode(pool.sharing, { instanceType: pool.instanceType, gpu, physicalGpusPerNode: instance.gpuCount });
  const perNode = sharing.advertisedPerNode;
  return {
    pool,
    instance,
    gpu,
    physicalGpusPerNode: instance.gpuCount,
    sharing,
    advertisedPerNode: perNode,
    physicalGpus: { min: instance.gpuCount * pool.minSize, max: instance.gpuCount * pool.maxSize },
    advertised: { min: scaleCounts(perNode, pool.minSize), max: scaleCounts(perNode, pool.maxSize) },
  };
}
