/**
 * Kueue objects for a region: a ResourceFlavor per GPU pool, a ClusterQueue per tenant in one cohort, a
 * LocalQueue per tenant namespace and the fleet's WorkloadPriorityClasses. API `kueue.x-k8s.io/v1beta2`.
 *
 * Sharing model: each tenant is guaranteed its nominal quota of each pool, lends what it does not use to the
 * cohort, and reclaims it by preemption when its own jobs need it (`reclaimWithinCohort: Any`). Borrowers never
 * preempt in-quota jobs of other tenants (`borrowWithinCohort` stays `Never`), and fair sharing is off: it
 * cannot be combined with borrowWithinCohort and would replace the guaranteed quotas by weighted shares.
 */
import type { FleetFile, PriorityClassConfig } from "../config/schema";
import type { KubeObject } from "../k8s/object";
import type { PoolModel } from "../model/pool";
import type { RegionModel } from "../model/region";
import { GPU_TAINT, MANAGED_BY_LABELS, POOL_LABEL, TENANT_LABEL } from "../naming";
import type { TenantPoolQuota } from "./quotas";

export const KUEUE_API = "kueue.x-k8s.io/v1beta2";
/** Every tenant namespace gets one LocalQueue of this name; Kueue also defaults label-less Jobs to it. */
export const LOCAL_QUEUE_NAME = "default";

/** Share of a node's CPU and memory tenants can request; the rest is kubelet, system and GPU daemon sets. */
const ALLOCATABLE_SHARE = 0.9;

interface Quantity {
  name: string;
  nominalQuota: number | string;
  borrowingLimit?: number | string;
  lendingLimit?: number | string;
}

export function cohortName(fleet: FleetFile): string {
  return fleet.name;
}

export function resourceFlavor(facts: PoolModel): KubeObject {
  return {
    apiVersion: KUEUE_API,
    kind: "ResourceFlavor",
    metadata: { name: facts.pool.name, labels: { ...MANAGED_BY_LABELS } },
    spec: {
      // Our own pool label: the autoscaler can satisfy it from zero nodes, and GPU sharing never rewrites it
      // (unlike nvidia.com/gpu.product, which becomes ...-SHARED or ...-MIG-1g.5gb).
      nodeLabels: { [POOL_LABEL]: facts.pool.name },
      // The GPU taint only: tenant pods must never tolerate the validation taint of unproven nodes.
      tolerations: [{ key: GPU_TAINT.key, operator: "Exists", effect: GPU_TAINT.effect }],
    },
  };
}

/** GPU resources of all pools, then cpu and memory: the ClusterQueue's coveredResources. */
export function coveredResources(pools: readonly PoolModel[]): string[] {
  const gpu = new Set<string>();
  for (const facts of pools) for (const name of Object.keys(facts.advertisedPerNode)) gpu.add(name);
  return ["cpu", "memory", ...[...gpu].sort()];
}

/** CPU cores and memory GiB that go with `units` quota units of a pool (its per-unit share of a node). */
export function hostShare(facts: PoolModel, units: number): { cpu: number; memoryGiB: number } {
  const perNode = facts.sharing.quotaUnitsPerNode;
  return {
    cpu: Math.floor((units * facts.instance.vcpu * ALLOCATABLE_SHARE) / perNode),
    memoryGiB: Math.floor((units * facts.instance.memoryGiB * ALLOCATABLE_SHARE) / perNode),
  };
}

function flavorQuotas(facts: PoolModel, covered: readonly string[], quota: TenantPoolQuota | undefined): Quantity[] {
  const nominal = quota?.nominal ?? 0;
  const gpu = facts.sharing.quotaResources(nominal);
  const borrow = quota?.borrowingLimit;
  const lend = quota?.lendingLimit;
  const host = hostShare(facts, nominal);
  const hostBorrow = borrow === undefined ? undefined : hostShare(facts, borrow);
  const hostLend = lend === undefined ? undefined : hostShare(facts, lend);
  return covered.map((name): Quantity => {
    if (name === "cpu") return withLimits(name, host.cpu, hostBorrow?.cpu, hostLend?.cpu);
    if (name === "memory") {
      return withLimits(name, `${host.memoryGiB}Gi`, hostBorrow && `${hostBorrow.memoryGiB}Gi`, hostLend && `${hostLend.memoryGiB}Gi`);
    }
    if (!(name in facts.advertisedPerNode)) {
      // The pool does not offer this resource: nothing to own, nothing to borrow.
      return { name, nominalQuota: 0, borrowingLimit: 0 };
    }
    return withLimits(
      name,
      gpu[name] ?? 0,
      borrow === undefined ? undefined : facts.sharing.quotaResources(borrow)[name],
      lend === undefined ? undefined : facts.sharing.quotaResources(lend)[name],
    );
  });
}

function withLimits(name: string, nominalQuota: number | string, borrowingLimit?: number | string, lendingLimit?: number | string): Quantity {
  return {
    name,
    nominalQuota,
    ...(borrowingLimit !== undefined ? { borrowingLimit } : {}),
    ...(lendingLimit !== undefined ? { lendingLimit } : {}),
  };
}

export function clusterQueue(fleet: FleetFile, tenant: string, pools: readonly PoolModel[], quotas: readonly TenantPoolQuota[]): KubeObject {
  const covered = coveredResources(pools);
  return {
    apiVersion: KUEUE_API,
    kind: "ClusterQueue",
    metadata: { name: tenant, labels: { ...MANAGED_BY_LABELS, [TENANT_LABEL]: tenant } },
    spec: {
      cohortName: cohortName(fleet),
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": tenant } },
      queueingStrategy: "BestEffortFIFO",
      preemption: { reclaimWithinCohort: "Any", withinClusterQueue: "LowerPriority" },
      resourceGroups: [
        {
          coveredResources: covered,
          flavors: pools.map((facts) => ({
            name: facts.pool.name,
            resources: flavorQuotas(facts, covered, quotas.find((quota) => quota.tenant === tenant && quota.pool === facts.pool.name)),
          })),
        },
      ],
    },
  };
}

export function localQueue(tenant: string): KubeObject {
  return {
    apiVersion: KUEUE_API,
    kind: "LocalQueue",
    metadata: { name: LOCAL_QUEUE_NAME, namespace: tenant, labels: { ...MANAGED_BY_LABELS } },
    spec: { clusterQueue: tenant },
  };
}

export function workloadPriorityClass(priorityClass: PriorityClassConfig): KubeObject {
  return {
    apiVersion: KUEUE_API,
    kind: "WorkloadPriorityClass",
    metadata: { name: priorityClass.name, labels: { ...MANAGED_BY_LABELS } },
    value: priorityClass.value,
    description: priorityClass.description,
  };
}

/** All Kueue objects of a region, flavors first (queues refer to them). */
export function kueueObjects(region: RegionModel): KubeObject[] {
  const { fleet, pools, quotas } = region;
  return [
    ...pools.map(resourceFlavor),
    ...fleet.priorityClasses.map(workloadPriorityClass),
    ...fleet.tenants.map((tenant) => clusterQueue(fleet, tenant.name, pools, quotas)),
    ...fleet.tenants.map((tenant) => localQueue(tenant.name)),
  ];
}
