/**
 * The region facts an infra stack publishes as its `fastgpu_region` output, so a preview can compare GPU
 * capacity and cost of two synth outputs without their configs.
 */
import { gpuPoolSchema, NAT_GATEWAY_MODES, regionCode, systemPoolSchema, type GpuPoolConfig, type NatGatewayMode, type SystemPoolConfig } from "../config/schema";
import type { RegionModel } from "../model/region";
import { z } from "zod";

export const REGION_FACTS_OUTPUT = "fastgpu_region";

/** Config, not derived facts: the preview derives both sides with one catalog, so only config changes show. */
export interface RegionFacts {
  readonly region: string;
  readonly kubernetesVersion: string;
  readonly natGateways: NatGatewayMode;
  readonly systemPool: SystemPoolConfig;
  readonly gpuPools: readonly GpuPoolConfig[];
}

export function regionFacts(model: RegionModel): RegionFacts {
  const region = model.config;
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
  natGateways: z.enum(NAT_GATEWAY_MODES),
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
