/**
 * `npm run cost [-- --region <r>] [--config <dir>]`: per region and pool, the node price in that region, GPUs
 * and advertised units per node, the price per quota unit-hour (a GPU, replica or GPU of MIG slices) and per
 * GPU-hour, the monthly cost at min and max size; the region's fixed costs apart from node hours; Capacity
 * Blocks as committed spend; each tenant's quota in units and in the physical GPUs it guarantees; and how each
 * price was obtained.
 */
import { configDirFromEnv } from "../lib/config/load";
import { loadFleetModel, type RegionModel } from "../lib/model/region";
import { HOURS_PER_MONTH, PRICING_NOTES, regionCost, tenantQuotaCosts, type CommittedReservation, type NodePrice, type RegionCost } from "../lib/cost";
import { markdownTable, resourceList, usd, usdRate } from "../lib/format";
import { parseFlags, printDocument, single, UsageError } from "./cli-args";

const USAGE = "npm run cost -- [--region <region>] [--config <dir>]";

function rate(price: NodePrice): string {
  const value = usdRate(price.usdPerHour);
  if (price.committed) return `${value} (committed)`;
  if (price.range && price.range.low !== price.range.high) return `${value} (est., Spot ${usdRate(price.range.low)}-${usdRate(price.range.high)})`;
  return `${value}${price.estimated ? " (est.)" : ""}`;
}

export function renderRegionCost(cost: RegionCost): string {
  const rows = cost.pools.map((pool) => [
    pool.pool,
    pool.instanceType,
    pool.capacityType,
    rate(pool.price),
    pool.sharing,
    String(pool.physicalGpusPerNode),
    resourceList(pool.advertisedPerNode),
    `${pool.quotaUnitsPerNode} ${pool.quotaUnit}`,
    usdRate(pool.usdPerQuotaUnitHour),
    usdRate(pool.usdPerGpuHour),
    `${pool.nodes.min}-${pool.nodes.max}`,
    pool.committed ? "committed" : usd(pool.monthlyUsd?.min ?? null),
    pool.committed ? "committed" : usd(pool.monthlyUsd?.max ?? null),
  ]);
  const blank = (count: number) => new Array<string>(count).fill("");
  rows.push([
    "system pool",
    cost.systemPoolInstanceType,
    "on-demand",
    rate(cost.systemPoolPrice),
    ...blank(7),
    usd(cost.systemPoolMonthlyUsd?.min ?? null),
    usd(cost.systemPoolMonthlyUsd?.max ?? null),
  ]);
  rows.push([`**usage** (node hours)`, ...blank(10), usd(cost.usageMonthlyUsd?.min ?? null), usd(cost.usageMonthlyUsd?.max ?? null)]);
  for (const item of cost.fixed) rows.push([`fixed: ${item.item}`, item.detail, ...blank(9), usd(item.monthlyUsd.min), usd(item.monthlyUsd.max)]);
  rows.push([`**total**${cost.estimated ? " (incl. estimates)" : ""}`, ...blank(10), `**${usd(cost.totalMonthlyUsd?.min ?? null)}**`, `**${usd(cost.totalMonthlyUsd?.max ?? null)}**`]);
  return markdownTable(
    ["pool", "instance", "capacity", "$/node-hour", "sharing", "GPUs/node", "advertised/node", "quota units/node", "$/quota unit-hour", "$/GPU-hour", "nodes", "$/month at min", "$/month at max"],
    rows,
  );
}

export function committedSection(reservations: readonly CommittedReservation[]): string {
  if (reservations.length === 0) return "";
  const rows = reservations.map((block) => [
    block.region,
    block.pool,
    block.reservationId ? `\`${block.reservationId}\`` : "(no id in config)",
    `${block.instances} x ${block.instanceType}`,
    usdRate(block.usdPerInstanceHour),
    usd(block.monthlyEquivalentUsd),
    block.unknown,
  ]);
  return markdownTable(["region", "pool", "reservation", "instances (pool maxSize)", "$/instance-hour (indicative)", "per 730 h of block", "unknown"], rows);
}

function quotaSection(region: RegionModel): string {
  const quotas = tenantQuotaCosts(region.quotas, region.pools, region.region);
  if (quotas.length === 0) return "";
  const rows = quotas.map((quota) => [quota.tenant, quota.pool, `${quota.units} ${quota.quotaUnit}`, String(quota.physicalGpus), usd(quota.monthlyAtFullUseUsd)]);
  return markdownTable(["tenant", "pool", "guaranteed quota", "physical GPUs it stands for", "$/month at full use"], rows);
}

export function pricingNotes(): string {
  return [
    `- Monthly = ${HOURS_PER_MONTH} hours at the pool's min or max node count.`,
    `- ${PRICING_NOTES.onDemand}.`,
    `- ${PRICING_NOTES.spot}.`,
    `- ${PRICING_NOTES.capacityBlock}.`,
    `- ${PRICING_NOTES.fixed}.`,
    `- ${PRICING_NOTES.usage}.`,
    `- ${PRICING_NOTES.unit}.`,
  ].join("\n");
}

function regionSection(region: RegionModel): string {
  const cost = regionCost({ ...region.config, pools: region.pools });
  const parts = [`## ${region.region}`, renderRegionCost(cost)];
  const warnings = cost.pools.flatMap((pool) => pool.warnings.map((warning) => `- ${pool.pool}: ${warning}`));
  if (warnings.length > 0) parts.push(`Warnings:\n\n${warnings.join("\n")}`);
  const committed = committedSection(cost.committed);
  if (committed) parts.push(`Committed (Capacity Blocks, paid up front, not in the totals):\n\n${committed}`);
  const quotas = quotaSection(region);
  if (quotas) parts.push(`Tenant quotas (time-slicing multiplies quota units, not GPUs):\n\n${quotas}`);
  return parts.join("\n\n");
}

export function renderCostReport(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  const flags = parseFlags(argv, { region: { takesValue: true }, config: { takesValue: true } }, USAGE);
  const config = loadFleetModel(single(flags, "config") ?? configDirFromEnv(env));
  const wanted = single(flags, "region");
  const regions = wanted ? config.regions.filter((region) => region.region === wanted) : config.regions;
  if (wanted && regions.length === 0) {
    throw new UsageError(`region "${wanted}" is not in the config; active regions: ${config.regions.map((r) => r.region).join(", ")}`, USAGE);
  }
  return `# FastGPU cost report\n\n${regions.map(regionSection).join("\n\n")}\n\n### How prices are obtained\n\n${pricingNotes()}\n`;
}

if (require.main === module) printDocument(() => renderCostReport(process.argv.slice(2)));
