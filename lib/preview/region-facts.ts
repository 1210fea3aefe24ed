/**
 * The region facts an infra stack publishes as its `fastgpu_region` output, so a preview can compare GPU
 * capacity, cost, quotas and the dangerous config changes of two synth outputs without their configs.
 */
import {
  BUCKET_KINDS,
  bucketSchema,
  cidr,
  gpuPoolSchema,
  NAT_GATEWAY_MODES,
  regionCode,
  systemPoolSchema,
  tenantQuotasSchema,
  type BucketConfig,
  type BucketKind,
  type GpuPoolConfig,
  type NatGatewayMode,
  type PoolQuotaConfig,
  type SystemPoolConfig,
} from "../config/schema";
import type { RegionModel } from "../model/region";
import { stateKey, infraStackName } from "../naming";
import { z } from "zod";

export const REGION_FACTS_OUTPUT = "fastgpu_region";

/** Where Terraform keeps a stack's state (the S3 backend), or `null` for cdktf's local state files. */
export interface StateLocation {
  readonly bucket: string;
  readonly region: string;
  /** The infra stack's key; the platform stack's differs only in the stack name. */
  readonly key: string;
}

/**
 * Config, not derived facts: the preview derives both sides with one catalog, so only config changes show.
 * Everything after `gpuPools` was added later: a base synthesized before then lacks it, and the preview says
 * what it cannot compare instead of guessing.
 */
export interface RegionFacts {
  readonly region: string;
  readonly kubernetesVersion: string;
  readonly natGateways: NatGatewayMode;
  readonly systemPool: SystemPoolConfig;
  readonly gpuPools: readonly GpuPoolConfig[];
  readonly fleet?: {
    readonly name: string;
    readonly state: StateLocation | null;
    readonly tags: Readonly<Record<string, string>>;
  };
  readonly vpcCidr?: string;
  readonly buckets?: Readonly<Record<BucketKind, BucketConfig>>;
  readonly tenants?: readonly string[];
  /** As in the region file: `{tenant: {pool: quota, borrowingLimit?, lendingLimit?}}`. */
  readonly quotas?: Readonly<Record<string, Readonly<Record<string, PoolQuotaConfig>>>>;
}

export function regionFacts(model: RegionModel): RegionFacts {
  const region = model.config;
  const { fleet } = model;
  return {
    region: region.region,
    kubernetesVersion: region.kubernetesVersion,
    natGateways: region.natGateways,
    systemPool: region.systemPool,
    gpuPools: region.gpuPools,
    fleet: {
      name: fleet.name,
      state: fleet.state ? { bucket: fleet.state.bucket, region: fleet.state.region, key: stateKey(fleet.name, region.region, infraStackName(region.region)) } : null,
      tags: Object.fromEntries(Object.entries(fleet.tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    },
    vpcCidr: region.vpcCidr,
    buckets: Object.fromEntries(BUCKET_KINDS.map((kind) => [kind, region.buckets[kind]])) as Record<BucketKind, BucketConfig>,
    tenants: fleet.tenants.map((tenant) => tenant.name),
    quotas: region.quotas,
  };
}

const regionFactsSchema = z.object({
  region: regionCode,
  kubernetesVersion: z.string(),
  natGateways: z.enum(NAT_GATEWAY_MODES),
  systemPool: systemPoolSchema,
  gpuPools: z.array(gpuPoolSchema),
  fleet: z
    .object({
      name: z.string(),
      state: z.object({ bucket: z.string(), region: z.string(), key: z.string() }).nullable(),
      tags: z.record(z.string(), z.string()),
    })
    .optional(),
  vpcCidr: cidr.optional(),
  buckets: z.object({ datasets: bucketSchema, checkpoints: bucketSchema, artifacts: bucketSchema }).optional(),
  tenants: z.array(z.string()).optional(),
  quotas: z.record(z.string(), tenantQuotasSchema).optional(),
});

/** Parses the output's JSON; returns a reason when it is not a facts document this version understands. */
export function parseRegionFacts(value: unknown): { facts: RegionFacts } | { error: string } {
  let data: unknown = value;
  if (typeof value === "string") {
    try {
      data = JSON.parse(value);
    } catch {
      return { error: `${REGION_FACTS_OUTPUT} is not JSON` };
    }
  }
  const parsed = regionFactsSchema.safeParse(data);
  return parsed.success ? { facts: parsed.data as RegionFacts } : { error: `${REGION_FACTS_OUTPUT} does not match this FastGPU version: ${parsed.error.issues[0]?.message}` };
}
