/**
 * `npm run preview -- --base <cdktf.out dir> --head <cdktf.out dir> [--plan <stack>=<plan.json> ...]
 *  [--config <dir>] [--json-summary <file>]`
 *
 * Prints the pull-request comment as Markdown. Stacks with `--plan` (from `terraform show -json`) get
 * Terraform's own summary; the others a synth-against-synth diff. `--config` reads the head's pools from that
 * config directory instead of the head synth's `fastgpu_region` outputs. `--json-summary` also writes the
 * counts the workflow labels the PR with.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { loadFleetModel } from "../lib/model/region";
import { infraStackName } from "../lib/naming";
import { planChanges, synthDiff, type StackChanges } from "../lib/preview/changes";
import { parseRegionFacts, regionFacts, REGION_FACTS_OUTPUT } from "../lib/preview/region-facts";
import { renderPreview, statefulRisks, type FactsSide, type PreviewInput, type StackPreview } from "../lib/preview/render";
import { InputError, readInputFile, readSynthOutput, stackParts, type SynthOutput } from "../lib/preview/synth-output";
import { fleetVersionBumps } from "../lib/preview/versions";
import { parseFlags, printDocument, single, UsageError } from "./cli-args";

const USAGE =
  "npm run preview -- --base <cdktf.out dir> --head <cdktf.out dir> [--plan <stack>=<plan.json> ...] [--config <dir>] [--json-summary <file>]";

function factsFromSynth(synth: SynthOutput, region: string): FactsSide {
  const stack = infraStackName(region);
  const infra = synth.stacks.get(stack);
  if (!infra) return { absent: true };
  const output = infra.output?.[REGION_FACTS_OUTPUT];
  if (!output) return { error: `no ${REGION_FACTS_OUTPUT} output in ${stack} (synthesized by an older FastGPU)` };
  const parsed = parseRegionFacts(output.value);
  return "facts" in parsed ? { facts: parsed.facts } : { error: parsed.error };
}

export function buildPreview(argv: readonly string[]): { input: PreviewInput; markdown: string; jsonSummary?: string } {
  const flags = parseFlags(
    argv,
    {
      base: { takesValue: true },
      head: { takesValue: true },
      plan: { takesValue: true, repeatable: true },
      config: { takesValue: true },
      "json-summary": { takesValue: true },
    },
    USAGE,
  );
  const baseDir = single(flags, "base");
  const headDir = single(flags, "head");
  if (!baseDir || !headDir) throw new UsageError("--base and --head are required", USAGE);
  const summaryFile = single(flags, "json-summary");
  if (summaryFile) checkWritable(summaryFile);
  const planSpecs = planArguments((flags.plan as string[] | undefined) ?? []);
  const base = readSynthOutput(baseDir, "--base");
  const head = readSynthOutput(headDir, "--head");

  const plans = new Map<string, StackChanges>();
  for (const { spec, stack, file } of planSpecs) {
    if (!head.stacks.has(stack)) {
      throw new InputError(`--plan ${spec}: stack "${stack}" is not in the head synth (${headDir}); stacks: ${[...head.stacks.keys()].join(", ")}`);
    }
    if (!fs.existsSync(file)) throw new InputError(`--plan ${spec}: ${file} not found`);
    plans.set(stack, planChanges(readInputFile(file, "plan JSON (`terraform show -json <planfile>`)"), file));
  }

  const names = [...new Set([...base.stacks.keys(), ...head.stacks.keys()])].sort();
  const stacks: StackPreview[] = names.map((name) => ({
    name,
    ...stackParts(name),
    changes: plans.get(name) ?? synthDiff(base.stacks.get(name), head.stacks.get(name)),
  }));

  const configDir = single(flags, "config");
  const headConfig = configDir ? loadFleetModel(configDir) : undefined;
  const regionNames = [...new Set(stacks.map((stack) => stack.region).filter(Boolean))].sort();
  const regions = regionNames.map((region) => {
    const configured = headConfig?.regions.find((candidate) => candidate.region === region);
    const after: FactsSide = headConfig ? (configured ? { facts: regionFacts(configured) } : { absent: true }) : factsFromSynth(head, region);
    return { region, before: factsFromSynth(base, region), after };
  });

  // Provider pins repeat in every stack: each provider bump once (across the fleet), everything else per region.
  const versions = fleetVersionBumps(stacks, (name) => base.stacks.get(name), (name) => head.stacks.get(name));

  const input: PreviewInput = { stacks, regions, versions, synth: { base: base.stacks, head: head.stacks } };
  const markdown = renderPreview(input);
  let jsonSummary: string | undefined;
  if (summaryFile) {
    const risks = statefulRisks(stacks);
    jsonSummary = JSON.stringify(
      {
        statefulDestroys: risks.length,
        stacks: stacks.map((stack) => ({ name: stack.name, source: stack.changes.source, summary: stack.changes.summary })),
      },
      null,
      2,
    );
    try {
      fs.writeFileSync(summaryFile, `${jsonSummary}\n`);
    } catch (error) {
      throw new InputError(`--json-summary ${summaryFile}: cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  return { input, markdown, jsonSummary };
}

/** `--plan <stack>=<file>` arguments, split and checked: a usage error for a missing stack or file name, or a stack given twice. */
function planArguments(specs: readonly string[]): { spec: string; stack: string; file: string }[] {
  const seen = new Map<string, string>();
  return specs.map((spec) => {
    const separator = spec.indexOf("=");
    if (separator <= 0) throw new UsageError(`--plan ${spec}: expected <stack>=<plan.json>`, USAGE);
    const stack = spec.slice(0, separator);
    const file = spec.slice(separator + 1);
    if (file.trim() === "") throw new UsageError(`--plan ${spec}: no file name after "="; expected <stack>=<plan.json>`, USAGE);
    const earlier = seen.get(stack);
    if (earlier !== undefined) throw new UsageError(`--plan: stack "${stack}" given twice (${earlier} and ${file}); give each stack one plan`, USAGE);
    seen.set(stack, file);
    return { spec, stack, file };
  });
}

/** Checked before any work: `--json-summary` names a file that can be created or replaced. */
function checkWritable(file: string): void {
  if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) throw new InputError(`--json-summary ${file}: is a directory; name the file to write the summary to`);
  const dir = path.dirname(path.resolve(file));
  const parent = fs.statSync(dir, { throwIfNoEntry: false });
  if (!parent) throw new InputError(`--json-summary ${file}: directory ${dir} does not exist; create it first`);
  if (!parent.isDirectory()) throw new InputError(`--json-summary ${file}: ${dir} is not a directory`);
}

if (require.main === module) printDocument(() => buildPreview(process.argv.slice(2)).markdown);
