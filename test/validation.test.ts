import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadFleetConfig } from "../lib/config/load";
import type { GpuPoolConfig } from "../lib/config/schema";
import { clusterAutoscalerValues } from "../lib/helm/cluster-autoscaler";
import type { KubeObject } from "../lib/k8s/object";
import { regionDeployGate, regionReleases } from "../lib/platform/releases";
import { deployGateArgs, deployGateCommand, deployGateJobsValue, DeployGateInputError } from "../lib/validation/gate-command";
import { parseGateJobs, smokeJob } from "../lib/validation/jobs";
import { deployGateJob, deployGateJobs, joinGateDaemonSet, validationChartObjects, withImageRepository } from "../lib/validation/objects";
import { validationTarget } from "../lib/validation/workload";
import { terraformForTests } from "../tools/toolchain/terraform";
import { buildRegionModel } from "../lib/model/region";
import { DEFAULT_CONFIG_DIR, poolModel, REPO_ROOT, tempDir } from "./helpers";
import { autoscalerTemplateTags } from "../lib/model/node-template";
import { STARTUP_TAINT_PREFIX, VALIDATION_TAINT } from "../lib/naming";

const config = loadFleetConfig(DEFAULT_CONFIG_DIR);
const east = config.regions.find((region) => region.region === "us-east-1")!;
const eastModel = buildRegionModel(config.fleet, east);
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
  priorityClassName?: string;
};
const podSpecOf = (object: KubeObject) => (object.spec as { template: { spec: PodSpec } }).template.spec;

describe("what a validation pod holds and expects", () => {
  it("exclusive pools: every GPU of the node", () => {
    expect(validationTarget(poolModel(pool({})), "quick")).toEqual({
      resources: { "nvidia.com/gpu": 8 },
      args: ["--profile", "quick", "--expect-sku", "0x2330", "--sharing", "exclusive", "--expect-gpus", "8"],
    });
  });

  it("time-sliced pools: one replica (the device plugin refuses a pod asking for more)", () => {
    expect(validationTarget(poolModel(pool({ instanceType: "g6.xlarge", sharing: { mode: "time-slicing", replicas: 4 } })), "full")).toEqual({
      resources: { "nvidia.com/gpu": 1 },
      args: ["--profile", "full", "--expect-sku", "0x27b8", "--sharing", "time-slicing", "--expect-gpus", "1"],
    });
  });

  it("MIG pools: every slice of the layout on every GPU, each checked, and the slices against the layout", () => {
    const target = validationTarget(poolModel(pool({ instanceType: "p4d.24xlarge", sharing: { mode: "mig", layout: { "1g.5gb": 2, "3g.20gb": 1, "2g.10gb": 1 } } })), "quick");
    expect(target.resources).toEqual({ "nvidia.com/mig-1g.5gb": 16, "nvidia.com/mig-2g.10gb": 8, "nvidia.com/mig-3g.20gb": 8 });
    expect(target.args).toEqual([
      "--profile", "quick", "--expect-sku", "0x20b0",
      "--sharing", "mig", "--expect-gpus", "32", "--expect-mig-slices", "1g.5gb=16,2g.10gb=8,3g.20gb=8",
    ]);
  });
});

describe("the deploy gate", () => {
  it("runs an indexed Job with one pod per node of each pool that has nodes at deploy time", () => {
    const jobs = deployGateJobs(eastModel, "repo/gpu-validate:0.1.0");
    // Only infer-l4 has minSize >= 1 in us-east-1.
    expect(jobs.map((job) => job.metadata.name)).toEqual([expect.stringMatching(/^gpu-validation-infer-l4-[0-9a-f]{8}$/)]);
    const [job] = jobs;
    // Not in the chart: the gate creates its Jobs on every run.
    expect(validationChartObjects(eastModel, "repo/gpu-validate:0.1.0").some((object) => object.kind === "Job")).toBe(false);
    expect(job.spec).toMatchObject({ completionMode: "Indexed", completions: 1, parallelism: 1, backoffLimitPerIndex: 0, maxFailedIndexes: 1 });
    // Preempted by a tenant pod is no verdict on the node: the index runs again.
    expect(job.spec).toMatchObject({ podFailurePolicy: { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] }] } });
    const spec = podSpecOf(job);
    expect(spec.nodeSelector).toEqual({ "fastgpu.io/pool": "infer-l4" });
    expect(spec.containers[0].resources.limits).toMatchObject({ "nvidia.com/gpu": "1" });
    expect(spec.containers[0].args).toEqual(expect.arrayContaining(["--json", "-", "--termination-log", "/dev/termination-log"]));
    expect(spec.affinity).toMatchObject({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname" }] } });
    expect(spec.priorityClassName).toBe("fastgpu-validation");
  });

  it("runs validation pods at a priority that never scales a pool up nor preempts a tenant", () => {
    const priorityClass = validationChartObjects(eastModel, "img").find((object) => object.kind === "PriorityClass")!;
    // Cluster Autoscaler ignores pending pods below its expendable cutoff (-10 by default) when scaling up.
    expect(priorityClass).toMatchObject({ metadata: { name: "fastgpu-validation" }, value: -100, preemptionPolicy: "Never", globalDefault: false });
    expect(priorityClass.value as number).toBeLessThan(-10);
    // Tenant pods run at pod priority 0 (Kueue's workload priority classes do not set pod priority).
    expect(priorityClass.value as number).toBeLessThan(0);
    const smoke = smokeJob({ node: "n", facts: poolModel(pool({})), image: "img", profile: "quick", runId: "r", timeoutSeconds: 60 });
    expect(podSpecOf(smoke).priorityClassName).toBe("fastgpu-validation");
  });

  it("is a new Job whenever what it runs changes, and the same Job when nothing does", () => {
    const facts = poolModel(pool({}));
    const name = (image: string, fleet = config.fleet) => deployGateJob(facts, fleet, image).metadata.name;
    expect(name("a/gpu-validate:0.1.0")).toBe(name("b/gpu-validate:0.1.0")); // repository differs only by account
    expect(name("a/gpu-validate:0.1.0", { ...config.fleet, validation: { ...config.fleet.validation, image: { tag: "0.2.0" } } })).not.toBe(name("a/gpu-validate:0.1.0"));
    expect(deployGateJob(poolModel(pool({ minSize: 3 })), config.fleet, "x").metadata.name).not.toBe(name("x"));
  });

  it("is run by the deploy from the project directory, with its Jobs handed over intact", () => {
    const input = { region: "us-east-1", clusterName: "fastgpu-us-east-1", timeoutMinutes: 40 };
    expect(deployGateArgs(input)).toEqual(["--region", "us-east-1", "--cluster", "fastgpu-us-east-1", "--timeout-minutes", "40"]);
    // From cdktf.out/stacks/<stack>, ../../.. is the project: its npm script runs the gate there.
    expect(deployGateCommand(input)).toBe('cd "$${FASTGPU_ROOT:-../../..}" && npm run --silent deploy-gate -- --region us-east-1 --cluster fastgpu-us-east-1 --timeout-minutes 40');
    const script = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts["deploy-gate"];
    expect(script).toBe("node --import tsx tools/deploy-gate.ts");
    expect(fs.existsSync(path.join(REPO_ROOT, "tools/deploy-gate.ts"))).toBe(true);

    const gate = regionDeployGate(eastModel);
    const value = deployGateJobsValue(gate.jobs);
    // Terraform would read `${` as interpolation: it is escaped, and Terraform's unescaping restores the Jobs.
    const withTemplate = [{ ...gate.jobs[0], metadata: { ...gate.jobs[0].metadata, annotations: { note: "${not-terraform} %{x}" } } }];
    expect(deployGateJobsValue(withTemplate)).toContain("$${not-terraform} %%{x}");
    const unescaped = value.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
    const parsed = parseGateJobs(unescaped, "FASTGPU_DEPLOY_GATE_JOBS");
    expect(parsed).toEqual([{ pool: "infer-l4", nodes: 1, job: gate.jobs[0] }]);
    const repository = "123456789012.dkr.ecr.us-east-1.amazonaws.com/fastgpu/gpu-validate";
    const real = withImageRepository(parsed[0].job, gate.repositoryPlaceholder, repository);
    expect(podSpecOf(real).containers[0].image).toBe(`${repository}:${config.fleet.validation.image.tag}`);
    expect(real.metadata.name).toBe(gate.jobs[0].metadata.name);
  });

  // terraform, else tofu, else `npm run toolchain:tofu`'s OpenTofu; skipped without one, except under CI=true.
  const terraform = terraformForTests();
  (terraform.run ? it : it.skip)("reaches the gate byte for byte through a real Terraform local-exec environment", () => {
    if (!terraform.binary) throw new Error(terraform.missing);
    const dir = tempDir("fastgpu-tf-env-");
    const [job] = regionDeployGate(eastModel).jobs;
    const jobs = [{ ...job, metadata: { ...job.metadata, annotations: { note: '${x} %{y} $${z} "quoted"' } } }];
    const local = { command: 'printf %s "$FASTGPU_DEPLOY_GATE_JOBS" > received.json', environment: { FASTGPU_DEPLOY_GATE_JOBS: deployGateJobsValue(jobs) } };
    fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ resource: { terraform_data: { gate: { provisioner: [{ "local-exec": local }] } } } }));
    for (const args of [["init", "-input=false"], ["apply", "-auto-approve", "-input=false"]]) {
      const run = spawnSync(terraform.binary.path, args, { cwd: dir, encoding: "utf8", env: { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" } });
      if (run.status !== 0) throw new Error(`${terraform.binary.path} ${args.join(" ")} exited ${run.status}: ${run.stderr}`);
    }
    expect(fs.readFileSync(path.join(dir, "received.json"), "utf8")).toBe(JSON.stringify(jobs));
  });

  it("refuses Jobs it must not create, naming the problem", () => {
    const [job] = regionDeployGate(eastModel).jobs;
    const text = (value: unknown) => JSON.stringify(value);
    expect(() => parseGateJobs(undefined, "X")).toThrow(/X is not set; the deploy gate is run by `cdktf deploy`/);
    expect(() => parseGateJobs("[{", "X")).toThrow(/X: not valid JSON/);
    expect(() => parseGateJobs("[]", "X")).toThrow(/X: expected a non-empty JSON array of Jobs/);
    expect(() => parseGateJobs(text([{ ...job, kind: "Pod" }]), "X")).toThrow(/X\[0\]: not a batch\/v1 Job/);
    expect(() => parseGateJobs(text([{ ...job, metadata: { ...job.metadata, namespace: "kube-system" } }]), "X")).toThrow(/only in fastgpu-system/);
    expect(() => parseGateJobs(text([{ ...job, metadata: { ...job.metadata, labels: {} } }]), "X")).toThrow(/no fastgpu\.io\/pool label/);
    expect(() => parseGateJobs(text([{ ...job, spec: { ...(job.spec as object), completions: 0 } }]), "X")).toThrow(DeployGateInputError);
  });

  it("can be switched off", () => {
    const off = { ...config.fleet, validation: { ...config.fleet.validation, deployGate: false } };
    expect(deployGateJobs(buildRegionModel(off, east), "x")).toEqual([]);
    expect(regionDeployGate(buildRegionModel(off, east)).jobs).toEqual([]);
  });
});

describe("the node-join gate", () => {
  const daemonSet = joinGateDaemonSet(poolModel(pool({ name: "mig", instanceType: "p4d.24xlarge", sharing: { mode: "mig", layout: { "7g.40gb": 1 } } })), "img");

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
    expect(spec.containers[0].args).toEqual(expect.arrayContaining(["--profile", "quick", "--expect-mig-slices", "7g.40gb=8"]));
    expect(spec.containers[0].resources.limits).toMatchObject({ "nvidia.com/mig-7g.40gb": "8" });
    expect(spec.serviceAccountName).toBe("gpu-join-gate");
  });

  it("may only get and patch nodes cluster-wide, and create events where Node events live", () => {
    const objects = validationChartObjects(eastModel, "img");
    const clusterRoles = objects.filter((object) => object.kind === "ClusterRole");
    expect(clusterRoles.map((role) => role.rules)).toEqual([[{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "patch"] }]]);
    const role = objects.find((object) => object.kind === "Role")!;
    expect(role.metadata.namespace).toBe("default");
    expect(role.rules).toEqual([{ apiGroups: [""], resources: ["events"], verbs: ["create"] }]);
  });

  it("taints every GPU node group, and nothing that tenants run tolerates that taint", () => {
    const objects = [...regionReleases(eastModel).all.flatMap((release) => release.objects), ...regionDeployGate(eastModel).jobs];
    const tolerating = objects.filter((object) => JSON.stringify(object).includes(VALIDATION_TAINT.key)).map((object) => `${object.kind}/${object.metadata.name}`);
    expect(tolerating.every((name) => /^(Job\/gpu-validation-|DaemonSet\/gpu-join-gate-)/.test(name))).toBe(true);
    expect(objects.filter((object) => object.kind === "ResourceFlavor").every((flavor) => !JSON.stringify(flavor).includes(VALIDATION_TAINT.key))).toBe(true);
  });

  it("never stops Cluster Autoscaler from scaling up: a startup taint, left out of node templates, named in its flags", () => {
    expect(VALIDATION_TAINT.key.startsWith(STARTUP_TAINT_PREFIX)).toBe(true);
    expect(STARTUP_TAINT_PREFIX).toBe("startup-taint.cluster-autoscaler.kubernetes.io/");
    const tags = autoscalerTemplateTags(poolModel(pool({})));
    expect(Object.keys(tags).filter((key) => key.includes("/taint/"))).toEqual(["k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu"]);
    const values = clusterAutoscalerValues({ region: "us-east-1", clusterName: "c", kubernetesVersion: "1.35", startupTaints: [VALIDATION_TAINT] });
    expect(values.extraArgs["startup-taint"]).toBe(VALIDATION_TAINT.key);
    const deployed = regionReleases(eastModel).all.find((release) => release.name === "cluster-autoscaler")!;
    expect((deployed.values as { extraArgs: Record<string, unknown> }).extraArgs["startup-taint"]).toBe(VALIDATION_TAINT.key);
  });

  it("lets the GPU operator's daemon sets run on nodes not yet validated", () => {
    const operator = regionReleases(eastModel).all.find((release) => release.name === "gpu-operator")!;
    const values = operator.values as { daemonsets: { tolerations: { key: string }[] }; "node-feature-discovery": { worker: { tolerations: { key: string }[] } } };
    expect(values.daemonsets.tolerations.map((toleration) => toleration.key)).toContain(VALIDATION_TAINT.key);
    expect(values["node-feature-discovery"].worker.tolerations.map((toleration) => toleration.key)).toContain(VALIDATION_TAINT.key);
  });
});
