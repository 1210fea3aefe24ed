/**
 * `npm run bench`: wall time and peak memory of synthesizing the default config and a generated
 * 10 regions x 10 pools fleet, each in a fresh Node process running the compiled code (as cdktf would).
 * Prints figures; it asserts nothing (timings on shared machines are noisy).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";

const RUNS = 5;
const ROOT = path.resolve(__dirname, "../..");

const LARGE_REGIONS = [
  "us-east-1", "us-east-2", "us-west-2", "ca-central-1", "eu-central-1",
  "eu-north-1", "eu-west-2", "eu-west-3", "ap-northeast-1", "ap-northeast-2",
];

/** Ten pools per region over the L4 family (offered in all ten regions) plus two A100 MIG pools. */
function largePools() {
  const sizes = ["xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"];
  const pools: Record<string, unknown>[] = sizes.map((size, index) => ({
    name: `l4-${size}`,
    instanceType: `g6.${size}`,
    capacityType: index % 2 === 0 ? "spot" : "on-demand",
    minSize: 0,
    maxSize: 4,
    sharing: index % 3 === 0 ? { mode: "exclusive" } : { mode: "time-slicing", replicas: 2 + index },
  }));
  for (const layout of [{ "7g.40gb": 1 }, { "3g.20gb": 2 }]) {
    pools.push({
      name: `mig-${pools.length}`,
      instanceType: "p4d.24xlarge",
      capacityType: "on-demand",
      minSize: 0,
      maxSize: 2,
      offeredInRegion: true,
      sharing: { mode: "mig", layout },
    });
  }
  return pools;
}

function writeLargeConfig(dir: string): void {
  fs.mkdirSync(path.join(dir, "regions"), { recursive: true });
  fs.copyFileSync(path.join(ROOT, "config/fleet.yaml"), path.join(dir, "fleet.yaml"));
  const template = fs.readFileSync(path.join(ROOT, "config/regions/us-east-1.yaml"), "utf8");
  LARGE_REGIONS.forEach((region, index) => {
    const text = template
      .replace("region: us-east-1", `region: ${region}`)
      .replace("vpcCidr: 10.40.0.0/16", `vpcCidr: 10.${100 + index}.0.0/16`)
      .replace(/gpuPools:[\s\S]*?\nbuckets:/, `gpuPools:\n${indent(stringify(largePools()))}buckets:`);
    fs.writeFileSync(path.join(dir, "regions", `${region}.yaml`), text);
  });
}

function indent(text: string): string {
  return text.split("\n").map((line) => (line ? `  ${line}` : line)).join("\n");
}

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

const large = fs.mkdtempSync(path.join(os.tmpdir(), "fastgpu-bench-config-"));
writeLargeConfig(large);
console.log(`synth benchmark: ${RUNS} runs each, fresh node process per run, compiled JS (${process.version}, ${os.cpus().length} CPUs)`);
report("default config", path.join(ROOT, "config"), "< 1 s, < 200 MB");
report("10 regions x 10 pools", large, "< 5 s");
fs.rmSync(large, { recursive: true, force: true });
