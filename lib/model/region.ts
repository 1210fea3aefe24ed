/**
 * The region model: built once, right after the config is loaded, and the only thing constructs, stacks, tools
 * and the preview read. It holds each pool's model (with its sharing mode), the resolved quotas, the taints
 * GPU nodes are born with, and every name the region's resources get.
 */
import type { FleetConfig, RegionConfig } from "../config/load";
import { loadFleetConfig } from "../config/load";
import type { BucketKind, FleetFile, GpuPoolConfig } from "../config/schema";
import {
  bucketName,
  clusterAutoscalerRoleName,
  clusterName,
  dataKeyAlias,
  GPU_TAINT,
  infraStackName,
  nodeGroupName,
  platformStackName,
  SYSTEM_POOL_NAME,
  tenantRoleName,
  VALIDATION_TAINT,
  validationRepositoryName,
  type NodeTaint,
} from "../naming";
import { resolveTenantQuotas, type TenantPoolQuota } from "../tenancy/quotas";
import { buildPoolModel, type PoolModel } from "./pool";

export interface RegionNames {
  readonly infraStack: string;
  readonly platformStack: string;
  readonly cluster: string;
  readonly systemNodeGroup: string;
  readonly clusterAutoscalerRole: string;
  readonly dataKeyAlias: string;
  readonly validationRepository: string;
  nodeGroup(pool: string): string;
  tenantRole(tenant: string): string;
  bucket(kind: BucketKind, accountId: string): string;
}

export interface RegionModel {
  readonly fleet: FleetFile;
  readonly config: RegionConfig;
  readonly region: string;
  readonly names: RegionNames;
  readonly pools: readonly PoolModel[];
  readonly quotas: readonly TenantPoolQuota[];
  /** Taints every GPU node is born with: the GPU taint, and the validation taint while the join gate is on. */
  readonly gpuNodeTaints: readonly NodeTaint[];
  /** The GPU nodes' taints that are lifted once a node is ready; the autoscaler and the GPU operator must know. */
  readonly startupTaints: readonly NodeTaint[];
}

export interface FleetModel {
  readonly dir: string;
  readonly fleet: FleetFile;
  /** Active regions, sorted by region code. */
  readonly regions: readonly RegionModel[];
}

/** The pool models of a list of pool configs: the one place pools are derived. */
export function buildPoolModels(pools: readonly GpuPoolConfig[]): PoolModel[] {
  return pools.map(buildPoolModel);
}

export function regionNames(fleetName: string, region: string): RegionNames {
  const cluster = clusterName(fleetName, region);
  return {
    infraStack: infraStackName(region),
    platformStack: platformStackName(region),
    cluster,
    systemNodeGroup: nodeGroupName(fleetName, SYSTEM_POOL_NAME),
    clusterAutoscalerRole: clusterAutoscalerRoleName(cluster),
    dataKeyAlias: dataKeyAlias(cluster),
    validationRepository: validationRepositoryName(fleetName),
    nodeGroup: (pool) => nodeGroupName(fleetName, pool),
    tenantRole: (tenant) => tenantRoleName(fleetName, region, tenant),
    bucket: (kind, accountId) => bucketName(fleetName, kind, region, accountId),
  };
}

export function buildRegionModel(fleet: FleetFile, config: RegionConfig): RegionModel {
  const startupTaints = fleet.validation.joinGate ? [VALIDATION_TAINT] : [];
  return {
    fleet,
    config,
    region: config.region,
    names: regionNames(fleet.name, config.region),
    pools: buildPoolModels(config.gpuPools),
    quotas: resolveTenantQuotas(config.quotas),
    gpuNodeTaints: [GPU_TAINT, ...startupTaints],
    startupTaints,
  };
}

export function buildFleetModel(config: FleetConfig): FleetModel {
  return { dir: config.dir, fleet: config.fleet, regions: config.regions.map((region) => buildRegionModel(config.fleet, region)) };
}

/** Loads and checks the config directory, then builds its model: what every entry point starts from. */
export function loadFleetModel(dir?: string): FleetModel {
  return buildFleetModel(loadFleetConfig(dir));
}
