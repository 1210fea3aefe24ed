import { parse } from "yaml";
import { loadFleetModel } from "../lib/model/region";
import type { KubeObject } from "../lib/k8s/object";
import { regionReleases } from "../lib/platform/releases";
import { sampleJobText } from "./docs-samples";
import { admissionPolicyFor, admits, DEFAULT_CONFIG_DIR, validateObjects } from "./helpers";
import { PRIORITY_CLASS_LABEL, QUEUE_NAME_LABEL } from "../lib/naming";

function sampleJob() {
  return parse(sampleJobText());
}

describe("the tenant Job in docs/tenancy.md", () => {
  const job = sampleJob();
  const config = loadFleetModel(DEFAULT_CONFIG_DIR);
  const east = config.regions.find((region) => region.region === "us-east-1")!;
  const objects: KubeObject[] = regionReleases(east).all.flatMap((release) => release.objects);
  const namespace = job.metadata.namespace;
  const podSpec = job.spec.template.spec;

  it("is a valid batch/v1 Job", () => {
    expect(validateObjects([job])).toEqual({ status: 0, problems: [] });
  });

  it("targets an existing LocalQueue in its namespace and an existing priority class", () => {
    const queue = objects.find((object) => object.kind === "LocalQueue" && object.metadata.namespace === namespace && object.metadata.name === job.metadata.labels[QUEUE_NAME_LABEL]);
    expect(queue).toBeDefined();
    const priorities = objects.filter((object) => object.kind === "WorkloadPriorityClass").map((object) => object.metadata.name);
    expect(priorities).toContain(job.metadata.labels[PRIORITY_CLASS_LABEL]);
  });

  it("requests a resource that its pool's flavor covers, within the tenant's nominal quota", () => {
    const queueName = (objects.find((object) => object.kind === "LocalQueue" && object.metadata.namespace === namespace)!.spec as { clusterQueue: string }).clusterQueue;
    const clusterQueue = objects.find((object) => object.kind === "ClusterQueue" && object.metadata.name === queueName)!;
    const pool = podSpec.nodeSelector["fastgpu.io/pool"];
    const flavor = objects.find((object) => object.kind === "ResourceFlavor" && object.metadata.name === pool)!;
    expect((flavor.spec as { nodeLabels: Record<string, string> }).nodeLabels).toEqual({ "fastgpu.io/pool": pool });
    const group = (clusterQueue.spec as { resourceGroups: { coveredResources: string[]; flavors: { name: string; resources: { name: string; nominalQuota: number | string }[] }[] }[] }).resourceGroups[0];
    const flavorQuota = group.flavors.find((entry) => entry.name === pool)!;
    const requests: Record<string, string> = podSpec.containers[0].resources.requests;
    const gpuRequests = Object.entries(requests).filter(([name]) => name.startsWith("nvidia.com/"));
    expect(gpuRequests.length).toBe(1);
    for (const [name, amount] of Object.entries(requests)) {
      expect(group.coveredResources).toContain(name);
      const nominal = flavorQuota.resources.find((resource) => resource.name === name)!.nominalQuota;
      const toNumber = (quantity: string | number) => parseFloat(String(quantity).replace(/Gi$/, ""));
      expect(toNumber(amount)).toBeLessThanOrEqual(toNumber(nominal));
    }
  });

  it("passes the restricted Pod Security level of tenant namespaces", () => {
    expect(podSpec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    for (const container of podSpec.containers) {
      expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    }
    expect(podSpec.serviceAccountName).toBe("workload");
  });

  it("passes the tenant admission policies, as a Job and as the pods it creates", () => {
    expect(admits(admissionPolicyFor(objects, "jobs"), job)).toBe(true);
    expect(admits(admissionPolicyFor(objects, "pods"), { kind: "Pod", metadata: job.spec.template.metadata, spec: podSpec })).toBe(true);
  });
});
