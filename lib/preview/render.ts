/**
 * The pull-request comment: a summary a reviewer reads in a minute (stateful destroys first, then per stack
 * what changes, GPU capacity and monthly cost before and after, version bumps), then folded details. It stays
 * under GitHub's comment limit by shortening the details, never the summary.
 */
import { regionCost, PRICING_NOTES, type MinMax } from "../cost";
import { markdownTable, usd } from "../format";
import type { ResourceChange, StackChanges } from "./changes";
import type { RegionFacts } from "./region-facts";
import { statefulReason } from "./stateful";
import type { VersionBump } from "./versions";
import { buildPoolModels } from "../model/region";
import type { ResourceCounts } from "../model/sharing";

export const COMMENT_MARKER = "<!-- fastgpu-plan-preview -->";
/** GitHub rejects comments over 65,536 characters; keep a margin for the workflow's own footer. */
export const COMMENT_LIMIT = 65_536;
const BUDGET = COMMENT_LIMIT - 1_536;
/** The caution list names this many resources; the rest are counted (and listed in the details). */
const MAX_LISTED_RISKS = 40;

export interface StackPreview {
  readonly name: string;
  readonly region: string;
  readonly kind: string;
  readonly changes: StackChanges;
}

export type FactsSide = { readonly facts: RegionFacts } | { readonly error: string } | { readonly absent: true };

export interface RegionPreview {
  readonly region: string;
  readonly before: FactsSide;
  readonly after: FactsSide;
}

export interface PreviewInput {
  readonly stacks: readonly StackPreview[];
  readonly regions: readonly RegionPreview[];
  readonly versions: readonly VersionBump[];
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

function verb(change: ResourceChange): string {
  if (change.action === "delete") return "destroyed";
  if (change.action === "replace") return "replaced";
  return "likely replaced (a field it cannot update in place changes)";
}

function factsOf(side: FactsSide): RegionFacts | undefined {
  return "facts" in side ? side.facts : undefined;
}

function sideNote(side: FactsSide): string | undefined {
  if ("error" in side) return side.error;
  return undefined;
}

function range(counts: { min: ResourceCounts; max: ResourceCounts }): string {
  const names = [...new Set([...Object.keys(counts.min), ...Object.keys(counts.max)])].sort();
  if (names.length === 0) return "-";
  return names.map((name) => `${counts.min[name] ?? 0}-${counts.max[name] ?? 0} ${name.replace(/^nvidia\.com\//, "")}`).join(", ");
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

function capacityCell(side: "base" | "head", facts: RegionFacts | undefined, pool: string): { physical: string; advertised: string } {
  const config = facts?.gpuPools.find((candidate) => candidate.name === pool);
  if (!config) return { physical: "-", advertised: "-" };
  const derived = orUnavailable(side, () => buildPoolModels([config])[0]);
  if ("unavailable" in derived) return { physical: derived.unavailable, advertised: "n/a" };
  const physical = `${derived.physicalGpus.min}-${derived.physicalGpus.max} x ${derived.gpu.name.replace(/^NVIDIA /, "")}`;
  return { physical, advertised: range(derived.advertised) };
}

function capacitySection(regions: readonly RegionPreview[]): string {
  const rows: string[][] = [];
  for (const region of regions) {
    const before = factsOf(region.before);
    const after = factsOf(region.after);
    const pools = [...new Set([...(before?.gpuPools ?? []).map((p) => p.name), ...(after?.gpuPools ?? []).map((p) => p.name)])];
    for (const pool of pools) {
      const b = capacityCell("base", before, pool);
      const a = capacityCell("head", after, pool);
      const changed = b.physical !== a.physical || b.advertised !== a.advertised;
      rows.push([region.region, pool, b.physical, a.physical, b.advertised, a.advertised, changed ? "**changed**" : "same"]);
    }
    for (const [label, side] of [["base", region.before], ["head", region.after]] as const) {
      const note = sideNote(side);
      if (note) rows.push([region.region, `(${label} facts unavailable)`, note, "", "", "", ""]);
    }
  }
  if (rows.length === 0) return "No GPU pools.";
  return markdownTable(["region", "pool", "physical GPUs before (min-max)", "after", "advertised before (min-max)", "after", ""], rows);
}

function delta(before: number | null | undefined, after: number | null | undefined): string {
  if (before === undefined || before === null || after === undefined || after === null) return "";
  const difference = after - before;
  if (Math.abs(difference) < 0.005) return "±$0.00";
  return `${difference > 0 ? "+" : "-"}${usd(Math.abs(difference))}`;
}

function costSection(regions: readonly RegionPreview[]): string {
  const rows: string[][] = [];
  let estimated = false;
  for (const region of regions) {
    const cost = (which: "base" | "head", side: FactsSide): { total: MinMax | null } | { unavailable: string } | undefined => {
      const facts = factsOf(side);
      if (!facts) return undefined;
      const computed = orUnavailable(which, () => regionCost({ ...facts, pools: buildPoolModels(facts.gpuPools) }));
      if ("unavailable" in computed) return computed;
      estimated ||= computed.estimated;
      return { total: computed.totalMonthlyUsd };
    };
    const beforeCost = cost("base", region.before);
    const afterCost = cost("head", region.after);
    const cell = (side: typeof beforeCost, bound: "min" | "max") =>
      side && "unavailable" in side ? side.unavailable : usd(side?.total?.[bound] ?? null);
    const before = beforeCost && "total" in beforeCost ? beforeCost.total : undefined;
    const after = afterCost && "total" in afterCost ? afterCost.total : undefined;
    rows.push([
      region.region,
      cell(beforeCost, "min"),
      cell(afterCost, "min"),
      delta(before?.min, after?.min),
      cell(beforeCost, "max"),
      cell(afterCost, "max"),
      delta(before?.max, after?.max),
    ]);
  }
  const table = markdownTable(["region", "at min, before", "after", "change", "at max, before", "after", "change"], rows);
  const notes = [`Prices: ${PRICING_NOTES.onDemand}.`, PRICING_NOTES.overhead + "."];
  if (estimated) notes.push(`${PRICING_NOTES.spot}. ${PRICING_NOTES.capacityBlock}.`);
  return `${table}\n\n<sub>${notes.join(" ")}</sub>`;
}

function versionsSection(bumps: readonly VersionBump[]): string {
  if (bumps.length === 0) return "No version changes.";
  return markdownTable(
    ["component", "before", "after"],
    bumps.map((bump) => [bump.component, bump.before ?? "(none)", bump.after ?? "(removed)"]),
  );
}

const ACTION_LABEL: Record<ResourceChange["action"], string> = {
  create: "created",
  update: "changed",
  replace: "replaced",
  delete: "destroyed",
};

function stackDetailLines(stack: StackPreview): string[] {
  const lines: string[] = [];
  for (const action of ["replace", "delete", "create", "update"] as const) {
    for (const change of stack.changes.changes.filter((entry) => entry.action === action)) {
      const paths = change.paths.length > 0 ? `: ${change.paths.slice(0, 8).join(", ")}${change.paths.length > 8 ? `, +${change.paths.length - 8} more` : ""}` : "";
      const flag = change.likelyReplaced ? " (likely replaced)" : "";
      lines.push(`- ${ACTION_LABEL[action]} \`${change.address}\`${flag}${paths}`);
    }
  }
  return lines;
}

function details(summary: string, lines: readonly string[]): string {
  return `<details><summary>${summary}</summary>\n\n${lines.join("\n")}\n\n</details>`;
}

export function renderPreview(input: PreviewInput): string {
  const risks = statefulRisks(input.stacks);
  const head: string[] = [COMMENT_MARKER, "## FastGPU plan preview", ""];
  if (risks.length > 0) {
    head.push(`> [!CAUTION]\n> **${risks.length} stateful resource(s) would be destroyed or replaced:**`);
    for (const risk of risks.slice(0, MAX_LISTED_RISKS)) {
      head.push(`> - \`${risk.stack}\`: \`${risk.change.address}\` ${verb(risk.change)}: ${risk.reason}`);
    }
    if (risks.length > MAX_LISTED_RISKS) head.push(`> - ... and ${risks.length - MAX_LISTED_RISKS} more, listed in the details below`);
    head.push("");
  }
  const usesSynth = input.stacks.some((stack) => stack.changes.source === "synth");
  head.push(
    "### Changes",
    "",
    markdownTable(
      ["region", "stack", "summary"],
      input.stacks.map((stack) => [stack.region || "-", `\`${stack.name}\``, stack.changes.summary]),
    ),
  );
  if (usesSynth) {
    head.push("", "<sub>Stacks without a plan are compared synth against synth: resources added, changed and removed; only a plan knows for sure what gets replaced.</sub>");
  }
  head.push("", "### GPU capacity", "", capacitySection(input.regions), "", "### Monthly cost", "", costSection(input.regions), "", "### Versions", "", versionsSection(input.versions));
  const summary = head.join("\n");

  // Details fill what is left of the budget (less room for the closing notes); a stack whose list does not
  // fit is cut with a note.
  let remaining = BUDGET - summary.length - 600;
  const blocks: string[] = [];
  const omitted: string[] = [];
  let truncated = false;
  for (const stack of input.stacks) {
    const lines = stackDetailLines(stack);
    if (lines.length === 0) continue;
    const title = `${stack.name}: ${lines.length} resource change(s)`;
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
  const tail = truncated || omitted.length > 0 ? ["", "<sub>Some details were shortened to fit GitHub's 65,536-character comment limit; the summary above is complete.</sub>"] : [];
  return [summary, "", "### Details", "", ...blocks.flatMap((block) => [block, ""]), ...tail].join("\n").replace(/\n+$/, "\n");
}
