import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { loadFleetConfig } from "../lib/config/load";
import { kueueConfiguration, kueueValues } from "../lib/helm/kueue";
import type { KubeObject } from "../lib/k8s/object";
import { regionReleases } from "../lib/platform/releases";
import { tenantDataPolicy } from "../lib/tenancy/access";
import { clusterQueue, coveredResources, kueueObjects } from "../lib/tenancy/kueue";
import { tenantNamespaceObjects } from "../lib/tenancy/namespace";
import { resolveTenantQuotas } from "../lib/tenancy/quotas";
import { IMAGES, LOCAL_CHARTS } from "../lib/versions";
import { buildRegionModel } from "../lib/model/region";
import { DEFAULT_CONFIG_DIR, REPO_ROOT } from "./helpers";

const config = loadFleetConfig(DEFAULT_CONFIG_DIR);
const east = config.regions.find((region) => region.region === "us-east-1")!;
const west = config.regions.find((region) => region.region === "us-west-2")!;
const eastModel = buildRegionModel(config.fleet, east);
const westModel = buildRegionModel(config.fleet, west);
const byKind = (objects: readonly KubeObject[], kind: string) => objects.filter((object) => object.kind === kind);

type Resource = { name: string; nominalQuota: number | string; borrowingLimit?: number | string; lendingLimit?: number | string };
type Flavor = { name: string; resources: Resource[] };
const flavorsOf = (queue: KubeObject) =>
  (queue.spec as { resourceGroups: { coveredResources: string[]; flavors: Flavor[] }[] }).resourceGroups[0];

describe("tenant quotas", () => {
  it("resolve numbers, objects and tenant-wide limits", () => {
    expect(
      resolveTenantQuotas({
        a: { p1: 4, p2: { nominal: 2, borrowingLimit: 1 }, borrowingLimit: 8, lendingLimit: 2 },
        b: { p1: { nominal: 3, lendingLimit: 3 } },
      }),
    ).toEqual([
      { tenant: "a", pool: "p1", nominal: 4, borrowingLimit: 8, lendingLimit: 2 },
      { tenant: "a", pool: "p2", nominal: 2, borrowingLimit: 1, lendingLimit: 2 },
      { tenant: "b", pool: "p1", nominal: 3, borrowingLimit: undefined, lendingLimit: 3 },
    ]);
  });
});

describe("Kueue objects", () => {
  const objects = kueueObjects(eastModel);

  it("one ResourceFlavor per GPU pool, keyed on the pool label the autoscaler can satisfy, tolerating the GPU taint", () => {
    const flavors = byKind(objects, "ResourceFlavor");
    expect(flavors.map((flavor) => flavor.metadata.name)).toEqual(["train-h100", "infer-l4", "mig-a100"]);
    for (const flavor of flavors) {
      expect(flavor.spec).toEqual({
        nodeLabels: { "fastgpu.io/pool": flavor.metadata.name },
        tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
      });
      expect(JSON.stringify(flavor)).not.toContain("nvidia.com/gpu.product");
    }
  });

  it("one ClusterQueue per tenant in one cohort, covering cpu, memory and every advertised GPU resource", () => {
    const queues = byKind(objects, "ClusterQueue");
    expect(queues.map((queue) => queue.metadata.name)).toEqual(["research", "inference"]);
    for (const queue of queues) {
      expect(queue.spec).toMatchObject({
        cohortName: "fastgpu",
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": queue.metadata.name } },
        preemption: { reclaimWithinCohort: "Any", withinClusterQueue: "LowerPriority" },
      });
      expect((queue.spec as Record<string, unknown>).preemption).not.toHaveProperty("borrowWithinCohort");
      const group = flavorsOf(queue);
      expect(group.coveredResources).toEqual(["cpu", "memory", "nvidia.com/gpu", "nvidia.com/mig-1g.5gb", "nvidia.com/mig-2g.10gb", "nvidia.com/mig-3g.20gb"]);
      // Kueue's rule: every flavor lists exactly the covered resources, in order.
      for (const flavor of group.flavors) expect(flavor.resources.map((resource) => resource.name)).toEqual(group.coveredResources);
    }
  });

  it("carries nominal quotas, borrowing and lending limits from the config, MIG in slices", () => {
    const research = flavorsOf(byKind(objects, "ClusterQueue")[0]);
    const quota = (flavor: string, resource: string) =>
      research.flavors.find((candidate) => candidate.name === flavor)!.resources.find((candidate) => candidate.name === resource)!;
    expect(quota("train-h100", "nvidia.com/gpu")).toEqual({ name: "nvidia.com/gpu", nominalQuota: 24, borrowingLimit: 16 });
    expect(quota("infer-l4", "nvidia.com/gpu")).toEqual({ name: "nvidia.com/gpu", nominalQuota: 8, borrowingLimit: 16 });
    // 8 A100s' worth of the layout {3g: 1, 2g: 1, 1g: 2}.
    expect(quota("mig-a100", "nvidia.com/mig-1g.5gb")).toEqual({ name: "nvidia.com/mig-1g.5gb", nominalQuota: 16, borrowingLimit: 32 });
    expect(quota("mig-a100", "nvidia.com/mig-3g.20gb")).toMatchObject({ nominalQuota: 8 });
    // A flavor never owns or lends a resource its pool does not have.
    expect(quota("train-h100", "nvidia.com/mig-1g.5gb")).toEqual({ name: "nvidia.com/mig-1g.5gb", nominalQuota: 0, borrowingLimit: 0 });
    expect(quota("mig-a100", "nvidia.com/gpu")).toEqual({ name: "nvidia.com/gpu", nominalQuota: 0, borrowingLimit: 0 });
    // Host share: 24 of a p5's 8 GPUs is 3 nodes of 192 vCPU, 90% allocatable.
    expect(quota("train-h100", "cpu")).toMatchObject({ nominalQuota: Math.floor(24 * 192 * 0.9 / 8) });

    const westInference = flavorsOf(clusterQueue(config.fleet, "inference", westModel.pools, westModel.quotas));
    const l4 = westInference.flavors.find((flavor) => flavor.name === "infer-l4")!;
    expect(l4.resources.find((resource) => resource.name === "nvidia.com/gpu")).toEqual({ name: "nvidia.com/gpu", nominalQuota: 12, lendingLimit: 8 });
    for (const resource of l4.resources) {
      if (resource.lendingLimit !== undefined) expect(parseFloat(String(resource.lendingLimit))).toBeLessThanOrEqual(parseFloat(String(resource.nominalQuota)));
    }
  });

  it("has a LocalQueue per tenant namespace pointing at its ClusterQueue, and the fleet's priority classes", () => {
    expect(byKind(objects, "LocalQueue").map((queue) => [queue.metadata.namespace, queue.metadata.name, (queue.spec as { clusterQueue: string }).clusterQueue])).toEqual([
      ["research", "default", "research"],
      ["inference", "default", "inference"],
    ]);
    expect(byKind(objects, "WorkloadPriorityClass").map((priority) => [priority.metadata.name, priority.value])).toEqual([
      ["production", 1000],
      ["standard", 0],
      ["best-effort", -100],
    ]);
  });

  it("covers only the resources of the region's pools", () => {
    expect(coveredResources(westModel.pools)).toEqual(["cpu", "memory", "nvidia.com/gpu"]);
  });
});

describe("tenant namespaces", () => {
  const objects = tenantNamespaceObjects(config.fleet);
  const inNamespace = (namespace: string, kind: string) => byKind(objects, kind).filter((object) => object.metadata.namespace === namespace);

  it("enforce the restricted Pod Security level", () => {
    for (const namespace of byKind(objects, "Namespace")) {
      expect(namespace.metadata.labels).toMatchObject({
        "fastgpu.io/tenant": namespace.metadata.name,
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
      });
      // Dropping a tenant from the config must not delete its namespace and everything in it.
      expect(namespace.metadata.annotations).toEqual({ "helm.sh/resource-policy": "keep" });
    }
  });

  it("leave GPU quotas to Kueue (no ResourceQuota, which would refuse queued pods) and give containers default requests", () => {
    expect(objects.filter((object) => object.kind === "ResourceQuota")).toEqual([]);
    const [limits] = inNamespace("research", "LimitRange");
    expect(limits.spec).toEqual({ limits: [{ type: "Container", defaultRequest: { cpu: "500m", memory: "1Gi" } }] });
  });

  it("deny traffic by default, allowing the namespace itself, DNS, Pod Identity credentials and HTTPS", () => {
    const policies = Object.fromEntries(inNamespace("inference", "NetworkPolicy").map((policy) => [policy.metadata.name, policy.spec]));
    expect(policies["default-deny"]).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    expect(policies["allow-same-namespace"]).toMatchObject({ ingress: [{ from: [{ podSelector: {} }] }], egress: [{ to: [{ podSelector: {} }] }] });
    expect(JSON.stringify(policies["allow-dns"])).toContain('"port":53');
    // HTTPS reaches the STS/ECR interface endpoints inside the VPC too; no other port leaves the namespace.
    expect(policies["allow-https-and-credentials"]).toEqual({
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        { to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: [{ protocol: "TCP", port: 80 }] },
        { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] },
      ],
    });
  });

  it("grant the tenant's admin group edit in its namespace and nothing cluster-wide", () => {
    const [binding] = inNamespace("research", "RoleBinding");
    expect(binding).toMatchObject({
      roleRef: { kind: "ClusterRole", name: "edit" },
      subjects: [{ kind: "Group", name: "fastgpu:tenant:research:admins" }],
    });
    const tenancy = regionReleases(eastModel).all.find((release) => release.name === "fastgpu-tenancy")!.objects;
    expect(tenancy.filter((object) => object.kind === "ClusterRoleBinding" || object.kind === "ClusterRole")).toEqual([]);
    expect(inNamespace("research", "ServiceAccount").map((account) => account.metadata.name)).toEqual(["workload"]);
  });
});

describe("tenant data access", () => {
  it("reads every dataset and reads/writes only the tenant's prefix of checkpoints and artifacts", () => {
    const policy = tenantDataPolicy("research", {
      datasetsArn: "arn:aws:s3:::d",
      checkpointsArn: "arn:aws:s3:::c",
      artifactsArn: "arn:aws:s3:::a",
      dataKeyArn: "arn:aws:kms:us-east-1:1:key/k",
    });
    const statement = (sid: string) => policy.Statement.find((entry) => entry.Sid === sid)!;
    expect(statement("ReadDatasets")).toMatchObject({ Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: "arn:aws:s3:::d/*" });
    expect(statement("ReadWriteOwnPrefix").Resource).toEqual(["arn:aws:s3:::c/research/*", "arn:aws:s3:::a/research/*"]);
    expect(statement("ListOwnPrefix").Condition).toEqual({ StringLike: { "s3:prefix": ["research/*"] } });
    expect(JSON.stringify(policy)).not.toMatch(/arn:aws:s3:::[ca]\/\*"/);
  });
});

describe("Kueue release", () => {
  it("pins the released image and manages every Job, pod, Deployment and StatefulSet in tenant namespaces", () => {
    const values = kueueValues();
    expect(values.controllerManager.manager.image).toEqual({ repository: IMAGES.kueue.repository, tag: IMAGES.kueue.tag, pullPolicy: "IfNotPresent" });
    const configuration = parse(values.managerConfig.controllerManagerConfigYaml);
    expect(configuration).toEqual(kueueConfiguration());
    expect(configuration).toMatchObject({
      apiVersion: "config.kueue.x-k8s.io/v1beta2",
      integrations: { frameworks: ["batch/job", "pod", "deployment", "statefulset"] },
      manageJobsWithoutQueueName: true,
      managedJobsNamespaceSelector: { matchExpressions: [{ key: "fastgpu.io/tenant", operator: "Exists" }] },
    });
    expect(configuration).not.toHaveProperty("fairSharing");
  });

  it("keeps our chart's Chart.yaml and its pin in lib/versions.ts in step", () => {
    const chart = parse(fs.readFileSync(path.join(REPO_ROOT, LOCAL_CHARTS.tenancy.path, "Chart.yaml"), "utf8"));
    expect(chart).toMatchObject({ name: LOCAL_CHARTS.tenancy.chart, version: LOCAL_CHARTS.tenancy.version });
  });

  it("installs the tenancy chart after Kueue, with the objects lib/ builds", () => {
    const releases = regionReleases(eastModel).all;
    const tenancy = releases.find((release) => release.name === "fastgpu-tenancy")!;
    expect(tenancy.dependsOn.map((release) => release.name)).toEqual(["kueue"]);
    expect(tenancy.values).toEqual({ objects: tenancy.objects });
    expect(releases.findIndex((release) => release.name === "kueue")).toBeLessThan(releases.indexOf(tenancy));
  });
});
