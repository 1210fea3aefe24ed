/**
 * `npm run bench`: wall time and peak memory of synthesizing the default config and a generated
 * 10 regions x 10 pools fleet, and of a plan preview of the default config, each in a fresh Node process
 * running the compiled code (as cdktf and the workflow would).
 * Prints figures; it asserts nothing (timings on shared machines are noisy).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeLargeConfig } from "./large-config";

const RUNS = 5;
const ROOT = path.resolve(__dirname, "../..");

interface Sample {
  wallMs: number;
  maxRssMiB: number;
  stacks: number;
}

function measure(configDir: string): Sample {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "fastgpu-bench-out-"));
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [path.join(__dirname, "synth-once.js"), configDir, outdir], { encoding: "utf8" });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  fs.rmSync(outdir, { recursive: true, force: true });
  if (child.status !== 0) throw new Error(`synth failed:\n${child.stderr}`);
  const { stacks, maxRssMiB } = JSON.parse(child.stdout) as { stacks: number; maxRssMiB: number };
  return { wallMs, maxRssMiB, stacks };
}

function report(name: string, configDir: string, target: string): void {
  const samples = Array.from({ length: RUNS }, () => measure(configDir));
  const walls = samples.map((sample) => sample.wallMs).sort((a, b) => a - b);
  const median = walls[Math.floor(walls.length / 2)];
  const peak = Math.max(...samples.map((sample) => sample.maxRssMiB));
  console.log(
    `${name.padEnd(22)} ${String(samples[0].stacks).padStart(3)} stacks  wall median ${median.toFixed(0).padStart(5)} ms ` +
      `(min ${walls[0].toFixed(0)}, max ${walls[walls.length - 1].toFixed(0)})  peak RSS ${peak.toFixed(0)} MiB  target ${target}`,
  );
}

/** `npm run preview` of two synths of the default config that differ in one pool, as a fresh process. */
function reportPreview(): void {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "fastgpu-bench-preview-"));
  const changed = path.join(work, "config");
  fs.cpSync(path.join(ROOT, "config"), changed, { recursive: true });
  const east = path.join(changed, "regions/us-east-1.yaml");
  fs.writeFileSync(east, fs.readFileSync(east, "utf8").replace("maxSize: 8", "maxSize: 12"));
  for (const [config, out] of [[path.join(ROOT, "config"), "base"], [changed, "head"]]) {
    const synth = spawnSync(process.execPath, [path.join(__dirname, "synth-once.js"), config, path.join(work, out)], { encoding: "utf8" });
    if (synth.status !== 0) throw new Error(`synth failed:\n${synth.stderr}`);
  }
  const walls: number[] = [];
  let rss = 0;
  for (let run = 0; run < RUNS; run++) {
    const start = process.hrtime.bigint();
    const child = spawnSync(process.execPath, [path.join(__dirname, "preview-once.js"), path.join(work, "base"), path.join(work, "head")], { encoding: "utf8" });
    walls.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (child.status !== 0) throw new Error(`preview failed:\n${child.stderr}`);
    rss = Math.max(rss, JSON.parse(child.stdout).maxRssMiB);
  }
  walls.sort((a, b) => a - b);
  console.log(
    `${"preview (default)".padEnd(22)}   4 stacks  wall median ${walls[Math.floor(walls.length / 2)].toFixed(0).padStart(5)} ms ` +
      `(min ${walls[0].toFixed(0)}, max ${walls[walls.length - 1].toFixed(0)})  peak RSS ${rss.toFixed(0)} MiB  target < 2 s`,
  );
  fs.rmSync(work, { recursive: true, force: true });
}

const large = fs.mkdtempSync(path.join(os.tmpdir(), "fastgpu-bench-config-"));
writeLargeConfig(path.join(ROOT, "config"), large);
console.log(`benchmark: ${RUNS} runs each, fresh node process per run, compiled JS (${process.version}, ${os.cpus().length} CPUs)`);
report("default config", path.join(ROOT, "config"), "< 1 s, < 200 MB");
report("10 regions x 10 pools", large, "< 5 s");
reportPreview();
fs.rmSync(large, { recursive: true, force: true });
