/**
 * Admission by the twin's real kube-apiserver: our ValidatingAdmissionPolicies (the API server's own CEL),
 * Pod Security `restricted`, and Kueue's webhooks, on requests made with server-side dry runs.
 */
import { GPU_WORKLOAD_MESSAGE, STARTUP_TOLERATION_MESSAGE, SYSTEM_PRIORITY_MESSAGE } from "../../lib/tenancy/admission";
import { buildRegionModel } from "../../lib/model/region";
import { regionDeployGate } from "../../lib/platform/releases";
import { validationChartObjects, validationImage, validationRepositoryPlaceholder } from "../../lib/validation/objects";
import { defaultConfig, getJson, kubectl, tenantAdmin, yamlOf } from "./twin-client";
import { VALIDATION_TAINT } from "../../lib/naming";

const { config, region } = defaultConfig();
const tenant = config.fleet.tenants[0].name;
const pool = region.gpuPools[0].name;

const restricted = {
  securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
};
const containerSecurity = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };

function podSpec(resources: Record<string, string>, extra: Record<string, unknown> = {}, container: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...restricted,
    nodeSelector: { "fastgpu.io/pool": pool },
    containers: [{ name: "main", image: "registry.example/app:1", resources: { requests: resources, limits: resources }, securityContext: containerSecurity, ...container }],
    ...extra,
  };
}

const CPU_ONLY = { cpu: "1", memory: "1Gi" };

function workload(kind: string, spec: Record<string, unknown>): Record<string, unknown> {
  const metadata = { name: `cpu-only-${kind.toLowerCase()}`, namespace: tenant };
  const labels = { app: metadata.name };
  const template = { metadata: { labels }, spec: { ...spec, restartPolicy: kind === "Job" || kind === "CronJob" ? "Never" : "Always" } };
  switch (kind) {
    case "Pod":
      return { apiVersion: "v1", kind, metadata, spec: { ...spec, restartPolicy: "Never" } };
    case "Job":
      return { apiVersion: "batch/v1", kind, metadata, spec: { template } };
    case "CronJob":
      return { apiVersion: "batch/v1", kind, metadata, spec: { schedule: "0 * * * *", jobTemplate: { spec: { template } } } };
    case "StatefulSet":
      return { apiVersion: "apps/v1", kind, metadata, spec: { serviceName: metadata.name, selector: { matchLabels: labels }, template } };
    default:
      return { apiVersion: "apps/v1", kind, metadata, spec: { selector: { matchLabels: labels }, template } };
  }
}

function dryRun(objects: readonly object[], as = tenantAdmin(tenant)) {
  return kubectl(["create", "--dry-run=server", "-f", "-"], yamlOf(objects), as);
}

describe(`admission on the twin's real API server (${region.region})`, () => {
  it.each(["Pod", "Job", "CronJob", "Deployment", "StatefulSet", "ReplicaSet", "DaemonSet"])("refuses a GPU-less %s in a tenant namespace with our message", (kind) => {
    const result = dryRun([workload(kind, podSpec(CPU_ONLY))]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(GPU_WORKLOAD_MESSAGE);
  });

  it("accepts the same Pod once it requests a GPU", () => {
    const result = dryRun([workload("Pod", podSpec({ ...CPU_ONLY, "nvidia.com/gpu": "1" }))]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it.each([
    ["the validation startup taint", { key: VALIDATION_TAINT.key, operator: "Exists" }],
    ["every taint (no key)", { operator: "Exists" }],
  ])("refuses a tenant pod that tolerates %s", (_what, toleration) => {
    const gpu = { ...CPU_ONLY, "nvidia.com/gpu": "1" };
    for (const kind of ["Pod", "Job"]) {
      const result = dryRun([workload(kind, podSpec(gpu, { tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }, toleration] }))]);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain(STARTUP_TOLERATION_MESSAGE);
    }
  });

  it.each(["system-node-critical", "system-cluster-critical"])("refuses a tenant pod at priority class %s", (priorityClassName) => {
    const result = dryRun([workload("Pod", podSpec({ ...CPU_ONLY, "nvidia.com/gpu": "1" }, { priorityClassName }))]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(SYSTEM_PRIORITY_MESSAGE);
  });

  it("lets Pod Security restricted refuse a privileged tenant pod", () => {
    const result = dryRun([workload("Pod", podSpec({ ...CPU_ONLY, "nvidia.com/gpu": "1" }, {}, { securityContext: { privileged: true } }))]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/violates PodSecurity "restricted:latest"/);
  });

  it("installed the validation workloads in the system namespace, and accepts the deploy gate's Jobs there", () => {
    const model = buildRegionModel(config.fleet, region);
    const image = validationImage(validationRepositoryPlaceholder(model), config.fleet);
    for (const object of validationChartObjects(model, image)) {
      const kind = object.kind.toLowerCase();
      const args = object.metadata.namespace ? [kind, object.metadata.name, "-n", object.metadata.namespace] : [kind, object.metadata.name];
      expect(getJson(args)).toMatchObject({ kind: object.kind, metadata: { name: object.metadata.name } });
    }
    const gate = regionDeployGate(model);
    const result = kubectl(["create", "--dry-run=server", "-f", "-"], yamlOf(gate.jobs));
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});
