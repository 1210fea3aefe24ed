/**
 * `npm run cost [-- --region <r>] [--config <dir>]`: per region and pool, the node price, GPUs and advertised
 * units per node, the price per quota unit-hour (a GPU, replica or GPU of MIG slices) and the monthly cost at min and max size, with region
 * totals and how each price was obtained.
 */
import { configDirFromEnv } from "../lib/config/load";
import { loadFleetModel } from "../lib/model/region";
import { HOURS_PER_MONTH, PRICING_NOTES, regionCost, type RegionCost } from "../lib/cost";
import { markdownTable, resourceList, usd, usdRate } from "../lib/format";
import { parseFlags, printDocument, single, UsageError } from "./cli-args";

const USAGE = "npm run cost -- [--region <region>] [--config <dir>]";

export function renderRegionCost(cost: RegionCost): string {
  const rows = cost.pools.map((pool) => [
    pool.pool,
    pool.instanceType,
    pool.capacityType,
    `${usdRate(pool.price.usdPerHour)}${pool.price.estimated ? " (est.)" : ""}`,
    pool.sharing,
    String(pool.physicalGpusPerNode),
    resourceList(pool.advertisedPerNode),
    `${pool.quotaUnitsPerNode} ${pool.quotaUnit}`,
    usdRate(pool.usdPerQuotaUnitHour),
    `${pool.nodes.min}-${pool.nodes.max}`,
    usd(pool.monthlyUsd?.min ?? null),
    usd(pool.monthlyUsd?.max ?? null),
  ]);
  const blank = (count: number) => new Array<string>(count).fill("");
  rows.push(["system pool", cost.systemPoolInstanceType, "on-demand", ...blank(7), usd(cost.systemPoolMonthlyUsd?.min ?? null), usd(cost.systemPoolMonthlyUsd?.max ?? null)]);
  rows.push(["overhead", "EKS, NAT, endpoints", ...blank(8), usd(cost.overheadMonthlyUsd), usd(cost.overheadMonthlyUsd)]);
  rows.push([`**total**${cost.estimated ? " (incl. estimates)" : ""}`, ...blank(9), `**${usd(cost.totalMonthlyUsd?.min ?? null)}**`, `**${usd(cost.totalMonthlyUsd?.max ?? null)}**`]);
  return markdownTable(
    ["pool", "instance", "capacity", "$/node-hour", "sharing", "GPUs/node", "advertised/node", "quota units/node", "$/quota unit-hour", "nodes", "$/month at min", "$/month at max"],
    rows,
  );
}

export function pricingNotes(): string {
  return [
    `- Monthly = ${HOURS_PER_MONTH} hours at the pool's min or max node count.`,
    `- ${PRICING_NOTES.onDemand}.`,
    `- ${PRICING_NOTES.spot}.`,
    `- ${PRICING_NOTES.capacityBlock}.`,
    `- ${PRICING_NOTES.overhead}.`,
    `- ${PRICING_NOTES.unit}.`,
  ].join("\n");
}

export function renderCostReport(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  const flags = parseFlags(argv, { region: { takesValue: true }, config: { takesValue: true } }, USAGE);
  const config = loadFleetModel(single(flags, "config") ?? configDirFromEnv(env));
  const wanted = single(flags, "region");
  const regions = wanted ? config.regions.filter((region) => region.region === wanted) : config.regions;
  if (wanted && regions.length === 0) {
    throw new UsageError(`region "${wanted}" is not in the config; active regions: ${config.regions.map((r) => r.region).join(", ")}`, USAGE);
  }
  const sections = regions.map((region) => `## ${region.region}\n\n${renderRegionCost(regionCost({ ...region.config, pools: region.pools }))}`);
  return `# FastGPU cost report\n\n${sections.join("\n\n")}\n\n### How prices are obtained\n\n${pricingNotes()}\n`;
}

if (require.main === module) printDocument(() => renderCostReport(process.argv.slice(2)));
