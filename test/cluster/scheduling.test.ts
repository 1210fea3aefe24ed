/**
 * Kueue admission, borrowing, reclaim and priorities on the twin: the real Kueue controller with the chart's
 * Configuration, the real scheduler binding pods to kwok-played GPU nodes built from our pool facts.
 */
import { parse } from "yaml";
import { sampleJobText } from "../docs-samples";
import {
  apply,
  clearTenantWorkloads,
  condition,
  defaultConfig,
  eventually,
  getJson,
  isAdmitted,
  kubectl,
  nodeLabels,
  podsOf,
  tenantAdmin,
  workloadOf,
  type WorkloadJson,
} from "./twin-client";
import { POOL_LABEL, PRIORITY_CLASS_LABEL, QUEUE_NAME_LABEL } from "../../lib/naming";

const { config, region } = defaultConfig();
const TENANTS = config.fleet.tenants.map((tenant) => tenant.name);

interface JobOptions {
  readonly name: string;
  readonly tenant: string;
  readonly pool: string;
  readonly resources: Record<string, string>;
  readonly priorityClass?: string;
  readonly parallelism?: number;
}

/** A restricted-PSA Job like the docs' sample, sized by the caller. */
function gpuJob(options: JobOptions): Record<string, unknown> {
  const parallelism = options.parallelism ?? 1;
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: options.name,
      namespace: options.tenant,
      labels: { [QUEUE_NAME_LABEL]: "default", ...(options.priorityClass ? { [PRIORITY_CLASS_LABEL]: options.priorityClass } : {}) },
    },
    spec: {
      parallelism,
      completions: parallelism,
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: "Never",
          nodeSelector: { [POOL_LABEL]: options.pool },
          securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "work",
              image: "registry.example/train:1",
              resources: { requests: { cpu: "1", memory: "1Gi", ...options.resources }, limits: gpuLimits(options.resources) },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            },
          ],
        },
      },
    },
  };
}

function gpuLimits(resources: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(resources).filter(([name]) => name.startsWith("nvidia.com/")));
}

/** Kueue's own account of a workload that is not admitted, for failure messages. */
function pendingReason(namespace: string, job: string): string {
  const workload = workloadOf(namespace, job);
  if (!workload) return "Kueue made no Workload for it";
  const reserved = condition(workload, "QuotaReserved");
  return `Kueue says: ${reserved ? `${reserved.reason}: ${reserved.message}` : "nothing yet"}`;
}

async function admitted(namespace: string, job: string): Promise<WorkloadJson> {
  return eventually(
    `Kueue admits job ${namespace}/${job}`,
    () => {
      const workload = workloadOf(namespace, job);
      return workload && isAdmitted(workload) ? workload : undefined;
    },
    300_000,
    () => pendingReason(namespace, job),
  );
}

/** Waits until Kueue has tried the workload and left it pending, so "not admitted" is a decision, not a delay. */
async function heldPending(namespace: string, job: string): Promise<WorkloadJson> {
  return eventually(`Kueue considers ${namespace}/${job} and leaves it pending`, () => {
    const workload = workloadOf(namespace, job);
    const reserved = workload && condition(workload, "QuotaReserved");
    return reserved && reserved.status === "False" && reserved.reason === "Pending" && !isAdmitted(workload) ? workload : undefined;
  });
}

async function boundPods(namespace: string, job: string, count: number): Promise<string[]> {
  return eventually(`${count} pod(s) of ${namespace}/${job} bound to nodes`, () => {
    const pods = podsOf(namespace, `job-name=${job}`).filter((pod) => pod.spec.nodeName);
    return pods.length >= count ? pods.map((pod) => pod.spec.nodeName!) : undefined;
  });
}

async function evicted(namespace: string, job: string): Promise<WorkloadJson> {
  return eventually(`Kueue preempts ${namespace}/${job}`, () => {
    const workload = workloadOf(namespace, job);
    const eviction = workload && condition(workload, "Evicted");
    return eviction?.status === "True" || (workload && condition(workload, "Preempted")?.status === "True") ? workload : undefined;
  });
}

function submit(job: Record<string, unknown>): void {
  const result = apply([job]);
  if (result.status !== 0) throw new Error(`kubectl apply failed: ${result.stderr}`);
}

interface ClusterQueueUsage {
  readonly status?: { flavorsUsage?: { name: string; resources: { name: string; total: string; borrowed?: string }[] }[] };
}

function borrowed(clusterQueue: string, flavor: string, resource: string): string {
  const queue = getJson<ClusterQueueUsage>(["clusterqueues.kueue.x-k8s.io", clusterQueue]);
  return queue.status?.flavorsUsage?.find((usage) => usage.name === flavor)?.resources.find((entry) => entry.name === resource)?.borrowed ?? "0";
}

const train = region.gpuPools.find((pool) => pool.sharing.mode === "exclusive" && pool.maxSize >= 4);
const shared = region.gpuPools.find((pool) => pool.sharing.mode === "time-slicing");

describe(`Kueue on the twin of ${region.region} (real Kueue and scheduler; kwok plays GPU nodes and pods)`, () => {
  afterEach(async () => clearTenantWorkloads(TENANTS));

  it("admits the sample Job from docs/tenancy.md, applied verbatim by the tenant admin, and binds its pod to a node of its pool", async () => {
    const text = sampleJobText();
    const job = parse(text) as { metadata: { name: string; namespace: string }; spec: { template: { spec: { nodeSelector: Record<string, string> } } } };
    const result = kubectl(["apply", "-f", "-"], text, tenantAdmin(job.metadata.namespace));
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const workload = await admitted(job.metadata.namespace, job.metadata.name);
    expect(workload.status?.admission?.podSetAssignments[0].flavors["nvidia.com/gpu"]).toBe(job.spec.template.spec.nodeSelector[POOL_LABEL]);
    const [node] = await boundPods(job.metadata.namespace, job.metadata.name, 1);
    expect(nodeLabels(node)[POOL_LABEL]).toBe(job.spec.template.spec.nodeSelector[POOL_LABEL]);
  });

  it("admits the same Job when it also requests ephemeral-storage (no ClusterQueue covers it)", async () => {
    const job = parse(sampleJobText()) as { metadata: { name: string; namespace: string }; spec: { template: { spec: { containers: { resources: { requests: Record<string, string> } }[] } } } };
    job.metadata.name = "finetune-scratch-disk";
    job.spec.template.spec.containers[0].resources.requests["ephemeral-storage"] = "100Gi";
    submit(job as unknown as Record<string, unknown>);
    await admitted(job.metadata.namespace, job.metadata.name);
    await boundPods(job.metadata.namespace, job.metadata.name, 1);
  });

  (train ? it : it.skip)(`lets a tenant borrow idle quota of another on ${train?.name} and reclaims it when the owner submits`, async () => {
    const pool = train!;
    const gpus = "8";
    const owner = "inference";
    const borrower = "research";
    const quota = region.quotas[borrower][pool.name] as number;
    const jobs = Math.ceil((quota + 8) / 8);
    for (let i = 0; i < jobs; i++) submit(gpuJob({ name: `borrow-${i}`, tenant: borrower, pool: pool.name, resources: { "nvidia.com/gpu": gpus } }));
    for (let i = 0; i < jobs; i++) await admitted(borrower, `borrow-${i}`);
    expect(Number(borrowed(borrower, pool.name, "nvidia.com/gpu"))).toBeGreaterThan(0);

    submit(gpuJob({ name: "reclaim", tenant: owner, pool: pool.name, resources: { "nvidia.com/gpu": gpus } }));
    await admitted(owner, "reclaim");
    const preempted = await eventually(`Kueue preempts a borrowing job of ${borrower}`, () => {
      const names = Array.from({ length: jobs }, (_, i) => `borrow-${i}`).filter((name) => {
        const workload = workloadOf(borrower, name);
        return workload !== undefined && !isAdmitted(workload);
      });
      return names.length > 0 ? names : undefined;
    });
    // The owner needed one node's worth back: exactly one borrower job gives way.
    expect(preempted).toHaveLength(1);
    expect(condition(workloadOf(borrower, preempted[0])!, "Evicted")?.reason).toMatch(/Preempted/);
  });

  (shared ? it : it.skip)(`stops a tenant at its borrowing limit on ${shared?.name}`, async () => {
    const pool = shared!;
    const borrower = "research";
    const nominal = region.quotas[borrower][pool.name] as number;
    const limit = region.quotas[borrower].borrowingLimit as number;
    const perNode = String((pool.sharing as { replicas: number }).replicas);
    const perJob = Number(perNode);
    const fit = Math.floor((nominal + limit) / perJob);
    for (let i = 0; i < fit; i++) submit(gpuJob({ name: `shared-${i}`, tenant: borrower, pool: pool.name, resources: { "nvidia.com/gpu": perNode } }));
    for (let i = 0; i < fit; i++) await admitted(borrower, `shared-${i}`);
    expect(Number(borrowed(borrower, pool.name, "nvidia.com/gpu"))).toBe(limit);
    submit(gpuJob({ name: "shared-over-limit", tenant: borrower, pool: pool.name, resources: { "nvidia.com/gpu": perNode } }));
    const pending = await heldPending(borrower, "shared-over-limit");
    expect(condition(pending, "QuotaReserved")?.message).toMatch(/borrowing limit|insufficient/i);
  });

  (train ? it : it.skip)("preempts best-effort before standard, and never preempts production for a lower class", async () => {
    const pool = train!;
    const tenant = "research";
    const other = "inference";
    const quota = region.quotas[tenant][pool.name] as number;
    const otherQuota = region.quotas[other][pool.name] as number;
    // The other tenant uses its own share, so research can only preempt within its queue.
    for (let i = 0; i < otherQuota / 8; i++) submit(gpuJob({ name: `own-${i}`, tenant: other, pool: pool.name, resources: { "nvidia.com/gpu": "8" } }));
    for (let i = 0; i < otherQuota / 8; i++) await admitted(other, `own-${i}`);

    const slots = quota / 8;
    submit(gpuJob({ name: "best-effort-0", tenant, pool: pool.name, resources: { "nvidia.com/gpu": "8" }, priorityClass: "best-effort" }));
    await admitted(tenant, "best-effort-0");
    for (let i = 0; i < slots - 1; i++) submit(gpuJob({ name: `standard-${i}`, tenant, pool: pool.name, resources: { "nvidia.com/gpu": "8" }, priorityClass: "standard" }));
    for (let i = 0; i < slots - 1; i++) await admitted(tenant, `standard-${i}`);

    submit(gpuJob({ name: "production-0", tenant, pool: pool.name, resources: { "nvidia.com/gpu": "8" }, priorityClass: "production" }));
    await admitted(tenant, "production-0");
    await evicted(tenant, "best-effort-0");
    for (let i = 0; i < slots - 1; i++) expect(isAdmitted(workloadOf(tenant, `standard-${i}`)!)).toBe(true);

    // Now fill the queue with production and ask for more at standard: nothing may be preempted.
    await clearTenantWorkloads([tenant]);
    for (let i = 0; i < slots; i++) submit(gpuJob({ name: `production-${i}`, tenant, pool: pool.name, resources: { "nvidia.com/gpu": "8" }, priorityClass: "production" }));
    for (let i = 0; i < slots; i++) await admitted(tenant, `production-${i}`);
    submit(gpuJob({ name: "standard-late", tenant, pool: pool.name, resources: { "nvidia.com/gpu": "8" }, priorityClass: "standard" }));
    submit(gpuJob({ name: "best-effort-late", tenant, pool: pool.name, resources: { "nvidia.com/gpu": "8" }, priorityClass: "best-effort" }));
    await heldPending(tenant, "standard-late");
    await heldPending(tenant, "best-effort-late");
    for (let i = 0; i < slots; i++) {
      const workload = workloadOf(tenant, `production-${i}`)!;
      expect(isAdmitted(workload)).toBe(true);
      expect(condition(workload, "Evicted")?.status ?? "False").toBe("False");
    }
  });

  (shared ? it : it.skip)("queues Deployment replicas and bare pods beyond the tenant's quota without ResourceQuota refusals", async () => {
    const pool = shared!;
    const tenant = "research";
    const nominal = region.quotas[tenant][pool.name] as number;
    const limit = region.quotas[tenant].borrowingLimit as number;
    const capacity = (pool.sharing as { replicas: number }).replicas * pool.maxSize;
    // More replicas than the tenant may ever hold at once on every pool together, so a GPU ResourceQuota sized
    // to nominal + borrowing would refuse some of them while they wait in the queue.
    const replicas = Math.max(nominal + limit, capacity) * 3;
    // Events have one-second timestamps: anything from before this scenario is not its business.
    const started = Math.floor(Date.now() / 1000) * 1000;
    const template = (gpuJob({ name: "x", tenant, pool: pool.name, resources: { "nvidia.com/gpu": "1" } }) as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec;
    const podSpec = { ...template, restartPolicy: "Always" };
    submit({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "serve", namespace: tenant, labels: { [QUEUE_NAME_LABEL]: "default" } },
      spec: { replicas, selector: { matchLabels: { app: "serve" } }, template: { metadata: { labels: { app: "serve", [QUEUE_NAME_LABEL]: "default" } }, spec: podSpec } },
    });
    await eventually(`all ${replicas} replicas of research/serve exist (bound or waiting in the queue)`, () => podsOf(tenant, "app=serve").length === replicas);
    const events = getJson<{ items: { message: string; lastTimestamp?: string; eventTime?: string }[] }>(["events", "-n", tenant, "--field-selector", "reason=FailedCreate"]).items;
    const refusals = events.filter((event) => Date.parse(event.lastTimestamp ?? event.eventTime ?? "") >= started - 1000).map((event) => event.message);
    expect(refusals.filter((message) => /exceeded quota/.test(message))).toEqual([]);
    const gated = podsOf(tenant, "app=serve").filter((pod) => pod.spec.schedulingGates?.length);
    expect(gated.length).toBeGreaterThan(0);

    const bare = Array.from({ length: 3 }, (_, i) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `notebook-${i}`, namespace: tenant, labels: { [QUEUE_NAME_LABEL]: "default", app: "notebook" } },
      spec: { ...template, restartPolicy: "Never" },
    }));
    const created = apply(bare);
    expect(created.stderr).not.toMatch(/exceeded quota/);
    expect(created.status).toBe(0);
    await eventually("the bare pods exist", () => podsOf(tenant, "app=notebook").length === bare.length);
  });
});
