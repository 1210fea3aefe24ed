/**
 * A generated fleet of 10 regions x 10 GPU pools (L4 family in every size plus two A100 MIG pools), written
 * as a config directory: the synth benchmark's large case, and the preview's comment-size test.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";

export const LARGE_REGIONS = [
  "us-east-1", "us-east-2", "us-west-2", "ca-central-1", "eu-central-1",
  "eu-north-1", "eu-west-2", "eu-west-3", "ap-northeast-1", "ap-northeast-2",
];

function largePools(): Record<string, unknown>[] {
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
    pools.push({ name: `mig-${pools.length}`, instanceType: "p4d.24xlarge", capacityType: "on-demand", minSize: 0, maxSize: 2, offeredInRegion: true, sharing: { mode: "mig", layout } });
  }
  return pools;
}

function indent(text: string): string {
  return text.split("\n").map((line) => (line ? `  ${line}` : line)).join("\n");
}

/** Writes the large config into `dir`, starting from the repository's default config in `configDir`. */
export function writeLargeConfig(configDir: string, dir: string): void {
  fs.mkdirSync(path.join(dir, "regions"), { recursive: true });
  fs.copyFileSync(path.join(configDir, "fleet.yaml"), path.join(dir, "fleet.yaml"));
  const template = fs.readFileSync(path.join(configDir, "regions/us-east-1.yaml"), "utf8");
  LARGE_REGIONS.forEach((region, index) => {
    const text = template
      .replace("region: us-east-1", `region: ${region}`)
      .replace("vpcCidr: 10.40.0.0/16", `vpcCidr: 10.${100 + index}.0.0/16`)
      .replace(/gpuPools:[\s\S]*?\nbuckets:/, `gpuPools:\n${indent(stringify(largePools()))}buckets:`)
      // The default quotas name the default pools; the generated pools have none.
      .replace(/\nquotas:[\s\S]*$/, "\n");
    fs.writeFileSync(path.join(dir, "regions", `${region}.yaml`), text);
  });
}
