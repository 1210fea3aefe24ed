import { loadFleetModel } from "../lib/model/region";
import type { KubeObject } from "../lib/k8s/object";
import { regionReleases } from "../lib/platform/releases";
import { admissionPolicyFor, admits, DEFAULT_CONFIG_DIR, type AdmissionPolicy } from "./helpers";

const config = loadFleetModel(DEFAULT_CONFIG_DIR);
const east = config.regions.find((region) => region.region === "us-east-1")!;
const installed: KubeObject[] = regionReleases(east).all.flatMap((release) => release.objects);
const policies = installed.filter((object) => object.kind === "ValidatingAdmissionPolicy") as unknown as AdmissionPolicy[];
const policyFor = (resource: string) => admissionPolicyFor(installed, resource);

const container = (resources?: Record<string, Record<string, string>>) => ({ name: "main", image: "example/train:1", ...(resources ? { resources } : {}) });
const pod = (...containers: object[]) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "research" }, spec: { containers } });
const job = (...containers: object[]) => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "j", namespace: "research" },
  spec: { template: { spec: { restartPolicy: "Never", containers } } },
});

describe("tenant namespaces admit only workloads that request a GPU", () => {
  it("installs a denying policy per target, bound to tenant namespaces only", () => {
    expect(policies.map((policy) => policy.metadata.name).sort()).toEqual([
      "fastgpu-tenant-cronjobs-request-gpus",
      "fastgpu-tenant-guardrails-platform-owned",
      "fastgpu-tenant-pods-request-gpus",
      "fastgpu-tenant-workloads-request-gpus",
    ]);
    for (const policy of policies) {
      expect(policy.spec.failurePolicy).toBe("Fail");
      expect(policy.spec.matchConstraints.namespaceSelector).toEqual({ matchExpressions: [{ key: "fastgpu.io/tenant", operator: "Exists" }] });
      const binding = installed.find((object) => object.kind === "ValidatingAdmissionPolicyBinding" && object.metadata.name === policy.metadata.name);
      expect(binding?.spec).toEqual({ policyName: policy.metadata.name, validationActions: ["Deny"] });
    }
    expect(policyFor("jobs").spec.matchConstraints.resourceRules.flatMap((rule) => rule.resources).sort()).toEqual([
      "daemonsets",
      "deployments",
      "jobs",
      "replicasets",
      "statefulsets",
    ]);
  });

  it("admits whole GPUs, time-sliced GPUs and MIG slices, in requests or limits", () => {
    const pods = policyFor("pods");
    expect(admits(pods, pod(container({ limits: { "nvidia.com/gpu": "1" } })))).toBe(true);
    expect(admits(pods, pod(container({ requests: { cpu: "4", "nvidia.com/mig-1g.10gb": "2" } })))).toBe(true);
    // A sidecar without GPUs is fine while another container holds one.
    expect(admits(pods, pod(container({ requests: { cpu: "1" } }), container({ limits: { "nvidia.com/gpu": "8" } })))).toBe(true);
    expect(admits(policyFor("jobs"), job(container({ limits: { "nvidia.com/gpu": "8" } })))).toBe(true);
    const cronJob = { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "c" }, spec: { schedule: "0 * * * *", jobTemplate: job(container({ limits: { "nvidia.com/gpu": "1" } })) } };
    expect(admits(policyFor("cronjobs"), cronJob)).toBe(true);
  });

  it("denies CPU-only pods and Jobs, zero GPUs, and GPUs only in init containers", () => {
    const pods = policyFor("pods");
    const workloads = policyFor("jobs");
    expect(admits(pods, pod(container({ requests: { cpu: "2", memory: "4Gi" } })))).toBe(false);
    expect(admits(pods, pod(container()))).toBe(false);
    expect(admits(pods, pod(container({ limits: { "nvidia.com/gpu": "0" } })))).toBe(false);
    expect(admits(pods, { ...pod(container()), spec: { initContainers: [container({ limits: { "nvidia.com/gpu": "1" } })], containers: [container()] } })).toBe(false);
    const cpuCronJob = { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "c" }, spec: { schedule: "0 * * * *", jobTemplate: job(container()) } };
    expect(admits(policyFor("cronjobs"), cpuCronJob)).toBe(false);
    expect(admits(workloads, job(container({ requests: { cpu: "16" } })))).toBe(false);
    const gpuPolicies = policies.filter((policy) => policy.metadata.name.endsWith("-request-gpus"));
    expect(gpuPolicies.every((policy) => /must request a GPU/.test(policy.spec.validations[0].message))).toBe(true);
  });

  it("lets existing workloads be relabelled and deleted, and checks a changed pod template", () => {
    const workloads = policyFor("jobs");
    const cpuOnly = job(container({ requests: { cpu: "1" } }));
    // Created before the policy: a label edit or the garbage collector's finalizer removal must not be refused.
    expect(admits(workloads, { ...cpuOnly, metadata: { ...cpuOnly.metadata, labels: { team: "a" } } }, cpuOnly)).toBe(true);
    expect(admits(workloads, { ...cpuOnly, metadata: { ...cpuOnly.metadata, deletionTimestamp: "2026-11-25T00:00:00Z" } }, cpuOnly)).toBe(true);
    // Turning a GPU workload into a CPU-only one is refused.
    const gpu = job(container({ limits: { "nvidia.com/gpu": "1" } }));
    expect(admits(workloads, cpuOnly, gpu)).toBe(false);
    expect(admits(workloads, gpu, cpuOnly)).toBe(true);
  });
});
