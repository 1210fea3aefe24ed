/**
 * Our charts under real Helm v4 on the twin: upgrades with changed values, and what removing a tenant from
 * the config does to its namespace (docs/tenancy.md promises the namespace and its jobs stay).
 */
import type { FleetConfig, RegionConfig } from "../../lib/config/load";
import { buildRegionModel } from "../../lib/model/region";
import { regionReleases } from "../../lib/platform/releases";
import { ensureHelmKubectl } from "../../tools/twin/components";
import { helmInstall, twinStateDir } from "../../tools/twin/cluster";
import { apply, clearTenantWorkloads, defaultConfig, eventually, getJson, isAdmitted, kubectl, twinKubeconfig, workloadOf } from "./twin-client";

const original = defaultConfig();
const tools = ensureHelmKubectl(() => undefined);

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Installs our two charts as the deploy would for this (possibly edited) config. */
function upgrade(config: FleetConfig, region: RegionConfig): void {
  for (const release of regionReleases(buildRegionModel(config.fleet, region)).all) {
    if (!("path" in release.chart)) continue;
    helmInstall(tools, twinKubeconfig(), release, `${__dirname}/../../${release.chart.path}`, twinStateDir(), release.wait ?? true);
  }
}

interface ClusterQueueJson {
  spec: { resourceGroups: { flavors: { name: string; resources: { name: string; nominalQuota: string }[] }[] }[] };
}

function nominal(queue: string, flavor: string, resource: string): string | undefined {
  const cq = getJson<ClusterQueueJson>(["clusterqueues.kueue.x-k8s.io", queue]);
  return cq.spec.resourceGroups.flatMap((group) => group.flavors).find((entry) => entry.name === flavor)?.resources.find((entry) => entry.name === resource)?.nominalQuota;
}

describe("our charts under real Helm on the twin", () => {
  afterAll(async () => {
    // Workloads first: a removed tenant's ClusterQueue is only gone (and re-creatable) once they are.
    const tenants = original.config.fleet.tenants.map((tenant) => tenant.name);
    await clearTenantWorkloads(tenants);
    await eventually("no ClusterQueue left terminating", () =>
      tenants.every((tenant) => {
        const result = kubectl(["get", "clusterqueues.kueue.x-k8s.io", tenant, "-o", "json"]);
        return result.status !== 0 || (JSON.parse(result.stdout) as { metadata: { deletionTimestamp?: string } }).metadata.deletionTimestamp === undefined;
      }),
    );
    upgrade(original.config, original.region);
    for (const tenant of tenants) await eventually(`ClusterQueue ${tenant} back`, () => kubectl(["get", "clusterqueues.kueue.x-k8s.io", tenant]).status === 0);
  });

  it("upgrade twice with changed quotas, priorities and validation settings, then back", () => {
    const { config, region } = clone(original);
    const shared = region.gpuPools.find((pool) => pool.sharing.mode === "time-slicing")!;
    const [first, second] = config.fleet.tenants.map((tenant) => tenant.name);
    const firstQuota = region.quotas[first][shared.name] as number;
    const secondQuota = region.quotas[second][shared.name] as number;
    region.quotas[first][shared.name] = secondQuota;
    region.quotas[second][shared.name] = firstQuota;
    upgrade(config, region);
    expect(String(nominal(first, shared.name, "nvidia.com/gpu"))).toBe(String(secondQuota));

    config.fleet.priorityClasses = config.fleet.priorityClasses.map((priority) => ({ ...priority, value: priority.value + 10, description: `${priority.description} (changed)` }));
    config.fleet.validation = { ...config.fleet.validation, profile: config.fleet.validation.profile === "quick" ? "full" : "quick" };
    upgrade(config, region);
    const priority = getJson<{ value: number }>(["workloadpriorityclasses.kueue.x-k8s.io", config.fleet.priorityClasses[0].name]);
    expect(priority.value).toBe(config.fleet.priorityClasses[0].value);

    upgrade(original.config, original.region);
    expect(String(nominal(first, shared.name, "nvidia.com/gpu"))).toBe(String(firstQuota));
  });

  it("removing a tenant removes its queue and access but keeps its namespace and jobs; adding it back works", async () => {
    const { config, region } = clone(original);
    const removed = config.fleet.tenants[config.fleet.tenants.length - 1].name;
    const pool = region.gpuPools.find((candidate) => candidate.sharing.mode === "time-slicing")!;
    const survivor = {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: "survivor", namespace: removed },
        spec: {
          template: {
            spec: {
              restartPolicy: "Never",
              nodeSelector: { "fastgpu.io/pool": pool.name },
              securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
              containers: [
                {
                  name: "work",
                  image: "registry.example/serve:1",
                  resources: { requests: { "nvidia.com/gpu": "1" }, limits: { "nvidia.com/gpu": "1" } },
                  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                },
              ],
            },
          },
        },
      };
    apply([survivor]);
    await eventually("the survivor job is admitted", () => {
      const workload = workloadOf(removed, "survivor");
      return workload && isAdmitted(workload);
    });

    config.fleet.tenants = config.fleet.tenants.filter((tenant) => tenant.name !== removed);
    delete region.quotas[removed];
    upgrade(config, region);

    const namespace = getJson<{ status: { phase: string } }>(["namespace", removed]);
    expect(namespace.status.phase).toBe("Active");
    // Access goes with the RoleBinding; the LocalQueue goes, so nothing new is queued.
    expect(kubectl(["get", "rolebinding", "tenant-admins", "-n", removed]).status).not.toBe(0);
    expect(kubectl(["get", "localqueues.kueue.x-k8s.io", "default", "-n", removed]).status).not.toBe(0);
    // The ClusterQueue is deleted; Kueue's finalizer keeps it, admitting nothing, until the jobs it admitted end.
    await eventually("the removed tenant's ClusterQueue to be gone or terminating", () => {
      const result = kubectl(["get", "clusterqueues.kueue.x-k8s.io", removed, "-o", "json"]);
      return result.status !== 0 || (JSON.parse(result.stdout) as { metadata: { deletionTimestamp?: string } }).metadata.deletionTimestamp !== undefined;
    });
    // The running job and the namespace's isolation stay.
    expect(isAdmitted(workloadOf(removed, "survivor")!)).toBe(true);
    for (const policy of ["default-deny", "allow-same-namespace", "allow-dns", "allow-https-and-credentials"]) {
      expect(kubectl(["get", "networkpolicy", policy, "-n", removed]).status).toBe(0);
    }
    apply([{ ...survivor, metadata: { name: "after-removal", namespace: removed } }]);
    const late = await eventually("Kueue to see the job submitted after removal", () => workloadOf(removed, "after-removal"));
    expect(isAdmitted(late)).toBe(false);

    // Adding the tenant back adopts the kept namespace and policies; it gets its queue and access again once
    // Kueue has let the old ClusterQueue go (the job it admitted ended).
    await clearTenantWorkloads([removed]);
    await eventually("the old ClusterQueue to be gone", () => kubectl(["get", "clusterqueues.kueue.x-k8s.io", removed]).status !== 0);
    upgrade(original.config, original.region);
    expect(kubectl(["get", "rolebinding", "tenant-admins", "-n", removed]).status).toBe(0);
    expect(kubectl(["get", "localqueues.kueue.x-k8s.io", "default", "-n", removed]).status).toBe(0);
  });
});
