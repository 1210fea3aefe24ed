/**
 * AWS EC2 instance types a pool may use: GPU model and count, size, EFA, price and regions.
 *
 * Specs: aws/karpenter-provider-aws `website/content/en/docs/reference/instance-types.md`, generated
 * 2026-07-11 from the EC2 API. Prices: see `PRICE_SOURCE`. Regions: see `REGION_SOURCE` and each entry.
 */
import { INSTANCE_REGIONS, REGION_SOURCE } from "./regions";

export const PRICE_SOURCE = {
  region: "us-east-1",
  date: "2026-07-20",
  source:
    "AWS Pricing API snapshot in aws/karpenter-provider-aws pkg/providers/pricing/zz_generated.pricing_aws.go " +
    "(On-Demand, Linux, us-east-1, generated 2026-07-20T13:44:30Z)",
} as const;

export { REGION_SOURCE };

export interface InstanceType {
  readonly name: string;
  /** GPU SKU id from `gpus.ts`; null for CPU-only types (the system pool). */
  readonly gpu: string | null;
  readonly gpuCount: number;
  readonly vcpu: number;
  readonly memoryGiB: number;
  /** EFA interfaces (`vpc.amazonaws.com/efa`); 0 when the type has none. */
  readonly efaInterfaces: number;
  /** On-Demand Linux USD/hour in `PRICE_SOURCE.region`; null where AWS sells it only as Capacity Blocks. */
  readonly onDemandUsdPerHour: number | null;
  /** Regions offering the type On-Demand (or through reservations where `onDemandUsdPerHour` is null). */
  readonly regions: readonly string[];
}

type Spec = Omit<InstanceType, "name" | "regions">;

const SPECS: Record<string, Spec> = {
  "p4d.24xlarge": { gpu: "a100-40gb", gpuCount: 8, vcpu: 96, memoryGiB: 1152, efaInterfaces: 4, onDemandUsdPerHour: 21.9576 },
  "p4de.24xlarge": { gpu: "a100-80gb", gpuCount: 8, vcpu: 96, memoryGiB: 1152, efaInterfaces: 4, onDemandUsdPerHour: 27.4471 },
  "p5.4xlarge": { gpu: "h100-80gb", gpuCount: 1, vcpu: 16, memoryGiB: 256, efaInterfaces: 1, onDemandUsdPerHour: 6.88 },
  "p5.48xlarge": { gpu: "h100-80gb", gpuCount: 8, vcpu: 192, memoryGiB: 2048, efaInterfaces: 32, onDemandUsdPerHour: 55.04 },
  "p5e.48xlarge": { gpu: "h200-141gb", gpuCount: 8, vcpu: 192, memoryGiB: 2048, efaInterfaces: 32, onDemandUsdPerHour: null },
  "p5en.48xlarge": { gpu: "h200-141gb", gpuCount: 8, vcpu: 192, memoryGiB: 2048, efaInterfaces: 16, onDemandUsdPerHour: 63.296 },
  "p6-b200.48xlarge": { gpu: "b200-180gb", gpuCount: 8, vcpu: 192, memoryGiB: 2048, efaInterfaces: 8, onDemandUsdPerHour: 113.9328 },

  "g4dn.xlarge": { gpu: "t4", gpuCount: 1, vcpu: 4, memoryGiB: 16, efaInterfaces: 0, onDemandUsdPerHour: 0.526 },
  "g4dn.2xlarge": { gpu: "t4", gpuCount: 1, vcpu: 8, memoryGiB: 32, efaInterfaces: 0, onDemandUsdPerHour: 0.752 },
  "g4dn.4xlarge": { gpu: "t4", gpuCount: 1, vcpu: 16, memoryGiB: 64, efaInterfaces: 0, onDemandUsdPerHour: 1.204 },
  "g4dn.8xlarge": { gpu: "t4", gpuCount: 1, vcpu: 32, memoryGiB: 128, efaInterfaces: 1, onDemandUsdPerHour: 2.176 },
  "g4dn.12xlarge": { gpu: "t4", gpuCount: 4, vcpu: 48, memoryGiB: 192, efaInterfaces: 1, onDemandUsdPerHour: 3.912 },
  "g4dn.16xlarge": { gpu: "t4", gpuCount: 1, vcpu: 64, memoryGiB: 256, efaInterfaces: 1, onDemandUsdPerHour: 4.352 },
  "g4dn.metal": { gpu: "t4", gpuCount: 8, vcpu: 96, memoryGiB: 384, efaInterfaces: 1, onDemandUsdPerHour: 7.824 },

  "g5.xlarge": { gpu: "a10g", gpuCount: 1, vcpu: 4, memoryGiB: 16, efaInterfaces: 0, onDemandUsdPerHour: 1.006 },
  "g5.2xlarge": { gpu: "a10g", gpuCount: 1, vcpu: 8, memoryGiB: 32, efaInterfaces: 0, onDemandUsdPerHour: 1.212 },
  "g5.4xlarge": { gpu: "a10g", gpuCount: 1, vcpu: 16, memoryGiB: 64, efaInterfaces: 0, onDemandUsdPerHour: 1.624 },
  "g5.8xlarge": { gpu: "a10g", gpuCount: 1, vcpu: 32, memoryGiB: 128, efaInterfaces: 1, onDemandUsdPerHour: 2.448 },
  "g5.12xlarge": { gpu: "a10g", gpuCount: 4, vcpu: 48, memoryGiB: 192, efaInterfaces: 1, onDemandUsdPerHour: 5.672 },
  "g5.16xlarge": { gpu: "a10g", gpuCount: 1, vcpu: 64, memoryGiB: 256, efaInterfaces: 1, onDemandUsdPerHour: 4.096 },
  "g5.24xlarge": { gpu: "a10g", gpuCount: 4, vcpu: 96, memoryGiB: 384, efaInterfaces: 1, onDemandUsdPerHour: 8.144 },
  "g5.48xlarge": { gpu: "a10g", gpuCount: 8, vcpu: 192, memoryGiB: 768, efaInterfaces: 1, onDemandUsdPerHour: 16.288 },

  "g6.xlarge": { gpu: "l4", gpuCount: 1, vcpu: 4, memoryGiB: 16, efaInterfaces: 0, onDemandUsdPerHour: 0.8048 },
  "g6.2xlarge": { gpu: "l4", gpuCount: 1, vcpu: 8, memoryGiB: 32, efaInterfaces: 0, onDemandUsdPerHour: 0.9776 },
  "g6.4xlarge": { gpu: "l4", gpuCount: 1, vcpu: 16, memoryGiB: 64, efaInterfaces: 0, onDemandUsdPerHour: 1.3232 },
  "g6.8xlarge": { gpu: "l4", gpuCount: 1, vcpu: 32, memoryGiB: 128, efaInterfaces: 1, onDemandUsdPerHour: 2.0144 },
  "g6.12xlarge": { gpu: "l4", gpuCount: 4, vcpu: 48, memoryGiB: 192, efaInterfaces: 1, onDemandUsdPerHour: 4.6016 },
  "g6.16xlarge": { gpu: "l4", gpuCount: 1, vcpu: 64, memoryGiB: 256, efaInterfaces: 1, onDemandUsdPerHour: 3.3968 },
  "g6.24xlarge": { gpu: "l4", gpuCount: 4, vcpu: 96, memoryGiB: 384, efaInterfaces: 1, onDemandUsdPerHour: 6.6752 },
  "g6.48xlarge": { gpu: "l4", gpuCount: 8, vcpu: 192, memoryGiB: 768, efaInterfaces: 1, onDemandUsdPerHour: 13.3504 },

  "g6e.xlarge": { gpu: "l40s", gpuCount: 1, vcpu: 4, memoryGiB: 32, efaInterfaces: 0, onDemandUsdPerHour: 1.861 },
  "g6e.2xlarge": { gpu: "l40s", gpuCount: 1, vcpu: 8, memoryGiB: 64, efaInterfaces: 0, onDemandUsdPerHour: 2.2421 },
  "g6e.4xlarge": { gpu: "l40s", gpuCount: 1, vcpu: 16, memoryGiB: 128, efaInterfaces: 0, onDemandUsdPerHour: 3.0042 },
  "g6e.8xlarge": { gpu: "l40s", gpuCount: 1, vcpu: 32, memoryGiB: 256, efaInterfaces: 1, onDemandUsdPerHour: 4.5286 },
  "g6e.12xlarge": { gpu: "l40s", gpuCount: 4, vcpu: 48, memoryGiB: 384, efaInterfaces: 1, onDemandUsdPerHour: 10.4926 },
  "g6e.16xlarge": { gpu: "l40s", gpuCount: 1, vcpu: 64, memoryGiB: 512, efaInterfaces: 1, onDemandUsdPerHour: 7.5772 },
  "g6e.24xlarge": { gpu: "l40s", gpuCount: 4, vcpu: 96, memoryGiB: 768, efaInterfaces: 2, onDemandUsdPerHour: 15.0656 },
  "g6e.48xlarge": { gpu: "l40s", gpuCount: 8, vcpu: 192, memoryGiB: 1536, efaInterfaces: 4, onDemandUsdPerHour: 30.1312 },

  "m7i.xlarge": { gpu: null, gpuCount: 0, vcpu: 4, memoryGiB: 16, efaInterfaces: 0, onDemandUsdPerHour: 0.2016 },
  "m7i.2xlarge": { gpu: null, gpuCount: 0, vcpu: 8, memoryGiB: 32, efaInterfaces: 0, onDemandUsdPerHour: 0.4032 },
  "m6i.xlarge": { gpu: null, gpuCount: 0, vcpu: 4, memoryGiB: 16, efaInterfaces: 0, onDemandUsdPerHour: 0.192 },
  "m6i.2xlarge": { gpu: null, gpuCount: 0, vcpu: 8, memoryGiB: 32, efaInterfaces: 0, onDemandUsdPerHour: 0.384 },
};

export const INSTANCE_TYPES: readonly InstanceType[] = Object.entries(SPECS).map(([name, spec]) => ({
  name,
  ...spec,
  regions: INSTANCE_REGIONS[name] ?? [],
}));

const BY_NAME = new Map(INSTANCE_TYPES.map((type) => [type.name, type]));

export function findInstanceType(name: string): InstanceType | undefined {
  return BY_NAME.get(name);
}

export function instanceType(name: string): InstanceType {
  const type = BY_NAME.get(name);
  if (!type) throw new Error(`catalog: unknown instance type "${name}"`);
  return type;
}
