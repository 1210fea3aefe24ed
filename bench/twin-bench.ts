/**
 * The twin's part of `npm run bench`: how long a warm `twin up` takes for the default config (components
 * already built), and Kueue's admission throughput with our Configuration: 500 single-GPU Jobs from two
 * tenants, timed from submission until every one is admitted and its pod bound. Prints; asserts nothing.
 * Skipped when the twin's components are not built yet (`npm run twin -- build`).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { loadFleetModel } from "../lib/model/region";
import { controlPlanePin, ensureHelmKubectl, REPO_ROOT } from "../tools/twin/components";
import { twinDown, twinStateDir, twinUp } from "../tools/twin/cluster";
import { toolCacheDir } from "../tools/toolchain/cache";
import { TWIN_KUEUE } from "../lib/versions";

const JOBS = 500;
const POOL = "bench-h100";

function built(kubernetesMinor: string): boolean {
  const pin = controlPlanePin(kubernetesMinor);
  return (
    fs.existsSync(path.join(toolCacheDir("twin-kubernetes", `${pin.kubernetes}-etcd-${pin.etcd}`), ".complete")) &&
    fs.existsSync(path.join(toolCacheDir("twin-kueue", `${TWIN_KUEUE.kueue}-kwok-${TWIN_KUEUE.kwok}`), ".complete"))
  );
}

/** The default config with one exclusive pool large enough for every job at once, shared half and half. */
function writeBenchConfig(dir: string): void {
  fs.mkdirSync(path.join(dir, "regions"), { recursive: true });
  fs.copyFileSync(path.join(REPO_ROOT, "config/fleet.yaml"), path.join(dir, "fleet.yaml"));
  const region = parse(fs.readFileSync(path.join(REPO_ROOT, "config/regions/us-east-1.yaml"), "utf8")) as Record<string, unknown>;
  const nodes = Math.ceil(JOBS / 8);
  region.gpuPools = [{ name: POOL, instanceType: "p5.48xlarge", capacityType: "on-demand", minSize: 0, maxSize: nodes, sharing: { mode: "exclusive" } }];
  region.quotas = { research: { [POOL]: (nodes * 8) / 2 }, inference: { [POOL]: (nodes * 8) / 2 } };
  fs.writeFileSync(path.join(dir, "regions/us-east-1.yaml"), stringify(region));
  const fleet = parse(fs.readFileSync(path.join(dir, "fleet.yaml"), "utf8")) as Record<string, unknown>;
  delete fleet.regions;
  fs.writeFileSync(path.join(dir, "fleet.yaml"), stringify({ ...fleet, regions: ["us-east-1"] }));
}

function job(tenant: string, index: number): Record<string, unknown> {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: `bench-${index}`, namespace: tenant, labels: { "kueue.x-k8s.io/queue-name": "default" } },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: "Never",
          nodeSelector: { "fastgpu.io/pool": POOL },
          securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "work",
              image: "registry.example/bench:1",
              resources: { requests: { cpu: "1", memory: "1Gi", "nvidia.com/gpu": "1" }, limits: { "nvidia.com/gpu": "1" } },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            },
          ],
        },
      },
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function main(): Promise<void> {
  const config = loadFleetModel(path.join(REPO_ROOT, "config"));
  const region = config.regions[0];
  if (!built(region.config.kubernetesVersion)) {
    console.log("twin: skipped (components not built; run `npm run twin -- build` once; see the README for cold-build times)");
    return;
  }
  if (fs.existsSync(path.join(twinStateDir(), "state.json"))) {
    console.log("twin: skipped (a twin is running; the benchmark needs its own: `npm run twin -- down`)");
    return;
  }
  const quiet = (): void => undefined;
  try {
    const started = Date.now();
    await twinUp({ region, nodes: {}, log: quiet });
    console.log(`${"twin up (warm)".padEnd(22)} ${region.region}, ${region.pools.length} GPU pools at maxSize: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    twinDown();

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fastgpu-bench-twin-"));
    writeBenchConfig(dir);
    const benchConfig = loadFleetModel(dir);
    const { kubeconfig } = await twinUp({ region: benchConfig.regions[0], nodes: {}, log: quiet });
    const { kubectl } = ensureHelmKubectl(quiet);
    const tenants = benchConfig.fleet.tenants.map((tenant) => tenant.name);
    const list = { apiVersion: "v1", kind: "List", items: Array.from({ length: JOBS }, (_, i) => job(tenants[i % tenants.length], i)) };
    const env = { ...process.env, KUBECONFIG: kubeconfig };
    const submitted = Date.now();
    const apply = spawnSync(kubectl, ["apply", "-f", "-"], { input: JSON.stringify(list), env, encoding: "utf8", maxBuffer: 64 << 20 });
    if (apply.status !== 0) throw new Error(apply.stderr);
    const appliedMs = Date.now() - submitted;
    let admitted = 0;
    let bound = 0;
    while (bound < JOBS || admitted < JOBS) {
      await sleep(1000);
      const workloads = spawnSync(kubectl, ["get", "workloads.kueue.x-k8s.io", "-A", "-o", "jsonpath={range .items[*]}{.status.conditions[?(@.type==\"Admitted\")].status}{\"\\n\"}{end}"], { env, encoding: "utf8", maxBuffer: 64 << 20 });
      admitted = workloads.stdout.split("\n").filter((status) => status === "True").length;
      const pods = spawnSync(kubectl, ["get", "pods", "-A", "-l", "batch.kubernetes.io/job-name", "-o", "jsonpath={range .items[*]}{.spec.nodeName}{\"\\n\"}{end}"], { env, encoding: "utf8", maxBuffer: 64 << 20 });
      bound = pods.stdout.split("\n").filter(Boolean).length;
      if (Date.now() - submitted > 30 * 60 * 1000) throw new Error(`only ${admitted} admitted and ${bound} bound after 30 minutes`);
    }
    const seconds = (Date.now() - submitted) / 1000;
    console.log(
      `${"Kueue admission".padEnd(22)} ${JOBS} single-GPU Jobs from ${tenants.length} tenants: all admitted and bound ${seconds.toFixed(1)} s after submission ` +
        `(${(JOBS / seconds).toFixed(1)} jobs/s; creating them with kubectl apply took ${(appliedMs / 1000).toFixed(1)} s, the last was bound ${(seconds - appliedMs / 1000).toFixed(1)} s after that)`,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  } finally {
    twinDown();
  }
}

main().catch((error: unknown) => {
  console.error(`twin bench failed: ${(error as Error).message}`);
  process.exit(1);
});
