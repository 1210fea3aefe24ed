/**
 * The region facts an infra stack publishes as its `fastgpu_region` output, so a preview can compare GPU
 * capacity and cost of two synth outputs without their configs.
 */
import type { RegionConfig } from "../config/load";
import { gpuPoolSchema, regionCode, systemPoolSchema, type GpuPoolConfig } from "../config/schema";
import type { RegionCostInput } from "../cost";
import { z } from "zod";

export const REGION_FACTS_OUTPUT = "fastgpu_region";

export interface RegionFacts extends RegionCostInput {
  readonly kubernetesVersion: string;
  readonly gpuPools: readonly GpuPoolConfig[];
}

export function regionFacts(region: RegionConfig): RegionFacts {
  return {
    region: region.region,
    kubernetesVersion: region.kubernetesVersion,
    natGateways: region.natGateways,
    systemPool: region.systemPool,
    gpuPools: region.gpuPools,
  };
}

const regionFactsSchema = z.object({
  region: regionCode,
  kubernetesVersion: z.string(),
  natGateways: z.enum(["one-per-az", "single"]),
  systemPool: systemPoolSchema,
  gpuPools: z.array(gpuPoolSchema),
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
  return parsed.success ? { facts: parsed.data } : { error: `${REGION_FACTS_OUTPUT} does not match this FastGPU version: ${parsed.error.issues[0]?.message}` };
}
