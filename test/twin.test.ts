/**
 * The twin's pure parts, without a twin: its nodes come from the pool facts, its Go tools modules pin the
 * versions lib/versions.ts names, and the host Kueue keeps the chart's Configuration.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { loadFleetConfig } from "../lib/config/load";
import { buildRegionModel } from "../lib/model/region";
import { KUEUE_EXCLUDED_RESOURCE_PREFIXES, kueueConfiguration } from "../lib/helm/kueue";
import { parseNodeCounts, twinNodeObject, twinNodeSpecs } from "../lib/twin/nodes";
import { CHARTS, TWIN_CONTROL_PLANE, TWIN_KUEUE } from "../lib/versions";
import { hostKueueConfiguration, twinReleases } from "../tools/twin/cluster";
import { DEFAULT_CONFIG_DIR, REPO_ROOT } from "./helpers";
import { autoscalerTemplateTags } from "../lib/model/node-template";
import { GPU_TAINT, POOL_LABEL, VALIDATION_LABEL } from "../lib/naming";

const config = loadFleetConfig(DEFAULT_CONFIG_DIR);
const east = config.regions.find((region) => region.region === "us-east-1")!;
const eastModel = buildRegionModel(config.fleet, east);

describe("twin nodes", () => {
  const specs = twinNodeSpecs(eastModel);

  it("has every pool at maxSize, the system pool included", () => {
    expect(specs.filter((spec) => spec.pool === "system")).toHaveLength(east.systemPool.maxSize);
    for (const pool of east.gpuPools) expect(specs.filter((spec) => spec.pool === pool.name)).toHaveLength(pool.maxSize);
  });

  it("gives each GPU node the labels, taint and resources the autoscaler template of its pool carries", () => {
    for (const facts of eastModel.pools) {
      const { pool } = facts;
      const tags = autoscalerTemplateTags(facts);
      const node = specs.find((spec) => spec.pool === pool.name)!;
      for (const [tag, value] of Object.entries(tags)) {
        const [, kind, ...rest] = tag.replace("k8s.io/cluster-autoscaler/node-template/", "/").split("/");
        const key = rest.join("/");
        if (kind === "label") expect(node.labels[key]).toBe(value);
        if (kind === "taint") expect(node.taints).toContainEqual({ key, value: value.split(":")[0], effect: value.split(":")[1] });
        // A MIG node's template says nvidia.com/gpu: 0; the node simply does not advertise it.
        if (kind === "resources" && !(key === "nvidia.com/gpu" && value === "0")) expect(node.resources[key]).toBe(value);
      }
      expect(node.labels[POOL_LABEL]).toBe(pool.name);
      expect(node.labels[VALIDATION_LABEL]).toBe("passed");
      expect(node.taints).toEqual([GPU_TAINT]);
    }
  });

  it("advertises MIG slices, not whole GPUs, on a MIG pool", () => {
    const mig = specs.find((spec) => spec.pool === "mig-a100")!;
    expect(mig.resources["nvidia.com/mig-3g.20gb"]).toBe("8");
    expect(mig.resources["nvidia.com/gpu"]).toBeUndefined();
  });

  it("honours --nodes and refuses unknown pools and bad counts", () => {
    expect(twinNodeSpecs(eastModel, { "train-h100": 1, system: 1 }).filter((spec) => spec.pool === "train-h100")).toHaveLength(1);
    expect(() => twinNodeSpecs(eastModel, { nope: 1 })).toThrow(/no pool "nope" in us-east-1/);
    expect(parseNodeCounts(["train-h100=2"])).toEqual({ "train-h100": 2 });
    expect(() => parseNodeCounts(["train-h100"])).toThrow(/expected <pool>=<count>/);
    expect(() => parseNodeCounts(["a=1", "a=2"])).toThrow(/given twice/);
  });

  it("puts status (capacity = allocatable) and kwok's annotation on the Node object", () => {
    const node = twinNodeObject(specs[0]);
    expect(node.status).toEqual({ capacity: specs[0].resources, allocatable: specs[0].resources });
    expect(node.metadata.annotations).toEqual({ "kwok.x-k8s.io/node": "fake" });
  });
});

describe("twin component pins", () => {
  function goMod(dir: string): string {
    return fs.readFileSync(path.join(REPO_ROOT, dir, "go.mod"), "utf8");
  }

  it("builds the Kueue our chart deploys", () => {
    expect(TWIN_KUEUE.kueue).toBe(`v${CHARTS.kueue.version}`);
  });

  it("pins Kueue and kwok in their tools module exactly as lib/versions.ts does", () => {
    const mod = goMod(TWIN_KUEUE.toolsModule);
    expect(mod).toMatch(new RegExp(`\\bsigs\\.k8s\\.io/kueue ${TWIN_KUEUE.kueue.replace(/\./g, "\\.")}\\b`));
    expect(mod).toMatch(new RegExp(`\\bsigs\\.k8s\\.io/kwok ${TWIN_KUEUE.kwok.replace(/\./g, "\\.")}\\b`));
  });

  it.each(Object.entries(TWIN_CONTROL_PLANE))("pins Kubernetes %s, its staging modules and etcd in its tools module", (minor, pin) => {
    const mod = goMod(pin.toolsModule);
    expect(mod).toMatch(new RegExp(`\\bk8s\\.io/kubernetes ${pin.kubernetes.replace(/\./g, "\\.")}\\b`));
    expect(mod).toMatch(new RegExp(`\\bgo\\.etcd\\.io/etcd/server/v3 ${pin.etcd.replace(/\./g, "\\.")}\\b`));
    const staging = `v0.${pin.kubernetes.split(".").slice(1).join(".")}`;
    const replaces = [...mod.matchAll(/^\s+(k8s\.io\/[\w-]+) => \1 (v[\d.]+)$/gm)];
    expect(replaces.length).toBeGreaterThan(20);
    for (const [, , version] of replaces) expect(version).toBe(staging);
    expect(pin.kubernetes.startsWith(`v${minor}.`)).toBe(true);
  });

  it("has a control plane for every Kubernetes version the default config uses", () => {
    for (const region of config.regions) expect(TWIN_CONTROL_PLANE[region.kubernetesVersion]).toBeDefined();
  });
});

describe("the twin's host Kueue", () => {
  it("keeps the chart's Configuration and changes only addresses and certificates", () => {
    const chart = { ...kueueConfiguration(), internalCertManagement: { enable: true, webhookServiceName: "kueue-webhook-service" } };
    const host = hostKueueConfiguration(chart, { webhook: 1, metrics: 2, health: 3 }, "/certs", "kueue-system");
    const changed = Object.keys(host).filter((key) => JSON.stringify(host[key]) !== JSON.stringify(chart[key as keyof typeof chart]));
    expect(changed.sort()).toEqual(["health", "internalCertManagement", "leaderElection", "metrics", "webhook"]);
    expect(host.webhook).toEqual({ port: 1, host: "127.0.0.1", certDir: "/certs" });
    expect(host.resources).toEqual({ excludeResourcePrefixes: [...KUEUE_EXCLUDED_RESOURCE_PREFIXES] });
  });

  it("installs Kueue and our charts, and leaves out the GPU operator and the autoscaler", () => {
    const { install, leftOut } = twinReleases(eastModel);
    expect(install.map((release) => release.name)).toEqual(["kueue", "fastgpu-tenancy", "fastgpu-gpu-validation"]);
    expect(leftOut.map((release) => release.name).sort()).toEqual(["cluster-autoscaler", "gpu-operator"]);
  });
});
