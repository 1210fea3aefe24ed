/**
 * Monthly cost of a region at its pools' min and max sizes, priced from the catalog. Infracost cannot price
 * autoscaled GPU node groups (it sees only a desired size); we know each pool's bounds and what it advertises.
 */
import { findInstanceType, PRICE_SOURCE } from "./catalog/instances";
import type { CapacityType, NatGatewayMode, SystemPoolConfig } from "./config/schema";
import type { PoolModel } from "./model/pool";
import { AZ_COUNT, INTERFACE_ENDPOINTS, natGatewayCount } from "./network-plan";

export const HOURS_PER_MONTH = 730;

/** Spot is priced at this share of On-Demand: the smallest discount seen for g5/g6 in US regions. */
export const SPOT_SHARE_OF_ON_DEMAND = 0.6;

/** Region overhead rates (AWS price pages, us-east-1). */
const EKS_CONTROL_PLANE_USD_PER_HOUR = 0.1;
const NAT_GATEWAY_USD_PER_HOUR = 0.045;
const INTERFACE_ENDPOINT_USD_PER_AZ_HOUR = 0.01;

export const PRICING_NOTES = {
  onDemand: `On-Demand Linux prices of ${PRICE_SOURCE.region} (${PRICE_SOURCE.date}; ${PRICE_SOURCE.source}), used for every region: us-east-2 and us-west-2 charge the same for these types, other regions up to ~40% more (skypilot-catalog, May-Jul 2026)`,
  spot: `Spot is estimated at ${SPOT_SHARE_OF_ON_DEMAND * 100}% of On-Demand: g5/g6 Spot ran 40-70% below On-Demand in US regions (skypilot-catalog, May-Jul 2026); the real price varies by AZ and hour, and Spot can be reclaimed`,
  capacityBlock: "Capacity Blocks are estimated at the On-Demand rate (or the last published Capacity Block rate where there is no On-Demand price); the real price is set per reservation, see `aws ec2 describe-capacity-block-offerings`",
  overhead:
    `Region overhead: EKS control plane $${EKS_CONTROL_PLANE_USD_PER_HOUR.toFixed(2)}/h, NAT gateways $${NAT_GATEWAY_USD_PER_HOUR}/h each, ` +
    `${INTERFACE_ENDPOINTS.length} interface endpoints (${INTERFACE_ENDPOINTS.join(", ")}) $${INTERFACE_ENDPOINT_USD_PER_AZ_HOUR}/h per AZ ` +
    "(AWS price pages, us-east-1); data transfer and storage are usage-based and not included",
  unit: "Per-unit prices are per quota unit, the unit tenants are given quota in: a GPU (exclusive), a replica (time-slicing), or one GPU's worth of a MIG layout's slices",
};

/** Last published Capacity Block rates for types without an On-Demand price (late-2024 AWS pricing page). */
const CAPACITY_BLOCK_USD_PER_HOUR: Readonly<Record<string, number>> = { "p5e.48xlarge": 43.26 };

export interface NodePrice {
  readonly usdPerHour: number | null;
  readonly estimated: boolean;
  readonly basis: string;
}

export function nodePrice(instanceTypeName: string, capacityType: CapacityType): NodePrice {
  const type = findInstanceType(instanceTypeName);
  const onDemand = type?.onDemandUsdPerHour ?? null;
  switch (capacityType) {
    case "on-demand":
      return { usdPerHour: onDemand, estimated: false, basis: "On-Demand" };
    case "spot":
      return { usdPerHour: onDemand === null ? null : onDemand * SPOT_SHARE_OF_ON_DEMAND, estimated: true, basis: "Spot estimate" };
    case "capacity-block":
      return {
        usdPerHour: onDemand ?? CAPACITY_BLOCK_USD_PER_HOUR[instanceTypeName] ?? null,
        estimated: true,
        basis: "Capacity Block estimate",
      };
  }
}

export interface MinMax {
  readonly min: number;
  readonly max: number;
}

export interface PoolCost {
  readonly pool: string;
  readonly instanceType: string;
  readonly capacityType: CapacityType;
  /** The sharing mode in a few words, e.g. "time-slicing x4". */
  readonly sharing: string;
  readonly price: NodePrice;
  readonly physicalGpusPerNode: number;
  readonly advertisedPerNode: Readonly<Record<string, number>>;
  /** Quota units per node, and what they are called (see PRICING_NOTES.unit). */
  readonly quotaUnitsPerNode: number;
  readonly quotaUnit: string;
  /** Price per quota unit per hour: what a tenant's quota of one unit costs while its node runs. */
  readonly usdPerQuotaUnitHour: number | null;
  readonly nodes: MinMax;
  readonly monthlyUsd: MinMax | null;
}

export interface RegionCostInput {
  readonly region: string;
  readonly natGateways: NatGatewayMode;
  readonly systemPool: SystemPoolConfig;
  readonly pools: readonly PoolModel[];
}

export interface RegionCost {
  readonly region: string;
  readonly pools: readonly PoolCost[];
  readonly systemPoolInstanceType: string;
  readonly systemPoolMonthlyUsd: MinMax | null;
  readonly overheadMonthlyUsd: number;
  readonly totalMonthlyUsd: MinMax | null;
  readonly estimated: boolean;
}

function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function monthly(usdPerHour: number | null, nodes: MinMax): MinMax | null {
  if (usdPerHour === null) return null;
  return { min: round(usdPerHour * nodes.min * HOURS_PER_MONTH), max: round(usdPerHour * nodes.max * HOURS_PER_MONTH) };
}

export function poolCost(model: PoolModel): PoolCost {
  const { pool, sharing } = model;
  const price = nodePrice(pool.instanceType, pool.capacityType);
  const nodes = { min: pool.minSize, max: pool.maxSize };
  return {
    pool: pool.name,
    instanceType: pool.instanceType,
    capacityType: pool.capacityType,
    sharing: sharing.summary,
    price,
    physicalGpusPerNode: model.physicalGpusPerNode,
    advertisedPerNode: model.advertisedPerNode,
    quotaUnitsPerNode: sharing.quotaUnitsPerNode,
    quotaUnit: sharing.quotaUnit.plural,
    usdPerQuotaUnitHour: price.usdPerHour === null ? null : price.usdPerHour / sharing.quotaUnitsPerNode,
    nodes,
    monthlyUsd: monthly(price.usdPerHour, nodes),
  };
}

export function regionOverheadMonthlyUsd(natGateways: NatGatewayMode): number {
  const perHour =
    EKS_CONTROL_PLANE_USD_PER_HOUR +
    natGatewayCount(natGateways) * NAT_GATEWAY_USD_PER_HOUR +
    INTERFACE_ENDPOINTS.length * AZ_COUNT * INTERFACE_ENDPOINT_USD_PER_AZ_HOUR;
  return round(perHour * HOURS_PER_MONTH);
}

export function regionCost(region: RegionCostInput): RegionCost {
  const pools = region.pools.map(poolCost);
  const system = nodePrice(region.systemPool.instanceType, "on-demand");
  const systemPoolMonthlyUsd = monthly(system.usdPerHour, { min: region.systemPool.minSize, max: region.systemPool.maxSize });
  const overheadMonthlyUsd = regionOverheadMonthlyUsd(region.natGateways);
  const parts = [...pools.map((pool) => pool.monthlyUsd), systemPoolMonthlyUsd];
  const totalMonthlyUsd = parts.some((part) => part === null)
    ? null
    : {
        min: round(parts.reduce((sum, part) => sum + part!.min, overheadMonthlyUsd)),
        max: round(parts.reduce((sum, part) => sum + part!.max, overheadMonthlyUsd)),
      };
  return {
    region: region.region,
    pools,
    systemPoolInstanceType: region.systemPool.instanceType,
    systemPoolMonthlyUsd,
    overheadMonthlyUsd,
    totalMonthlyUsd,
    estimated: pools.some((pool) => pool.price.estimated),
  };
}
