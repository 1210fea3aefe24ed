/**
 * The pull-request comment. Top down: the dangers of the change (data, then capacity, then cost, grouped by
 * region), what each stack plans, the monthly cost (headline, per region, per pool with $ per quota
 * unit-hour, fixed costs apart from usage, committed Capacity Blocks, tenant quotas in physical GPUs), GPU
 * capacity, versions, then folded details. It stays under GitHub's comment limit by shortening, in this
 * order, the details, then the breakdown tables, then the wording of the danger list; the danger list never
 * loses a region and the per-stack table and the cost headline are never cut.
 */
import { HOURS_PER_MONTH, regionCost, tenantQuotaCosts, type MinMax, type PoolCost, type RegionCost } from "../cost";
import { markdownTable, usd, usdRate } from "../format";
import { buildPoolModels } from "../model/region";
import type { ResourceCounts } from "../model/sharing";
import { resolveTenantQuotas } from "../tenancy/quotas";
import type { ResourceChange } from "./changes";
import { classifyDangers, dangerCounts, DANGER_CLASSES, helmChangeLines, type Danger, type DangerClass, type FactsSide, type RegionPreview, type StackPreview, type SynthPair } from "./dangers";
import type { RegionFacts } from "./region-facts";
import { statefulReason } from "./stateful";
import type { VersionBump } from "./versions";

export type { FactsSide, RegionPreview, StackPreview, SynthPair } from "./dangers";

export const COMMENT_MARKER = "<!-- fastgpu-plan-preview -->";
/** GitHub rejects comments over 65,536 characters; keep a margin for the workflow's own header and failures. */
export const COMMENT_LIMIT = 65_536;
const BUDGET = COMMENT_LIMIT - 1_536;
/** The danger list, the per-stack table and the cost headline stay under this share of the budget. */
const SUMMARY_SHARE = 0.6;

export interface PreviewInput {
  readonly stacks: readonly StackPreview[];
  readonly regions: readonly RegionPreview[];
  readonly versions: readonly VersionBump[];
  /** Both synth outputs: Helm values are then compared object by object and replacements followed through references. */
  readonly synth?: SynthPair;
}

export interface StatefulRisk {
  readonly stack: string;
  readonly change: ResourceChange;
  readonly reason: string;
}

/** Destroys and replacements (certain from a plan, likely from a synth diff) of stateful resources. */
export function statefulRisks(stacks: readonly StackPreview[]): StatefulRisk[] {
  const risks: StatefulRisk[] = [];
  for (const stack of stacks) {
    for (const change of stack.changes.changes) {
      const reason = statefulReason(change.type);
      const destructive = change.action === "delete" || change.action === "replace" || change.likelyReplaced === true;
      if (reason && destructive) risks.push({ stack: stack.name, change, reason });
    }
  }
  return risks;
}

function factsOf(side: FactsSide): RegionFacts | undefined {
  return "facts" in side ? side.facts : undefined;
}

function sideNote(side: FactsSide): string | undefined {
  if ("error" in side) return side.error;
  return undefined;
}

/**
 * The base side was synthesized by older code: its pools may name an instance type or GPU this catalog no
 * longer knows. Such a cell reads "n/a (why)" instead of failing the whole preview. The head side was checked
 * against this catalog when it was synthesized, so an error there is a bug and fails the preview.
 */
function orUnavailable<T>(side: "base" | "head", compute: () => T): T | { unavailable: string } {
  if (side === "head") return compute();
  try {
    return compute();
  } catch (error) {
    return { unavailable: `n/a (${(error as Error).message})` };
  }
}

// --- dangers ---------------------------------------------------------------------------------------------

const CLASS_TITLE: Record<DangerClass, { alert: string; title: string; what: string }> = {
  data: { alert: "CAUTION", title: "Data", what: "state, data or retention lost or left unmanaged" },
  capacity: { alert: "WARNING", title: "Capacity", what: "running work stopped, rolled or refused" },
  cost: { alert: "IMPORTANT", title: "Cost", what: "spend that moves" },
};

function byRegion(dangers: readonly Danger[]): Map<string, Danger[]> {
  const groups = new Map<string, Danger[]>();
  for (const danger of dangers) groups.set(danger.region, [...(groups.get(danger.region) ?? []), danger]);
  return groups;
}

function kindsOf(dangers: readonly Danger[]): string {
  const counts = new Map<string, number>();
  for (const danger of dangers) counts.set(danger.kind, (counts.get(danger.kind) ?? 0) + 1);
  return [...counts.entries()].map(([kind, count]) => `${count} ${kind}`).join(", ");
}

/**
 * One alert block per class. `level` shortens it to fit: 0 every danger, 1 at most 4 per region, 2 one line
 * per region with the first danger cut short, 3 one line per region with counts. Every region stays listed.
 */
function dangerBlocks(dangers: readonly Danger[], level: number): string {
  const blocks: string[] = [];
  for (const cls of DANGER_CLASSES) {
    const mine = dangers.filter((danger) => danger.class === cls);
    if (mine.length === 0) continue;
    const { alert, title, what } = CLASS_TITLE[cls];
    const lines = [`> [!${alert}]`, `> **${title}: ${mine.length} danger(s)** (${what})`];
    for (const [region, group] of byRegion(mine)) {
      const name = region || "fleet";
      if (level <= 1) {
        lines.push(">", `> **${name}**`);
        const shown = level === 0 ? group : group.slice(0, 4);
        for (const danger of shown) lines.push(`> - ${danger.message}`);
        if (shown.length < group.length) lines.push(`> - ... and ${group.length - shown.length} more in ${name} (${kindsOf(group.slice(shown.length))}); run \`npm run preview\` locally for all`);
      } else if (level === 2) {
        const first = group[0].message.length > 240 ? `${group[0].message.slice(0, 237)}...` : group[0].message;
        lines.push(`> - **${name}** (${kindsOf(group)}): ${first}`);
      } else {
        lines.push(`> - **${name}**: ${kindsOf(group)}`);
      }
    }
    blocks.push(lines.join("\n"));
  }
  return blocks.join("\n\n");
}

// --- changes ---------------------------------------------------------------------------------------------

function changesSection(stacks: readonly StackPreview[]): string {
  const table = markdownTable(
    ["region", "stack", "summary"],
    stacks.map((stack) => [stack.region || "-", `\`${stack.name}\``, stack.changes.summary]),
  );
  const changed = stacks.filter((stack) => stack.changes.changes.length > 0 || (stack.changes.notes ?? []).length > 0).length;
  const lines = [table, ""];
  const warnings = stacks.flatMap((stack) => (stack.changes.warnings ?? []).map((warning) => `- \`${stack.name}\`: ${warning}`));
  if (warnings.length > 0) lines.push("Terraform warns:", "", ...warnings, "");
  lines.push(`<sub>${stacks.length} stack(s): ${changed} with changes, ${stacks.length - changed} without.</sub>`);
  if (stacks.some((stack) => stack.changes.source === "synth")) {
    lines.push("", "<sub>Stacks without a plan are compared synth against synth: resources added, changed and removed; only a plan knows for sure what gets replaced.</sub>");
  }
  return lines.join("\n");
}

// --- cost ------------------------------------------------------------------------------------------------

type Priced = { readonly cost: RegionCost; readonly models: ReturnType<typeof buildPoolModels> } | { readonly unavailable: string } | undefined;

function priced(which: "base" | "head", side: FactsSide): Priced {
  const facts = factsOf(side);
  if (!facts) return undefined;
  return orUnavailable(which, () => {
    const models = buildPoolModels(facts.gpuPools);
    return { cost: regionCost({ ...facts, pools: models }), models };
  });
}

function totalOf(side: Priced): MinMax | null | undefined {
  if (side === undefined) return { min: 0, max: 0 }; // the region does not exist on that side: $0
  if ("unavailable" in side) return undefined;
  return side.cost.totalMonthlyUsd;
}

function percent(before: number, after: number): string {
  if (before === 0) return "";
  const value = ((after - before) / before) * 100;
  if (Math.abs(value) < 0.05) return ` (${value >= 0 ? "+" : "-"}<0.1%)`;
  return ` (${value >= 0 ? "+" : ""}${Math.abs(value) < 10 ? value.toFixed(1) : value.toFixed(0)}%)`;
}

function delta(before: number | null | undefined, after: number | null | undefined, withPercent = true): string {
  if (before === undefined || before === null || after === undefined || after === null) return "";
  const difference = after - before;
  if (Math.abs(difference) < 0.005) return "±$0.00";
  return `${difference > 0 ? "+" : "-"}${usd(Math.abs(difference))}${withPercent ? percent(before, after) : ""}`;
}

/**
 * How a region's bill follows its config: `both` when the state moves (the old copy keeps running beside the new
 * one), `orphaned` when the region leaves the app (it keeps running until its stacks are destroyed).
 */
type Billing = "both" | "orphaned" | undefined;

interface CostView {
  readonly regions: readonly { region: string; before: Priced; after: Priced; billing: Billing }[];
}

function costView(regions: readonly RegionPreview[], dangers: readonly Danger[]): CostView {
  const billing = (region: string): Billing =>
    dangers.some((danger) => danger.region === region && danger.kind === "state-moved")
      ? "both"
      : dangers.some((danger) => danger.region === region && danger.kind === "region-unmanaged")
        ? "orphaned"
        : undefined;
  return { regions: regions.map((region) => ({ region: region.region, before: priced("base", region.before), after: priced("head", region.after), billing: billing(region.region) })) };
}

/** What the region bills after the merge: the config's cost, both copies, or the unmanaged region still running. */
function billed(region: CostView["regions"][number]): MinMax | null | undefined {
  const before = totalOf(region.before);
  const after = totalOf(region.after);
  if (region.billing === "orphaned") return before;
  if (region.billing === "both") return before && after ? { min: before.min + after.min, max: before.max + after.max } : undefined;
  return after;
}

function headline(view: CostView): string {
  let before = { min: 0, max: 0 };
  let after = { min: 0, max: 0 };
  const skipped: string[] = [];
  for (const region of view.regions) {
    const a = totalOf(region.before);
    const b = billed(region);
    if (!a || !b) {
      skipped.push(region.region);
      continue;
    }
    before = { min: before.min + a.min, max: before.max + a.max };
    after = { min: after.min + b.min, max: after.max + b.max };
  }
  const sentence = (bound: "min" | "max") => {
    const difference = after[bound] - before[bound];
    if (Math.abs(difference) < 0.005) return `unchanged at ${usd(after[bound])}`;
    return `${difference > 0 ? "up" : "down"} ${usd(Math.abs(difference))}${percent(before[bound], after[bound])}, ${usd(before[bound])} -> ${usd(after[bound])}`;
  };
  const committed = view.regions.flatMap((region) => (region.after && "cost" in region.after ? region.after.cost.committed : []));
  const both = view.regions.filter((region) => region.billing === "both").map((region) => region.region);
  const orphaned = view.regions.filter((region) => region.billing === "orphaned").map((region) => region.region);
  const parts = [
    `**Monthly cost of the fleet at max size: ${sentence("max")}; at min size (always on): ${sentence("min")}.**`,
    `<sub>What AWS bills after the merge: usage (node hours) plus fixed costs${both.length > 0 ? `; ${both.join(", ")} counted twice (the state moves: the old copy keeps running beside the new)` : ""}${orphaned.length > 0 ? `; ${orphaned.join(", ")} still billed (removed from the config, not destroyed)` : ""}${committed.length > 0 ? `; ${committed.length} Capacity Block pool(s) are committed spend, listed apart and not in these totals` : ""}${skipped.length > 0 ? `; ${skipped.join(", ")} left out (a side could not be priced)` : ""}.</sub>`,
  ];
  return parts.join("\n");
}

function regionCostTable(view: CostView): string {
  const cell = (side: Priced, bound: "min" | "max") => (side && "unavailable" in side ? side.unavailable : usd(totalOf(side)?.[bound] ?? null));
  const rows = view.regions.map((region) => {
    const { before, after, billing } = region;
    const a = totalOf(before);
    const b = billed(region);
    const afterCell = (bound: "min" | "max") =>
      billing === "both"
        ? `${usd(b?.[bound] ?? null)} (old copy still running + new)`
        : billing === "orphaned"
          ? `${usd(a?.[bound] ?? null)} (still billed: $0.00 in the config until destroyed)`
          : cell(after, bound);
    return [region.region, cell(before, "min"), afterCell("min"), delta(a?.min, b?.min), cell(before, "max"), afterCell("max"), delta(a?.max, b?.max)];
  });
  return markdownTable(["region", "at min, before", "after", "change", "at max, before", "after", "change"], rows);
}

function advertisedLabel(model: ReturnType<typeof buildPoolModels>[number]): string {
  // Time-slicing advertises replicas as nvidia.com/gpu: say so, so "0-64 gpu" does not read as 64 GPUs.
  const gpus = model.advertisedPerNode["nvidia.com/gpu"];
  return gpus !== undefined && gpus !== model.physicalGpusPerNode ? ` (${model.sharing.summary}: replicas, not GPUs)` : "";
}

function poolCell(pool: PoolCost | undefined): { rate: string; unit: string; gpu: string; nodes: string; monthly: string } {
  if (!pool) return { rate: "-", unit: "-", gpu: "-", nodes: "-", monthly: "$0.00" };
  const rate = `${usdRate(pool.price.usdPerHour)}${pool.price.committed ? " committed" : pool.price.estimated ? ` ${pool.price.basis === "Spot estimate" ? "Spot est." : pool.price.basis}` : ""}${pool.price.regional ? "" : " (us-east-1 rate)"}`;
  const total = poolMonthly(pool);
  return {
    rate,
    unit: `${usdRate(pool.usdPerQuotaUnitHour)} per ${pool.quotaUnit.replace(/s(?= |$)/, "")}`,
    gpu: usdRate(pool.usdPerGpuHour),
    nodes: `${pool.nodes.min}-${pool.nodes.max}`,
    monthly: `${usd(total.min)}-${usd(total.max)}${pool.committed ? " + committed block" : ""}`,
  };
}

/** Node hours plus root volumes; a Capacity Block pool's node hours are committed, so only its volumes count. */
function poolMonthly(pool: PoolCost | undefined): MinMax {
  if (!pool) return { min: 0, max: 0 };
  return { min: (pool.monthlyUsd?.min ?? 0) + pool.ebsMonthlyUsd.min, max: (pool.monthlyUsd?.max ?? 0) + pool.ebsMonthlyUsd.max };
}

function samePool(a: PoolCost | undefined, b: PoolCost | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Per-pool rows of pools that change (price, size, sharing), with $ per quota unit-hour and per GPU-hour. */
function poolRows(view: CostView): { rows: string[][]; unchanged: number } {
  const rows: string[][] = [];
  let unchanged = 0;
  for (const { region, before, after } of view.regions) {
    const a = before && "cost" in before ? before.cost.pools : [];
    const b = after && "cost" in after ? after.cost.pools : [];
    const names = [...new Set([...a.map((pool) => pool.pool), ...b.map((pool) => pool.pool)])];
    for (const name of names) {
      const old = a.find((pool) => pool.pool === name);
      const now = b.find((pool) => pool.pool === name);
      if (samePool(old, now)) {
        unchanged++;
        continue;
      }
      const x = poolCell(old);
      const y = poolCell(now);
      const shown = now ?? old!;
      const was = poolMonthly(old);
      const is = poolMonthly(now);
      const both = (left: string, right: string) => (left === right ? right : `${left} -> ${right}`);
      rows.push([
        region,
        name,
        `${shown.instanceType} ${shown.capacityType}, ${shown.sharing}`,
        both(x.rate, y.rate),
        both(x.unit, y.unit),
        both(x.gpu, y.gpu),
        both(x.nodes, y.nodes),
        both(x.monthly, y.monthly),
        `min ${delta(was.min, is.min)}, max ${delta(was.max, is.max)}`,
      ]);
    }
  }
  return { rows, unchanged };
}

function fixedRows(view: CostView): string[][] {
  return view.regions.flatMap(({ region, before, after }) => {
    const side = (p: Priced) => (p && "cost" in p ? p.cost : undefined);
    const a = side(before);
    const b = side(after);
    if (!b && !a) return [];
    const usage = (cost: RegionCost | undefined) => (cost?.usageMonthlyUsd ? `${usd(cost.usageMonthlyUsd.min)}-${usd(cost.usageMonthlyUsd.max)}` : cost ? "n/a" : "$0.00");
    const fixed = (cost: RegionCost | undefined) => (cost ? `${usd(cost.fixedMonthlyUsd.min)}-${usd(cost.fixedMonthlyUsd.max)}` : "$0.00");
    const changed = (x: string, y: string) => (x === y ? y : `${x} -> ${y}`);
    const committed = b?.committed.length ? b.committed.map((block) => `${block.pool} ${block.reservationId ?? "(no id)"}`).join(", ") : "-";
    return [[region, changed(usage(a), usage(b)), changed(fixed(a), fixed(b)), committed]];
  });
}

function committedRows(view: CostView): string[][] {
  return view.regions.flatMap(({ after }) =>
    after && "cost" in after
      ? after.cost.committed.map((block) => [
          block.region,
          block.pool,
          block.reservationId ? `\`${block.reservationId}\`` : "(no id in config)",
          `${block.instances} x ${block.instanceType}`,
          `${usdRate(block.usdPerInstanceHour)} (last published; indicative)`,
          usd(block.monthlyEquivalentUsd),
          block.unknown,
        ])
      : [],
  );
}

/** Tenant quotas whose units or guaranteed physical GPUs change. */
function quotaRows(view: CostView, regions: readonly RegionPreview[]): { rows: string[][]; note: boolean } {
  const rows: string[][] = [];
  let note = false;
  for (const preview of regions) {
    const region = view.regions.find((candidate) => candidate.region === preview.region)!;
    const quotasOf = (side: FactsSide, p: Priced) => {
      const facts = factsOf(side);
      if (!facts?.quotas || !p || !("cost" in p)) return [];
      return tenantQuotaCosts(resolveTenantQuotas(facts.quotas), p.models, preview.region);
    };
    const a = quotasOf(preview.before, region.before);
    const b = quotasOf(preview.after, region.after);
    const keys = [...new Set([...a, ...b].map((quota) => `${quota.tenant}/${quota.pool}`))];
    for (const key of keys) {
      const old = a.find((quota) => `${quota.tenant}/${quota.pool}` === key);
      const now = b.find((quota) => `${quota.tenant}/${quota.pool}` === key);
      if (old && now && old.units === now.units && old.physicalGpus === now.physicalGpus && old.quotaUnit === now.quotaUnit) continue;
      const [tenant, pool] = key.split("/");
      const units = (quota: typeof old) => (quota ? `${quota.units} ${quota.quotaUnit}` : "-");
      const gpus = (quota: typeof old) => (quota ? String(quota.physicalGpus) : "-");
      if ((now && now.units !== now.physicalGpus) || (old && old.units !== old.physicalGpus)) note = true;
      rows.push([preview.region, tenant, pool, `${units(old)} -> ${units(now)}`, `${gpus(old)} -> ${gpus(now)}`]);
    }
  }
  return { rows, note };
}

const PRICE_NOTE =
  `<sub>Monthly = ${HOURS_PER_MONTH} h at min or max size. On-Demand per region and Spot (the highest discounted AZ price, per family and region) from a dated price snapshot; ` +
  "fixed costs (EKS, NAT gateways and their IPv4 addresses, interface endpoints, KMS keys, gp3 root volumes) at us-east-1 rates; Capacity Blocks are committed spend, not in the totals; " +
  "S3 storage, data processed, logs and cross-AZ traffic are usage-based and not estimated. Sources, ranges and per-region detail: `npm run cost`.</sub>";

// --- capacity --------------------------------------------------------------------------------------------

function countsRange(counts: { min: ResourceCounts; max: ResourceCounts }): string {
  const names = [...new Set([...Object.keys(counts.min), ...Object.keys(counts.max)])].sort();
  if (names.length === 0) return "-";
  return names.map((name) => `${counts.min[name] ?? 0}-${counts.max[name] ?? 0} ${name.replace(/^nvidia\.com\//, "")}`).join(", ");
}

function capacityCell(side: "base" | "head", facts: RegionFacts | undefined, pool: string): { physical: string; advertised: string } {
  const config = facts?.gpuPools.find((candidate) => candidate.name === pool);
  if (!config) return { physical: "-", advertised: "-" };
  const derived = orUnavailable(side, () => buildPoolModels([config])[0]);
  if ("unavailable" in derived) return { physical: derived.unavailable, advertised: "n/a" };
  const physical = `${derived.physicalGpus.min}-${derived.physicalGpus.max} x ${derived.gpu.name.replace(/^NVIDIA /, "")}`;
  return { physical, advertised: `${countsRange(derived.advertised)}${advertisedLabel(derived)}` };
}

function capacityRows(regions: readonly RegionPreview[]): { rows: string[][]; unchanged: number } {
  const rows: string[][] = [];
  let unchanged = 0;
  for (const region of regions) {
    const before = factsOf(region.before);
    const after = factsOf(region.after);
    const pools = [...new Set([...(before?.gpuPools ?? []).map((p) => p.name), ...(after?.gpuPools ?? []).map((p) => p.name)])];
    for (const pool of pools) {
      const b = capacityCell("base", before, pool);
      const a = capacityCell("head", after, pool);
      const changed = b.physical !== a.physical || b.advertised !== a.advertised;
      if (!changed) {
        unchanged++;
        continue;
      }
      rows.push([region.region, pool, b.physical, a.physical, b.advertised, a.advertised, "**changed**"]);
    }
    for (const [label, side] of [["base", region.before], ["head", region.after]] as const) {
      const note = sideNote(side);
      if (note) rows.push([region.region, `(${label} facts unavailable)`, note, "", "", "", ""]);
    }
  }
  return { rows, unchanged };
}

// --- versions and details --------------------------------------------------------------------------------

function versionRows(bumps: readonly VersionBump[]): string[][] {
  return bumps.map((bump) => [bump.component, bump.before ?? "(none)", bump.after ?? "(removed)"]);
}

const ACTION_LABEL: Record<ResourceChange["action"], string> = {
  create: "created",
  update: "changed",
  replace: "replaced",
  delete: "destroyed",
};

function stackDetailLines(stack: StackPreview, synth: SynthPair | undefined): string[] {
  const lines: string[] = [];
  for (const action of ["replace", "delete", "create", "update"] as const) {
    for (const change of stack.changes.changes.filter((entry) => entry.action === action)) {
      const objects = helmChangeLines(change, stack.name, synth);
      const paths = change.paths.length > 0 ? `: ${change.paths.slice(0, 8).join(", ")}${change.paths.length > 8 ? `, +${change.paths.length - 8} more` : ""}` : "";
      const flag = change.likelyReplaced ? " (likely replaced)" : "";
      if (objects && objects.length > 0) {
        lines.push(`- ${ACTION_LABEL[action]} \`${change.address}\`${flag}: ${objects.length === 1 && objects[0].startsWith("values: ") ? "its values" : `${objects.length} object change(s)`}`);
        for (const object of objects) lines.push(`  - ${object}`);
      } else lines.push(`- ${ACTION_LABEL[action]} \`${change.address}\`${flag}${paths}`);
      for (const words of change.terraform ?? []) lines.push(`  - Terraform: ${words}`);
    }
  }
  for (const note of stack.changes.notes ?? []) lines.push(`- ${note.kind} \`${note.address}\`${note.terraform.length > 0 ? `: ${note.terraform.join("; ")}` : ""}`);
  return lines;
}

function details(summary: string, lines: readonly string[]): string {
  return `<details><summary>${summary}</summary>\n\n${lines.join("\n")}\n\n</details>`;
}

/** A table cut to fit `room` characters, with a note of the rows left out. */
function fittedTable(headers: readonly string[], rows: readonly string[][], room: number): { text: string; cut: boolean } {
  let kept = rows.length;
  let text = markdownTable(headers, rows);
  while (text.length > room && kept > 0) {
    kept = Math.floor(kept / 2);
    text = `${markdownTable(headers, rows.slice(0, kept))}\n\n<sub>... ${rows.length - kept} more row(s) not shown (GitHub's comment limit); run \`npm run preview\` locally for all.</sub>`;
  }
  return { text, cut: kept < rows.length };
}

// --- the comment -----------------------------------------------------------------------------------------

export function renderPreview(input: PreviewInput): string {
  const dangers = classifyDangers(input);
  const counts = dangerCounts(dangers);
  const stateful = statefulRisks(input.stacks).length;
  const view = costView(input.regions, dangers);

  const top = [
    COMMENT_MARKER,
    `<!-- fastgpu-dangers data=${counts.data} capacity=${counts.capacity} cost=${counts.cost} stateful=${stateful} -->`,
    "## FastGPU plan preview",
    "",
  ];
  const rest = ["### Changes", "", changesSection(input.stacks), "", "### Monthly cost", "", headline(view), "", regionCostTable(view)];
  let level = 0;
  let dangerText = dangers.length > 0 ? dangerBlocks(dangers, level) : "No dangers found: nothing is destroyed, orphaned or rolled, and no limit is hit.";
  const summaryLength = () => top.join("\n").length + dangerText.length + rest.join("\n").length + 4;
  while (dangers.length > 0 && summaryLength() > BUDGET * SUMMARY_SHARE && level < 3) dangerText = dangerBlocks(dangers, ++level);
  const summary = [...top, dangerText, "", ...rest].join("\n");

  // The breakdown tables take what the summary leaves (less room for the capacity heading, details and notes);
  // each is cut to fit in turn.
  let remaining = BUDGET - summary.length - 1_200;
  let truncated = false;
  const sections: string[] = [];
  const add = (text: string) => {
    sections.push(text);
    remaining -= text.length + 2;
  };
  const table = (title: string, headers: readonly string[], rows: readonly string[][], after = "") => {
    if (rows.length === 0) return;
    const fitted = fittedTable(headers, rows, Math.max(400, remaining - title.length - after.length - 8));
    truncated ||= fitted.cut;
    add([title, fitted.text, after].filter(Boolean).join("\n\n"));
  };

  const pools = poolRows(view);
  table(
    "Pools that change (per month at min-max size: node hours plus root volumes):",
    ["region", "pool", "instance, capacity, sharing", "$/node-hour", "$/quota unit-hour", "$/GPU-hour", "nodes", "$/month (min-max)", "change"],
    pools.rows,
    pools.unchanged > 0 ? `<sub>${pools.unchanged} pool(s) unchanged, not listed.</sub>` : "",
  );
  table("Usage (node hours) and fixed costs, min-max per month:", ["region", "usage", "fixed", "committed (Capacity Blocks)"], fixedRows(view));
  table(
    "Committed: Capacity Blocks (paid up front per reservation, not in the totals):",
    ["region", "pool", "reservation", "instances (pool maxSize)", "$/instance-hour", "per 730 h of block", "unknown"],
    committedRows(view),
  );
  const quotas = quotaRows(view, input.regions);
  table(
    "Tenant quotas that change (quota units and the physical GPUs they guarantee):",
    ["region", "tenant", "pool", "quota", "guaranteed physical GPUs"],
    quotas.rows,
    quotas.note ? "<sub>Time-slicing multiplies quota units, not GPUs: a replica is a share of one GPU with no isolation.</sub>" : "",
  );
  add(PRICE_NOTE);
  add("### GPU capacity");
  const capacity = capacityRows(input.regions);
  if (capacity.rows.length === 0) add(capacity.unchanged > 0 ? `No GPU pool changes (${capacity.unchanged} pool(s) unchanged).` : "No GPU pools.");
  else {
    table(
      "",
      ["region", "pool", "physical GPUs before (min-max)", "after", "advertised before (min-max)", "after", ""],
      capacity.rows,
      capacity.unchanged > 0 ? `<sub>${capacity.unchanged} pool(s) unchanged, not listed.</sub>` : "",
    );
  }
  add("### Versions");
  if (input.versions.length === 0) add("No version changes.");
  else table("", ["component", "before", "after"], versionRows(input.versions));

  // Details fill what is left; a stack whose list does not fit is cut with a note.
  const blocks: string[] = [];
  const omitted: string[] = [];
  remaining += 600;
  for (const stack of input.stacks) {
    const lines = stackDetailLines(stack, input.synth);
    if (lines.length === 0) continue;
    const title = `${stack.name}: ${stack.changes.changes.length} resource change(s)`;
    let kept = lines.length;
    let block = details(title, lines);
    while (block.length + 2 > remaining && kept > 0) {
      kept = Math.max(0, Math.floor(kept / 2));
      block = details(title, [...lines.slice(0, kept), `- ... ${lines.length - kept} more not shown (GitHub's comment limit); run \`npm run preview\` locally for all`]);
      truncated = true;
    }
    if (block.length + 2 > remaining) {
      omitted.push(stack.name);
      continue;
    }
    blocks.push(block);
    remaining -= block.length + 2;
  }
  if (omitted.length > 0) {
    blocks.push(`- Details of ${omitted.length} more stack(s), from \`${omitted[0]}\` on, not shown (GitHub's comment limit); run \`npm run preview\` locally.`);
  }
  const tail = truncated || omitted.length > 0 || level > 0 ? ["", "<sub>Some parts were shortened to fit GitHub's 65,536-character comment limit; the dangers list every region and the per-stack table is complete.</sub>"] : [];
  const detailsPart = blocks.length > 0 ? ["### Details", "", ...blocks.flatMap((block) => [block, ""])] : [];
  return [summary, "", ...sections.flatMap((section) => [section, ""]), ...detailsPart, ...tail].join("\n").replace(/\n+$/, "\n");
}
