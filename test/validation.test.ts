import * as fs from "node:fs";
import * as path from "node:path";
import { gpuById } from "../lib/catalog/gpus";
import { loadFleetConfig } from "../lib/config/load";
import type { GpuPoolConfig } from "../lib/config/schema";
import { clusterAutoscalerValues } from "../lib/helm/cluster-autoscaler";
import type { KubeObject } from "../lib/k8s/object";
import { autoscalerTemplateTags, STARTUP_TAINT_PREFIX, VALIDATION_TAINT } from "../lib/node-template";
import { deployGateJobs, regionReleases } from "../lib/platform/releases";
import { derivePool } from "../lib/pools";
import { deployGateArgs, deployGateCommand } from "../lib/validation/gate-command";
import { deployGateJob, joinGateDaemonSet, validationObjects } from "../lib/validation/objects";
import { validationTarget } from "../lib/validation/workload";
import { DEFAULT_CONFIG_DIR, REPO_ROOT } from "./helpers";

const config = loadFleetConfig(DEFAULT_CONFIG_DIR);
const east = config.regions.find((region) => region.region === "us-east-1")!;
const pool = (overrides: Partial<GpuPoolConfig>): GpuPoolConfig => ({
  name: "p",
  instanceType: "p5.48xlarge",
  capacityType: "on-demand",
  minSize: 2,
  maxSize: 4,
  sharing: { mode: "exclusive" },
  rootVolumeGiB: 500,
  labels: {},
  ...overrides,
});

type PodSpec = {
  nodeSelector?: Record<string, string>;
  tolerations: { key: string }[];
  containers: { image: string; args: string[]; command?: string[]; resources: { requests: Record<string, string>; limits: Record<string, string> } }[];
  affinity?: Record<string, unknown>;
  serviceAccountName?: string;
};
const podSpecOf = (object: KubeObject) => (object.spec as { template: { spec: PodSpec } }).template.spec;

describe("what a validation pod holds and expects", () => {
  it("exclusive pools: every GPU of the node", () => {
    expect(validationTarget(derivePool(pool({})), "quick")).toEqual({
      resources: { "nvidia.com/gpu": 8 },
      args: ["--profile", "quick", "--expect-sku", "0x2330", "--sharing", "exclusive", "--expect-gpus", "8"],
    });
  });

  it("time-sliced pools: one replica", () => {
    expect(validationTarget(derivePool(pool({ instanceType: "g6.xlarge", sharing: { mode: "time-slicing", replicas: 4 } })), "full")).toEqual({
      resources: { "nvidia.com/gpu": 1 },
      args: ["--profile", "full", "--expect-sku", "0x27b8", "--sharing", "time-slicing", "--expect-gpus", "1"],
    });
  });

  it("MIG pools: one slice of the largest profile, checked against it", () => {
    const target = validationTarget(derivePool(pool({ instanceType: "p4d.24xlarge", sharing: { mode: "mig", layout: { "1g.5gb": 2, "3g.20gb": 1, "2g.10gb": 1 } } })), "quick");
    expect(target.resources).toEqual({ "nvidia.com/mig-3g.20gb": 1 });
    expect(target.args).toEqual(expect.arrayContaining(["--sharing", "mig", "--expect-mig-profile", "3g.20gb", "--expect-sku", "0x20b0"]));
  });

  it("names only SKUs gpu-validate's threshold table knows", () => {
    const table = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "kernels-image/data/skus.json"), "utf8")) as { skus: { pciDeviceId: string }[] };
    const known = table.skus.map((sku) => sku.pciDeviceId.toLowerCase());
    for (const id of ["a100-40gb", "a100-80gb", "h100-80gb", "h200-141gb", "b200-180gb", "l4", "l40s", "a10g", "t4"]) {
      expect(known).toContain(gpuById(id).pciDeviceId);
    }
  });
});

describe("the deploy gate", () => {
  it("runs an indexed Job with one pod per node of each pool that has nodes at deploy time", () => {
    const { deployGateJobs: jobs, objects } = validationObjects(config.fleet, east, "repo/gpu-validate:0.1.0");
    // Only infer-l4 has minSize >= 1 in us-east-1.
    expect(jobs).toEqual([{ pool: "infer-l4", job: expect.stringMatching(/^gpu-validation-infer-l4-[0-9a-f]{8}$/), nodes: 1 }]);
    const job = objects.find((object) => object.kind === "Job")!;
    expect(job.spec).toMatchObject({ completionMode: "Indexed", completions: 1, parallelism: 1, backoffLimitPerIndex: 0, maxFailedIndexes: 1 });
    const spec = podSpecOf(job);
    expect(spec.nodeSelector).toEqual({ "fastgpu.io/pool": "infer-l4" });
    expect(spec.containers[0].resources.limits).toMatchObject({ "nvidia.com/gpu": "1" });
    expect(spec.containers[0].args).toEqual(expect.arrayContaining(["--json", "-", "--termination-log", "/dev/termination-log"]));
    expect(spec.affinity).toMatchObject({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname" }] } });
  });

  it("is a new Job whenever what it runs changes, and the same Job when nothing does", () => {
    const facts = derivePool(pool({}));
    const name = (image: string, fleet = config.fleet) => deployGateJob(facts, fleet, image).metadata.name;
    expect(name("a/gpu-validate:0.1.0")).toBe(name("b/gpu-validate:0.1.0")); // repository differs only by account
    expect(name("a/gpu-validate:0.1.0", { ...config.fleet, validation: { ...config.fleet.validation, image: { tag: "0.2.0" } } })).not.toBe(name("a/gpu-validate:0.1.0"));
    expect(deployGateJob(derivePool(pool({ minSize: 3 })), config.fleet, "x").metadata.name).not.toBe(name("x"));
  });

  it("is what the deploy waits for, with a command that reaches the project from the synth output", () => {
    const jobs = deployGateJobs(config.fleet, east);
    const input = { region: "us-east-1", clusterName: "fastgpu-us-east-1", jobs, timeoutMinutes: 40 };
    expect(deployGateArgs(input)).toEqual([
      "deploy-gate",
      "--region",
      "us-east-1",
      "--cluster",
      "fastgpu-us-east-1",
      "--timeout-minutes",
      "40",
      "--job",
      `infer-l4=${jobs[0].job}:1`,
    ]);
    expect(deployGateCommand(input)).toMatch(/^node --import tsx "\$\$\{FASTGPU_ROOT:-\.\.\/\.\.\/\.\.\}\/tools\/smoke\.ts" deploy-gate /);
    expect(fs.existsSync(path.join(REPO_ROOT, "tools/smoke.ts"))).toBe(true);
  });

  it("can be switched off", () => {
    const off = { ...config.fleet, validation: { ...config.fleet.validation, deployGate: false } };
    expect(validationObjects(off, east, "x").deployGateJobs).toEqual([]);
    expect(validationObjects(off, east, "x").objects.some((object) => object.kind === "Job")).toBe(false);
  });
});

describe("the node-join gate", () => {
  const daemonSet = joinGateDaemonSet(derivePool(pool({ name: "mig", instanceType: "p4d.24xlarge", sharing: { mode: "mig", layout: { "7g.40gb": 1 } } })), "img");

  it("runs on every pool node without a result, tolerating the startup taint only the validator tolerates", () => {
    const spec = podSpecOf(daemonSet);
    expect(spec.nodeSelector).toEqual({ "fastgpu.io/pool": "mig" });
    expect(spec.affinity).toEqual({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: "fastgpu.io/gpu-validation", operator: "NotIn", values: ["passed", "failed"] }] }],
        },
      },
    });
    expect(spec.tolerations.map((toleration) => toleration.key)).toEqual(["nvidia.com/gpu", VALIDATION_TAINT.key]);
    expect(spec.containers[0].command).toEqual(["fastgpu-join-gate"]);
    expect(spec.containers[0].args).toEqual(expect.arrayContaining(["--profile", "quick", "--expect-mig-profile", "7g.40gb"]));
    expect(spec.containers[0].resources.limits).toMatchObject({ "nvidia.com/mig-7g.40gb": "1" });
    expect(spec.serviceAccountName).toBe("gpu-join-gate");
  });

  it("may only get and patch nodes cluster-wide, and create events where Node events live", () => {
    const objects = validationObjects(config.fleet, east, "img").objects;
    const clusterRoles = objects.filter((object) => object.kind === "ClusterRole");
    expect(clusterRoles.map((role) => role.rules)).toEqual([[{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "patch"] }]]);
    const role = objects.find((object) => object.kind === "Role")!;
    expect(role.metadata.namespace).toBe("default");
    expect(role.rules).toEqual([{ apiGroups: [""], resources: ["events"], verbs: ["create"] }]);
  });

  it("taints every GPU node group, and nothing that tenants run tolerates that taint", () => {
    const objects = regionReleases(config.fleet, east).flatMap((release) => release.objects);
    const tolerating = objects.filter((object) => JSON.stringify(object).includes(VALIDATION_TAINT.key)).map((object) => `${object.kind}/${object.metadata.name}`);
    expect(tolerating.every((name) => /^(Job\/gpu-validation-|DaemonSet\/gpu-join-gate-)/.test(name))).toBe(true);
    expect(objects.filter((object) => object.kind === "ResourceFlavor").every((flavor) => !JSON.stringify(flavor).includes(VALIDATION_TAINT.key))).toBe(true);
  });

  it("never stops Cluster Autoscaler from scaling up: a startup taint, left out of node templates, named in its flags", () => {
    expect(VALIDATION_TAINT.key.startsWith(STARTUP_TAINT_PREFIX)).toBe(true);
    expect(STARTUP_TAINT_PREFIX).toBe("startup-taint.cluster-autoscaler.kubernetes.io/");
    const tags = autoscalerTemplateTags(derivePool(pool({})));
    expect(Object.keys(tags).filter((key) => key.includes("/taint/"))).toEqual(["k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu"]);
    const values = clusterAutoscalerValues({ region: "us-east-1", clusterName: "c", kubernetesVersion: "1.35", startupTaints: [VALIDATION_TAINT] });
    expect(values.extraArgs["startup-taint"]).toBe(VALIDATION_TAINT.key);
    const deployed = regionReleases(config.fleet, east).find((release) => release.name === "cluster-autoscaler")!;
    expect((deployed.values as { extraArgs: Record<string, unknown> }).extraArgs["startup-taint"]).toBe(VALIDATION_TAINT.key);
  });

  it("lets the GPU operator's daemon sets run on nodes not yet validated", () => {
    const operator = regionReleases(config.fleet, east).find((release) => release.name === "gpu-operator")!;
    const values = operator.values as { daemonsets: { tolerations: { key: string }[] }; "node-feature-discovery": { worker: { tolerations: { key: string }[] } } };
    expect(values.daemonsets.tolerations.map((toleration) => toleration.key)).toContain(VALIDATION_TAINT.key);
    expect(values["node-feature-discovery"].worker.tolerations.map((toleration) => toleration.key)).toContain(VALIDATION_TAINT.key);
  });
});
