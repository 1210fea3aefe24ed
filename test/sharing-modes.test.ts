import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { GPUS } from "../lib/catalog/gpus";
import { INSTANCE_TYPES } from "../lib/catalog/instances";
import type { SharingConfig } from "../lib/config/schema";
import { sharingMode } from "../lib/model/sharing";
import { GPU_RESOURCE } from "../lib/naming";
import { REPO_ROOT } from "./helpers";

/** Every GPU instance type with every mode it can run: exclusive, time-slicing, and MIG at each profile's max. */
function everyPoolShape(): { label: string; config: SharingConfig; instanceType: string }[] {
  const shapes: { label: string; config: SharingConfig; instanceType: string }[] = [];
  for (const type of INSTANCE_TYPES.filter((candidate) => candidate.gpu)) {
    const gpu = GPUS.find((candidate) => candidate.id === type.gpu)!;
    shapes.push({ label: `${type.name} exclusive`, config: { mode: "exclusive" }, instanceType: type.name });
    shapes.push({ label: `${type.name} time-slicing x3`, config: { mode: "time-slicing", replicas: 3 }, instanceType: type.name });
    for (const profile of gpu.mig?.profiles.filter((candidate) => !candidate.name.includes("+")) ?? []) {
      shapes.push({ label: `${type.name} MIG ${profile.maxCount}x${profile.name}`, config: { mode: "mig", layout: { [profile.name]: profile.maxCount } }, instanceType: type.name });
    }
  }
  return shapes;
}

describe("every sharing mode keeps its units consistent", () => {
  it.each(everyPoolShape().map((shape) => [shape.label, shape] as const))("%s", (_label, shape) => {
    const type = INSTANCE_TYPES.find((candidate) => candidate.name === shape.instanceType)!;
    const gpu = GPUS.find((candidate) => candidate.id === type.gpu)!;
    const mode = sharingMode(shape.config, { instanceType: type.name, gpu, physicalGpusPerNode: type.gpuCount });
    expect(mode.problems()).toEqual([]);
    // A node's quota units stand for exactly what the node advertises: quotas and capacity count one thing.
    expect(mode.quotaResources(mode.quotaUnitsPerNode)).toEqual(mode.advertisedPerNode);
    // The autoscaler's template offers what the node will, and says so for nvidia.com/gpu even when it is 0.
    expect(mode.autoscalerTemplateResources).toMatchObject(mode.advertisedPerNode);
    expect(mode.autoscalerTemplateResources).toHaveProperty([GPU_RESOURCE]);
    // The accelerator label goes only on nodes that advertise nvidia.com/gpu (CA waits for it otherwise).
    expect(mode.acceleratorLabelled).toBe((mode.advertisedPerNode[GPU_RESOURCE] ?? 0) > 0);
    // One validation pod fits on a node of the pool.
    for (const [name, count] of Object.entries(mode.validationTarget.resources)) {
      expect(count).toBeLessThanOrEqual(mode.advertisedPerNode[name] ?? 0);
    }
    expect(mode.summary).not.toBe("");
    expect(mode.quotaUnit.plural).not.toBe("");
  });

  it("MIG on a GPU without MIG is a config problem, not a crash", () => {
    const l4 = GPUS.find((gpu) => gpu.id === "l4")!;
    const mode = sharingMode({ mode: "mig", layout: { "1g.10gb": 1 } }, { instanceType: "g6.xlarge", gpu: l4, physicalGpusPerNode: 1 });
    expect(mode.problems()).toEqual([{ path: ["mode"], message: expect.stringContaining("has no MIG") }]);
  });
});

/** The TypeScript sources of the product (not tests), relative to the repository. */
function productSources(): string[] {
  const listed = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "lib", "constructs", "stacks", "tools", "main.ts"], { cwd: REPO_ROOT, encoding: "utf8" });
  return listed.stdout.split("\n").filter((file) => file.endsWith(".ts") && fs.existsSync(path.join(REPO_ROOT, file)));
}

describe("the layout keeps each decision in one place", () => {
  const sources = productSources().map((file) => ({ file, text: fs.readFileSync(path.join(REPO_ROOT, file), "utf8") }));

  it("switches on a pool's sharing mode only in lib/model/sharing/index.ts", () => {
    const switching = sources.filter(({ text }) => /\.mode\s*(===|!==)\s*"(exclusive|time-slicing|mig)"|case "(exclusive|time-slicing|mig)"/.test(text));
    expect(switching.map(({ file }) => file)).toEqual(["lib/model/sharing/index.ts"]);
  });

  it("derives pools at one call site, in the region model", () => {
    const uses = (text: string) => text.split("\n").filter((line) => /\bbuildPoolModel\b/.test(line) && !/^\s*(import |\*|\/\/)|export function buildPoolModel\(/.test(line));
    const callers = sources.filter(({ text }) => uses(text).length > 0);
    expect(callers.map(({ file }) => file)).toEqual(["lib/model/region.ts"]);
  });

  it("keeps lib/ free of cdktf and of tools/", () => {
    const offending = sources.filter(({ file, text }) => file.startsWith("lib/") && /from "(cdktf|constructs|@cdktf\/[^"]*|(\.\.\/)+(tools|constructs|stacks)\/[^"]*)"/.test(text));
    expect(offending.map(({ file }) => file)).toEqual([]);
  });
});
