/**
 * Monthly cost of a region at its pools' min and max sizes, priced from the catalog and the per-region price
 * tables (`catalog/prices.ts`). Infracost cannot price autoscaled GPU node groups (it sees only a desired
 * size); we know each pool's bounds and what it advertises.
 *
 * Three kinds of money are kept apart, because a reviewer decides differently on each:
 * - usage: node hours of the GPU pools and the system pool, at min and max size (On-Demand or a Spot estimate);
 * - fixed: what the region pays whatever runs (EKS control plane, NAT gateways and their public IPv4
 *   addresses, interface endpoints, KMS keys) plus the nodes' EBS root volumes;
 * - committed: Capacity Blocks, paid up front per reservation; not part of any monthly total.
 * Usage-based items (S3 storage, data processed, logs, cross-AZ traffic) are named, not estimated.
 */
import { findInstanceType, PRICE_SOURCE } from "./catalog/instances";
import { CAPACITY_BLOCK_RATES, FAMILY_PRICE_TABLE, FIXED_RATES, REGIONAL_PRICE_SOURCE, REGIONAL_PRICES } from "./catalog/prices";
import type { CapacityType, GpuPoolConfig, NatGatewayMode, SystemPoolConfig } from "./config/schema";
import { SYSTEM_POOL_ROOT_VOLUME_GIB } from "./model/node-template";
import type { PoolModel } from "./model/pool";
import { AZ_COUNT, INTERFACE_ENDPOINTS, natGatewayCount } from "./network-plan";
import type { TenantPoolQuota } from "./tenancy/quotas";

export const HOURS_PER_MONTH = 730;

/**
 * KMS keys every region's infra stack creates: the data key (S3 and ECR, stacks/infra-stack.ts) and the EKS
 * secrets key (constructs/cluster.ts).
 */
export const KMS_KEYS_PER_REGION = 2;

/** A Spot price at this share of On-Demand or more is AWS's cap (no Spot capacity), not a discount. */
const NO_DISCOUNT_SHARE = 0.99;

export const PRICING_NOTES = {
  onDemand:
    `On-Demand Linux: us-east-1 from the catalog (${PRICE_SOURCE.date}; ${PRICE_SOURCE.source}); other regions from ` +
    `${REGIONAL_PRICE_SOURCE.source} (${REGIONAL_PRICE_SOURCE.date})`,
  spot:
    "Spot is estimated per instance family and region from the same snapshot: the highest Spot price among the " +
    "region's Availability Zones that had a discount (the range is shown); a region whose AZs had none is priced " +
    "at On-Demand. Spot prices move by AZ and hour, and AWS reclaims Spot nodes with a two-minute notice",
  capacityBlock:
    `Capacity Blocks are committed spend, paid up front per reservation and not in the monthly totals. ${CAPACITY_BLOCK_RATES.billing}. ` +
    `The per-hour figure is the last published rate (${CAPACITY_BLOCK_RATES.date}; ${CAPACITY_BLOCK_RATES.source}), or On-Demand where none was published; ` +
    "the block's real fee and dates are in `aws ec2 describe-capacity-reservations --capacity-reservation-ids <id>`",
  fixed:
    `Fixed: EKS control plane $${FIXED_RATES.eksControlPlaneUsdPerHour.toFixed(2)}/h, NAT gateways $${FIXED_RATES.natGatewayUsdPerHour}/h each ` +
    `plus $${FIXED_RATES.publicIpv4UsdPerHour}/h for each one's public IPv4 address, ${INTERFACE_ENDPOINTS.length} interface endpoints ` +
    `(${INTERFACE_ENDPOINTS.join(", ")}) $${FIXED_RATES.interfaceEndpointUsdPerAzHour}/h per AZ, ${KMS_KEYS_PER_REGION} KMS keys at ` +
    `$${FIXED_RATES.kmsKeyUsdPerMonth}/month, EBS gp3 root volumes $${FIXED_RATES.ebsGp3UsdPerGibMonth}/GiB-month per node ` +
    `(${FIXED_RATES.region} rates for every region: the catalog has no regional table for these; ${FIXED_RATES.source}, read ${FIXED_RATES.read})`,
  usage:
    `Not estimated (usage-based): S3 storage ($${FIXED_RATES.usage.s3StandardUsdPerGibMonth}/GiB-month Standard, versions included), ` +
    `NAT data processing ($${FIXED_RATES.usage.natGatewayUsdPerGib}/GiB), interface endpoint data ($${FIXED_RATES.usage.interfaceEndpointUsdPerGib}/GiB), ` +
    `CloudWatch control-plane log ingestion ($${FIXED_RATES.usage.cloudWatchLogsIngestionUsdPerGib}/GiB), cross-AZ traffic ($${FIXED_RATES.usage.crossAzUsdPerGibEachWay}/GiB each way)`,
  unit:
    "Per-unit prices are per quota unit, the unit tenants are given quota in: a GPU (exclusive), a replica " +
    "(time-slicing: replicas share one GPU, so a unit is a fraction of a GPU), or one GPU's worth of a MIG " +
    "layout's slices",
};

export function instanceFamily(instanceType: string): string {
  return instanceType.split(".")[0];
}

/** The price table that covers an instance type: its own, or its family's. */
function priceTable(instanceType: string): string | undefined {
  if (REGIONAL_PRICES[instanceType]) return instanceType;
  return FAMILY_PRICE_TABLE[instanceFamily(instanceType)];
}

export interface RegionalRate {
  readonly usdPerHour: number | null;
  /** False where the catalog has no price for the region: the us-east-1 rate stands in. */
  readonly regional: boolean;
}

/** On-Demand USD/hour of an instance type in a region. */
export function onDemandRate(instanceType: string, region: string): RegionalRate {
  const home = findInstanceType(instanceType)?.onDemandUsdPerHour ?? null;
  if (home === null) return { usdPerHour: null, regional: true };
  if (region === PRICE_SOURCE.region) return { usdPerHour: home, regional: true };
  const table = priceTable(instanceType);
  const here = table ? REGIONAL_PRICES[table][region] : undefined;
  const reference = table ? REGIONAL_PRICES[table][PRICE_SOURCE.region] : undefined;
  if (!here || !reference) return { usdPerHour: home, regional: false };
  return { usdPerHour: table === instanceType ? here.onDemand : round((home * here.onDemand) / reference.onDemand, 6), regional: true };
}

export interface SpotShares {
  /** Lowest and highest Spot/On-Demand among the AZs that had a discount; undefined when none had one. */
  readonly low?: number;
  readonly high?: number;
  /** AZs sampled, and how many of them had no discount (Spot at AWS's cap: no Spot capacity). */
  readonly azs: number;
  readonly withoutDiscount: number;
}

/** Spot as a share of On-Demand for an instance type in a region; undefined where the snapshot has no row. */
export function spotShares(instanceType: string, region: string): SpotShares | undefined {
  const table = priceTable(instanceType);
  const row = table ? REGIONAL_PRICES[table][region] : undefined;
  if (!row) return undefined;
  const shares = row.spot.map((price) => price / row.onDemand);
  const discounted = shares.filter((share) => share < NO_DISCOUNT_SHARE);
  return {
    ...(discounted.length > 0 ? { low: Math.min(...discounted), high: Math.max(...discounted) } : {}),
    azs: shares.length,
    withoutDiscount: shares.length - discounted.length,
  };
}

export interface NodePrice {
  /** What the monthly figures use. */
  readonly usdPerHour: number | null;
  readonly estimated: boolean;
  readonly basis: string;
  /** Spot: the USD/hour range across the region's AZs that had a discount. */
  readonly range?: { readonly low: number; readonly high: number };
  /** False where no regional price was found and the us-east-1 rate stands in. */
  readonly regional: boolean;
  /** Capacity Blocks: paid up front per reservation, not usage. */
  readonly committed?: boolean;
}

export function nodePrice(instanceTypeName: string, capacityType: CapacityType, region: string = PRICE_SOURCE.region): NodePrice {
  const onDemand = onDemandRate(instanceTypeName, region);
  switch (capacityType) {
    case "on-demand":
      return { usdPerHour: onDemand.usdPerHour, estimated: false, basis: "On-Demand", regional: onDemand.regional };
    case "spot": {
      const shares = spotShares(instanceTypeName, region);
      if (onDemand.usdPerHour === null) return { usdPerHour: null, estimated: true, basis: "Spot (no price)", regional: onDemand.regional };
      if (shares?.high === undefined || shares.low === undefined) {
        const why = shares && shares.azs > 0 ? `no Spot discount in ${region}'s AZs` : `no Spot price for ${region}`;
        return { usdPerHour: onDemand.usdPerHour, estimated: true, basis: `Spot at On-Demand (${why})`, regional: onDemand.regional };
      }
      const low = round(onDemand.usdPerHour * shares.low, 6);
      const high = round(onDemand.usdPerHour * shares.high, 6);
      return { usdPerHour: high, estimated: true, basis: "Spot estimate", range: { low, high }, regional: onDemand.regional };
    }
    case "capacity-block":
      return {
        usdPerHour: CAPACITY_BLOCK_RATES.usdPerInstanceHour[instanceTypeName] ?? onDemand.usdPerHour,
        estimated: true,
        basis: "Capacity Block (committed)",
        regional: onDemand.regional,
        committed: true,
      };
  }
}

export interface MinMax {
  readonly min: number;
  readonly max: number;
}

/** A Capacity Block a pool runs in: spend committed when the block was bought, whatever the PR does. */
export interface CommittedReservation {
  readonly region: string;
  readonly pool: string;
  readonly instanceType: string;
  readonly reservationId: string | undefined;
  /** The most nodes the pool runs in the block (its maxSize); the block's own count is in the reservation. */
  readonly instances: number;
  readonly usdPerInstanceHour: number | null;
  /** instances x rate x 730 h: the size of the commitment per month of block, for scale only. */
  readonly monthlyEquivalentUsd: number | null;
  /** What the config cannot say. */
  readonly unknown: string;
}

/** Instance families built for multi-node training (8 GPUs and EFA): a Spot reclaim there loses work on every node. */
const TRAINING_FAMILY = /^p[456]/;

/**
 * A training pool: a P-family instance (p4, p5, p6), or a pool whose name or labels say training. Spot is a
 * poor fit for these: a reclaimed node stops a multi-node job on every node.
 */
export function isTrainingPool(pool: Pick<GpuPoolConfig, "name" | "instanceType" | "labels">): boolean {
  return TRAINING_FAMILY.test(pool.instanceType) || /train/i.test(pool.name) || Object.entries(pool.labels ?? {}).some(([key, value]) => /train/i.test(`${key}=${value}`));
}

export interface PoolCost {
  readonly region: string;
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
  /** Price per physical GPU per hour (a time-sliced GPU costs its replicas together). */
  readonly usdPerGpuHour: number | null;
  readonly nodes: MinMax;
  /** Node hours at min and max size; Capacity Block pools are committed instead ($0 here). */
  readonly monthlyUsd: MinMax | null;
  /** gp3 root volumes of the pool's nodes. */
  readonly ebsMonthlyUsd: MinMax;
  readonly committed?: CommittedReservation;
  readonly training: boolean;
  /** Risks of the pricing choice, e.g. Spot for a training pool. */
  readonly warnings: readonly string[];
}

export interface RegionCostInput {
  readonly region: string;
  readonly natGateways: NatGatewayMode;
  readonly systemPool: SystemPoolConfig;
  readonly pools: readonly PoolModel[];
}

export interface FixedCost {
  readonly item: string;
  readonly detail: string;
  readonly monthlyUsd: MinMax;
}

export interface RegionCost {
  readonly region: string;
  readonly pools: readonly PoolCost[];
  readonly systemPoolInstanceType: string;
  readonly systemPoolPrice: NodePrice;
  readonly systemPoolMonthlyUsd: MinMax | null;
  /** EKS, NAT gateways and their IPv4 addresses, interface endpoints, KMS keys: paid whatever runs. */
  readonly overheadMonthlyUsd: number;
  /** The overhead itemised, plus the EBS root volumes of every node at min and max size. */
  readonly fixed: readonly FixedCost[];
  readonly fixedMonthlyUsd: MinMax;
  /** Node hours of the GPU pools and the system pool. */
  readonly usageMonthlyUsd: MinMax | null;
  /** Usage plus fixed; committed Capacity Blocks are apart. */
  readonly totalMonthlyUsd: MinMax | null;
  readonly committed: readonly CommittedReservation[];
  readonly estimated: boolean;
  /** False when some price is a us-east-1 rate standing in for this region. */
  readonly regionalPrices: boolean;
}

/** Sub-cent rounding: removes float noise, so deltas of totals are exact to the cent. */
function round(value: number, digits = 4): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function monthly(usdPerHour: number | null, nodes: MinMax): MinMax | null {
  if (usdPerHour === null) return null;
  return { min: round(usdPerHour * nodes.min * HOURS_PER_MONTH), max: round(usdPerHour * nodes.max * HOURS_PER_MONTH) };
}

function ebs(rootVolumeGiB: number, nodes: MinMax): MinMax {
  const perNode = rootVolumeGiB * FIXED_RATES.ebsGp3UsdPerGibMonth;
  return { min: round(perNode * nodes.min), max: round(perNode * nodes.max) };
}

/** Physical GPUs a number of quota units of a pool stand for: time-slicing multiplies units, not GPUs. */
export function guaranteedPhysicalGpus(model: PoolModel, units: number): number {
  return round((units * model.physicalGpusPerNode) / model.sharing.quotaUnitsPerNode, 3);
}

export function poolCost(model: PoolModel, region: string = PRICE_SOURCE.region): PoolCost {
  const { pool, sharing } = model;
  const price = nodePrice(pool.instanceType, pool.capacityType, region);
  const nodes = { min: pool.minSize, max: pool.maxSize };
  const training = isTrainingPool(pool);
  const warnings: string[] = [];
  if (pool.capacityType === "spot" && training) {
    const shares = spotShares(pool.instanceType, region);
    const scarce = shares && shares.withoutDiscount > 0 ? `; in ${region} ${shares.withoutDiscount} of ${shares.azs} AZs had no Spot discount (no Spot capacity) in the price snapshot` : "";
    warnings.push(
      `training pool on Spot: AWS reclaims a Spot node with a two-minute notice, and a multi-node job then stops on every node and restarts from its last checkpoint${scarce}`,
    );
  }
  if (!price.regional) warnings.push(`no ${region} price for ${pool.instanceType} in the catalog: priced at ${PRICE_SOURCE.region} rates`);
  const committed: CommittedReservation | undefined = price.committed
    ? {
        region,
        pool: pool.name,
        instanceType: pool.instanceType,
        reservationId: pool.capacityReservationId,
        instances: pool.maxSize,
        usdPerInstanceHour: price.usdPerHour,
        monthlyEquivalentUsd: price.usdPerHour === null ? null : round(price.usdPerHour * pool.maxSize * HOURS_PER_MONTH),
        unknown: "start and end dates, instance count and the fee paid are not in the config",
      }
    : undefined;
  return {
    region,
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
    usdPerGpuHour: price.usdPerHour === null ? null : price.usdPerHour / model.physicalGpusPerNode,
    nodes,
    monthlyUsd: committed ? { min: 0, max: 0 } : monthly(price.usdPerHour, nodes),
    ebsMonthlyUsd: ebs(pool.rootVolumeGiB, nodes),
    committed,
    training,
    warnings,
  };
}

/** What a region pays whatever runs: EKS, NAT gateways and their public IPv4 addresses, interface endpoints, KMS keys. */
export function regionOverheadMonthlyUsd(natGateways: NatGatewayMode): number {
  return overheadItems(natGateways).reduce((sum, item) => round(sum + item.monthlyUsd.min), 0);
}

function overheadItems(natGateways: NatGatewayMode): FixedCost[] {
  const nat = natGatewayCount(natGateways);
  const hourly = (usdPerHour: number) => {
    const value = round(usdPerHour * HOURS_PER_MONTH);
    return { min: value, max: value };
  };
  const endpointHours = INTERFACE_ENDPOINTS.length * AZ_COUNT;
  const kms = KMS_KEYS_PER_REGION * FIXED_RATES.kmsKeyUsdPerMonth;
  return [
    { item: "EKS control plane", detail: `$${FIXED_RATES.eksControlPlaneUsdPerHour.toFixed(2)}/h`, monthlyUsd: hourly(FIXED_RATES.eksControlPlaneUsdPerHour) },
    { item: "NAT gateways", detail: `${nat} x $${FIXED_RATES.natGatewayUsdPerHour}/h`, monthlyUsd: hourly(nat * FIXED_RATES.natGatewayUsdPerHour) },
    { item: "NAT public IPv4", detail: `${nat} x $${FIXED_RATES.publicIpv4UsdPerHour}/h`, monthlyUsd: hourly(nat * FIXED_RATES.publicIpv4UsdPerHour) },
    {
      item: "interface endpoints",
      detail: `${INTERFACE_ENDPOINTS.length} x ${AZ_COUNT} AZs x $${FIXED_RATES.interfaceEndpointUsdPerAzHour}/h`,
      monthlyUsd: hourly(endpointHours * FIXED_RATES.interfaceEndpointUsdPerAzHour),
    },
    { item: "KMS keys", detail: `${KMS_KEYS_PER_REGION} x $${FIXED_RATES.kmsKeyUsdPerMonth}/month`, monthlyUsd: { min: kms, max: kms } },
  ];
}

function add(parts: readonly (MinMax | null)[]): MinMax | null {
  if (parts.some((part) => part === null)) return null;
  return {
    min: round(parts.reduce((sum, part) => sum + part!.min, 0)),
    max: round(parts.reduce((sum, part) => sum + part!.max, 0)),
  };
}

export function regionCost(region: RegionCostInput): RegionCost {
  const pools = region.pools.map((model) => poolCost(model, region.region));
  const system = nodePrice(region.systemPool.instanceType, "on-demand", region.region);
  const systemNodes = { min: region.systemPool.minSize, max: region.systemPool.maxSize };
  const systemPoolMonthlyUsd = monthly(system.usdPerHour, systemNodes);
  const overhead = overheadItems(region.natGateways);
  const rootVolumes = add([...pools.map((pool) => pool.ebsMonthlyUsd), ebs(SYSTEM_POOL_ROOT_VOLUME_GIB, systemNodes)])!;
  const fixed: FixedCost[] = [...overhead, { item: "EBS root volumes", detail: `gp3 $${FIXED_RATES.ebsGp3UsdPerGibMonth}/GiB-month, every node at min and max size`, monthlyUsd: rootVolumes }];
  const fixedMonthlyUsd = add(fixed.map((item) => item.monthlyUsd))!;
  const usageMonthlyUsd = add([...pools.map((pool) => pool.monthlyUsd), systemPoolMonthlyUsd]);
  return {
    region: region.region,
    pools,
    systemPoolInstanceType: region.systemPool.instanceType,
    systemPoolPrice: system,
    systemPoolMonthlyUsd,
    overheadMonthlyUsd: regionOverheadMonthlyUsd(region.natGateways),
    fixed,
    fixedMonthlyUsd,
    usageMonthlyUsd,
    totalMonthlyUsd: usageMonthlyUsd === null ? null : add([usageMonthlyUsd, fixedMonthlyUsd]),
    committed: pools.flatMap((pool) => (pool.committed ? [pool.committed] : [])),
    estimated: pools.some((pool) => pool.price.estimated),
    regionalPrices: system.regional && pools.every((pool) => pool.price.regional),
  };
}

/** One tenant's guaranteed share of one pool: quota units, the physical GPUs they stand for, and their price. */
export interface TenantQuotaCost {
  readonly tenant: string;
  readonly pool: string;
  readonly units: number;
  readonly quotaUnit: string;
  readonly physicalGpus: number;
  /** The quota's node-hours price for a month of full use (units x $/unit-hour x 730). */
  readonly monthlyAtFullUseUsd: number | null;
}

export function tenantQuotaCosts(quotas: readonly TenantPoolQuota[], pools: readonly PoolModel[], region: string = PRICE_SOURCE.region): TenantQuotaCost[] {
  return quotas.flatMap((quota) => {
    const model = pools.find((candidate) => candidate.pool.name === quota.pool);
    if (!model) return [];
    const cost = poolCost(model, region);
    return [
      {
        tenant: quota.tenant,
        pool: quota.pool,
        units: quota.nominal,
        quotaUnit: cost.quotaUnit,
        physicalGpus: guaranteedPhysicalGpus(model, quota.nominal),
        monthlyAtFullUseUsd: cost.committed || cost.usdPerQuotaUnitHour === null ? null : round(quota.nominal * cost.usdPerQuotaUnitHour * HOURS_PER_MONTH),
      },
    ];
  });
}
