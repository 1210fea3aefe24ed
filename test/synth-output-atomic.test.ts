/**
 * The synth output is replaced as a whole or not at all (stacks/fleet.ts synthFleet, publishOutput): stacks of a
 * region that left the config disappear, what Terraform made in the stack directories is carried over, a
 * failure or an interrupt leaves the old output byte for byte, and concurrent synths leave one complete output.
 * Root cause 4 of the December 2026 bad-input review.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { S3Bucket } from "../constructs/providers";
import { EXIT } from "../lib/errors";
import { loadFleetModel } from "../lib/model/region";
import { readSynthOutput } from "../lib/preview/synth-output";
import { buildFleet, PolicyError, publishOutput, synthFleet, SynthOutputError, TEST_HOOK_PAUSE_AFTER_STAGING } from "../stacks/fleet";
import { copyDefaultConfig, DEFAULT_CONFIG_DIR, REPO_ROOT, tempDir, withPlainStackTraces } from "./helpers";

/** Every entry under `dir`, relative path -> contents (files, with their mode) or link target: byte for byte. */
function readTree(dir: string): Map<string, string> {
  const entries = new Map<string, string>();
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      const relative = path.relative(dir, full);
      if (entry.isSymbolicLink()) entries.set(relative, `-> ${fs.readlinkSync(full)}`);
      else if (entry.isDirectory()) walk(full);
      else entries.set(relative, `${(fs.statSync(full).mode & 0o777).toString(8)} ${fs.readFileSync(full, "utf8")}`);
    }
  };
  walk(dir);
  return entries;
}

const EAST = ["fastgpu-us-east-1-infra", "fastgpu-us-east-1-platform"];
const ALL = [...EAST, "fastgpu-us-west-2-infra", "fastgpu-us-west-2-platform"];

/** The default config without us-west-2: a region that left the config. */
function eastOnlyConfig(): string {
  const dir = copyDefaultConfig();
  fs.rmSync(path.join(dir, "regions/us-west-2.yaml"));
  return dir;
}

let eastConfig: string;
/** Reference outputs, synthesized once: the default config, and without us-west-2. */
let both: string;
let eastOnly: string;
beforeAll(() => {
  eastConfig = eastOnlyConfig();
  both = path.join(tempDir(), "cdktf.out");
  eastOnly = path.join(tempDir(), "cdktf.out");
  withPlainStackTraces(() => {
    synthFleet(loadFleetModel(DEFAULT_CONFIG_DIR), both);
    synthFleet(loadFleetModel(eastConfig), eastOnly);
  });
});

/** A fresh `<tmp>/cdktf.out` holding a copy of `from`. */
function outputCopy(from: string): string {
  const out = path.join(tempDir(), "cdktf.out");
  fs.cpSync(from, out, { recursive: true, verbatimSymlinks: true });
  return out;
}

/** A complete synth output: its manifest lists exactly the stack directories there, each one readable. */
function expectComplete(out: string, stacks: readonly string[]): void {
  const manifest = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
  expect(Object.keys(manifest.stacks).sort()).toEqual([...stacks]);
  expect(fs.readdirSync(path.join(out, "stacks")).sort()).toEqual([...stacks]);
  expect([...readSynthOutput(out, "--head").stacks.keys()]).toEqual([...stacks]);
}

/** Nothing but the output beside it: no staging or old directory left. */
const expectAlone = (out: string, ...others: string[]) => expect(fs.readdirSync(path.dirname(out)).sort()).toEqual([path.basename(out), ...others].sort());

/** What Terraform leaves in a stack directory after `cdktf deploy`. */
function deployed(out: string, stack: string, withState: boolean): void {
  const dir = path.join(out, "stacks", stack);
  fs.mkdirSync(path.join(dir, ".terraform/providers/registry.terraform.io/hashicorp/aws"), { recursive: true });
  const provider = path.join(dir, ".terraform/providers/registry.terraform.io/hashicorp/aws/terraform-provider-aws");
  fs.writeFileSync(provider, "#!/bin/sh\necho provider\n");
  fs.chmodSync(provider, 0o755);
  fs.symlinkSync("hashicorp", path.join(dir, ".terraform/providers/registry.terraform.io/alias"));
  fs.writeFileSync(path.join(dir, ".terraform/terraform.tfstate"), '{"backend": {"type": "s3"}}');
  fs.writeFileSync(path.join(dir, ".terraform.lock.hcl"), 'provider "registry.terraform.io/hashicorp/aws" {}\n');
  if (withState) {
    fs.writeFileSync(path.join(dir, "terraform.tfstate"), '{"version": 4}');
    fs.writeFileSync(path.join(dir, "terraform.tfstate.backup"), '{"version": 4, "serial": 0}');
  }
}

/** Runs main.ts as cdktf does, in its own process. */
function synthProcess(config: string, outdir: string, env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ["--import", "tsx", "main.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, FASTGPU_CONFIG: config, CDKTF_OUTDIR: outdir, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve, reject) =>
    child.on("error", reject).on("close", (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, done };
}

/** Resolves once the test hook's pause file exists (the child has staged), with the staging path it names. */
async function paused(file: string, done: Promise<{ stderr: string }>): Promise<string> {
  let finished = false;
  void done.then(() => (finished = true));
  for (let waited = 0; waited < 90_000; waited += 20) {
    if (fs.existsSync(file)) return fs.readFileSync(file, "utf8");
    if (finished) throw new Error(`the synth ended before it paused: ${(await done).stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no ${file} after 90 s`);
}

describe("the output directory after a synth", () => {
  it("holds the stacks of this synth only, with .terraform/, the lock file and local state of the stacks synthesized again carried over", () => {
    const out = outputCopy(both);
    deployed(out, "fastgpu-us-east-1-infra", true);
    deployed(out, "fastgpu-us-west-2-infra", false);
    const carried = [".terraform", ".terraform.lock.hcl", "terraform.tfstate", "terraform.tfstate.backup"];
    const before = readTree(path.join(out, "stacks/fastgpu-us-east-1-infra"));
    withPlainStackTraces(() => synthFleet(loadFleetModel(eastConfig), out));

    expectComplete(out, EAST);
    expectAlone(out);
    const infra = path.join(out, "stacks/fastgpu-us-east-1-infra");
    const after = readTree(infra);
    for (const [file, text] of before) if (carried.some((name) => file === name || file.startsWith(`${name}/`))) expect(after.get(file)).toBe(text);
    const provider = path.join(infra, ".terraform/providers/registry.terraform.io/hashicorp/aws/terraform-provider-aws");
    expect(fs.statSync(provider).mode & 0o777).toBe(0o755);
    expect(fs.readlinkSync(path.join(infra, ".terraform/providers/registry.terraform.io/alias"))).toBe("hashicorp");
    // The rest is this synth's, byte for byte.
    const fresh = readTree(eastOnly);
    const outTree = readTree(out);
    for (const file of outTree.keys()) if (!carried.some((name) => file.includes(`/${name}`))) expect(outTree.get(file)).toBe(fresh.get(file));
    expect([...outTree.keys()].filter((file) => !carried.some((name) => file.includes(`/${name}`)))).toEqual([...fresh.keys()]);
  });

  it("refuses to drop a stack that is no longer synthesized while its directory holds Terraform state, and changes nothing", () => {
    const out = outputCopy(both);
    deployed(out, "fastgpu-us-west-2-platform", true);
    const before = readTree(out);
    let error: unknown;
    try {
      withPlainStackTraces(() => synthFleet(loadFleetModel(eastConfig), out));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SynthOutputError);
    expect((error as SynthOutputError).exitCode).toBe(EXIT.badInput);
    expect((error as Error).message).toMatch(/stacks\/fastgpu-us-west-2-platform\/terraform\.tfstate: stack fastgpu-us-west-2-platform is no longer synthesized, but its directory holds Terraform state; destroy the stack first/);
    expect(readTree(out)).toEqual(before);
    expectAlone(out);
  });
});

describe("a failure after staging", () => {
  it("in the synth (a policy violation) leaves the old output byte-identical and no staging directory", () => {
    const out = outputCopy(both);
    deployed(out, "fastgpu-us-east-1-infra", false);
    const before = readTree(out);
    const model = loadFleetModel(eastConfig);
    expect(() =>
      withPlainStackTraces(() =>
        synthFleet(model, out, (app) => {
          const [first] = buildFleet(app, model);
          new S3Bucket(first.infra, "unencrypted", { bucket: "raw" });
        }),
      ),
    ).toThrow(PolicyError);
    expect(readTree(out)).toEqual(before);
    expectAlone(out);
  });

  it("in the swap, after the old output was moved aside, puts the old output back byte-identical", () => {
    const out = outputCopy(both);
    const before = readTree(out);
    const staging = outputCopy(eastOnly);
    expect(() =>
      publishOutput(staging, out, () => {
        throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
      }),
    ).toThrow(/ENOSPC/);
    expect(readTree(out)).toEqual(before);
    expect(fs.readdirSync(path.dirname(out))).toEqual(["cdktf.out"]);
  });
});

describe("concurrent synths of one output directory", () => {
  it("when another synth publishes between our two renames: ours replaces it whole, carrying over from it, and nothing is left beside it", () => {
    const out = outputCopy(both);
    deployed(out, "fastgpu-us-east-1-infra", false);
    const staging = outputCopy(eastOnly);
    const lock = "stacks/fastgpu-us-east-1-infra/.terraform.lock.hcl";
    let raced = false;
    publishOutput(staging, out, () => {
      if (raced) return;
      raced = true;
      // Another synth's complete output arrives while ours is between its renames, carried over from the same one.
      fs.cpSync(both, out, { recursive: true });
      deployed(out, "fastgpu-us-east-1-infra", false);
      fs.writeFileSync(path.join(out, lock), "# the other synth's\n");
    });
    expect(raced).toBe(true);
    const tree = readTree(out);
    expect(tree.get(lock)).toMatch(/^\d+ # the other synth's\n$/);
    expect(new Map([...tree].filter(([file]) => !file.includes("/.terraform")))).toEqual(readTree(eastOnly));
    expectAlone(out);
    expect(fs.existsSync(staging)).toBe(false);
  });

  it("two `node main.ts` processes with the same CDKTF_OUTDIR, publishing at once, leave one complete output of one of them", async () => {
    const out = outputCopy(both);
    deployed(out, "fastgpu-us-east-1-infra", false);
    const hooks = tempDir("fastgpu-hooks-");
    const first = synthProcess(DEFAULT_CONFIG_DIR, out, { [TEST_HOOK_PAUSE_AFTER_STAGING]: path.join(hooks, "first") });
    const second = synthProcess(eastConfig, out, { [TEST_HOOK_PAUSE_AFTER_STAGING]: path.join(hooks, "second") });
    const staged = await Promise.all([paused(path.join(hooks, "first"), first.done), paused(path.join(hooks, "second"), second.done)]);
    expect(new Set(staged).size).toBe(2); // unique staging names
    for (const dir of staged) expect(path.dirname(dir)).toBe(path.dirname(out));
    const outputs = staged.map(readTree);
    // Both publish now.
    fs.rmSync(path.join(hooks, "first"));
    fs.rmSync(path.join(hooks, "second"));
    const results = await Promise.all([first.done, second.done]);
    expect(results.map((result) => [result.code, result.stderr])).toEqual([
      [0, ""],
      [0, ""],
    ]);
    const stacks = fs.readdirSync(path.join(out, "stacks")).sort();
    expectComplete(out, stacks.length === ALL.length ? ALL : EAST);
    // Byte for byte what one of them staged, plus what was carried over.
    const winner = outputs[stacks.length === ALL.length ? 0 : 1];
    const tree = readTree(out);
    expect(new Map([...tree].filter(([file]) => !file.includes("/.terraform")))).toEqual(winner);
    expect(tree.has("stacks/fastgpu-us-east-1-infra/.terraform.lock.hcl")).toBe(true);
    expectAlone(out);
  });
});

describe("an interrupted synth", () => {
  it.each(["SIGTERM", "SIGINT"] as const)("(%s while staged, before publishing) exits 130, removes its staging directory and leaves the old output intact", async (signal) => {
    const out = outputCopy(both);
    deployed(out, "fastgpu-us-east-1-infra", true);
    const before = readTree(out);
    const pause = path.join(tempDir("fastgpu-hooks-"), "paused");
    const run = synthProcess(eastConfig, out, { [TEST_HOOK_PAUSE_AFTER_STAGING]: pause });
    const staging = await paused(pause, run.done);
    expect(fs.existsSync(path.join(staging, "manifest.json"))).toBe(true);
    run.child.kill(signal);
    const result = await run.done;
    expect(result.code).toBe(EXIT.interrupted);
    expect(result.stderr).toBe(`synth interrupted by ${signal}: nothing was published; ${out} is as it was\n`);
    expect(fs.existsSync(staging)).toBe(false);
    expect(readTree(out)).toEqual(before);
    expectAlone(out);
  });

  it("(a signal during the synchronous synth) finishes the swap first, then exits 130: the output is whole, the staging directory gone", () => {
    const out = outputCopy(both);
    const script = path.join(tempDir("fastgpu-script-"), "signal-mid-synth.cjs");
    fs.writeFileSync(
      script,
      [
        `const { buildFleet, synthFleet } = require(${JSON.stringify(path.join(REPO_ROOT, "stacks/fleet.ts"))});`,
        `const { loadFleetModel } = require(${JSON.stringify(path.join(REPO_ROOT, "lib/model/region.ts"))});`,
        `const model = loadFleetModel(${JSON.stringify(eastConfig)});`,
        `synthFleet(model, process.argv[2], (app) => { buildFleet(app, model); process.kill(process.pid, "SIGTERM"); });`,
      ].join("\n"),
    );
    const result = spawnSync(process.execPath, ["--import", "tsx", script, out], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(result.stderr).toBe(`synth interrupted by SIGTERM after the synth output was published to ${out}\n`);
    expect(result.status).toBe(EXIT.interrupted);
    expectComplete(out, EAST);
    expectAlone(out);
  });

  it("(killed outright between the two renames) is repaired by the next synth: its lock taken over, the old output moved back first, its .terraform/ carried over", () => {
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
    const parent = tempDir();
    const out = path.join(parent, "cdktf.out");
    // What a synth killed between its renames leaves: the old output moved aside, its staging directory, no output.
    const old = `${out}.old-${dead}`;
    fs.cpSync(both, old, { recursive: true });
    deployed(old, "fastgpu-us-east-1-infra", false);
    fs.mkdirSync(`${out}.staging-${dead}-1/stacks`, { recursive: true });
    fs.symlinkSync(String(dead), `${out}.lock`);
    withPlainStackTraces(() => synthFleet(loadFleetModel(DEFAULT_CONFIG_DIR), out));
    expectComplete(out, ALL);
    expect(fs.readFileSync(path.join(out, "stacks/fastgpu-us-east-1-infra/.terraform.lock.hcl"), "utf8")).toContain("hashicorp/aws");
    expectAlone(out);
  });
});
