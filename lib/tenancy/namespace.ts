/**
 * What each tenant namespace holds besides its LocalQueue: Pod Security labels (restricted), a ResourceQuota
 * capping GPU requests at what the tenant can ever be admitted, a LimitRange so every container has requests
 * Kueue can count, default-deny NetworkPolicies with the openings a training job needs, RBAC for the
 * tenant's admins (edit in the namespace only) and the service account bound to the tenant's IAM role.
 */
import type { RegionConfig } from "../config/load";
import type { FleetFile } from "../config/schema";
import { MANAGED_BY_LABELS, type KubeObject } from "../k8s/object";
import { derivePool, quotaResources, quotaUnitsPerNode, type PoolFacts } from "../pools";
import { resolveTenantQuotas, type TenantPoolQuota } from "./quotas";

export const TENANT_LABEL = "fastgpu.io/tenant";
export const WORKLOAD_SERVICE_ACCOUNT = "workload";
/** EKS Pod Identity agent on every node; pods fetch their role credentials from it. */
export const POD_IDENTITY_AGENT_CIDR = "169.254.170.23/32";

/** The Kubernetes group an EKS access entry puts a tenant's admins in; our RoleBinding grants it `edit`. */
export function tenantAdminGroup(tenant: string): string {
  return `fastgpu:tenant:${tenant}:admins`;
}

export function tenantNamespace(tenant: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: tenant,
      // Removing a tenant from fleet.yaml (or uninstalling the chart) must not delete its jobs and secrets with
      // the namespace; an operator deletes it deliberately.
      annotations: { "helm.sh/resource-policy": "keep" },
      labels: {
        ...MANAGED_BY_LABELS,
        [TENANT_LABEL]: tenant,
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
      },
    },
  };
}

/**
 * The most of each GPU resource the tenant can hold: its nominal quota plus what it may borrow, never more
 * than the pool can advertise. Pods that bypass Kueue still cannot exceed it.
 */
export function gpuRequestCaps(tenant: string, pools: readonly PoolFacts[], quotas: readonly TenantPoolQuota[]): Record<string, number> {
  const caps: Record<string, number> = {};
  for (const facts of pools) {
    const capacity = quotaUnitsPerNode(facts) * facts.pool.maxSize;
    const quota = quotas.find((entry) => entry.tenant === tenant && entry.pool === facts.pool.name);
    const nominal = quota?.nominal ?? 0;
    const reachable = Math.min(capacity, nominal + (quota?.borrowingLimit ?? capacity));
    for (const name of Object.keys(facts.advertisedPerNode)) caps[name] = (caps[name] ?? 0) + (quotaResources(facts, reachable)[name] ?? 0);
  }
  return Object.fromEntries(Object.entries(caps).sort(([a], [b]) => a.localeCompare(b)));
}

export function gpuResourceQuota(tenant: string, pools: readonly PoolFacts[], quotas: readonly TenantPoolQuota[]): KubeObject {
  const caps = gpuRequestCaps(tenant, pools, quotas);
  return {
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: { name: "gpu-requests", namespace: tenant, labels: { ...MANAGED_BY_LABELS } },
    spec: { hard: Object.fromEntries(Object.entries(caps).map(([name, value]) => [`requests.${name}`, String(value)])) },
  };
}

export function defaultLimits(tenant: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "LimitRange",
    metadata: { name: "container-defaults", namespace: tenant, labels: { ...MANAGED_BY_LABELS } },
    spec: {
      // Requests only: Kueue needs them to count quota; limits stay the job's choice (GPU jobs size memory themselves).
      limits: [{ type: "Container", defaultRequest: { cpu: "500m", memory: "1Gi" } }],
    },
  };
}

export function networkPolicies(tenant: string): KubeObject[] {
  const policy = (name: string, spec: Record<string, unknown>): KubeObject => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace: tenant, labels: { ...MANAGED_BY_LABELS } },
    spec,
  });
  return [
    policy("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
    policy("allow-same-namespace", {
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{ to: [{ podSelector: {} }] }],
    }),
    policy("allow-dns", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    }),
    // Datasets and checkpoints live in S3, credentials come from the Pod Identity agent. HTTPS goes anywhere,
    // the VPC included: the STS and ECR API interface endpoints resolve to addresses inside it. Other tenants'
    // pods still refuse it (their default-deny ingress); other ports inside the VPC stay closed.
    policy("allow-https-and-credentials", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        { to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT_CIDR } }], ports: [{ protocol: "TCP", port: 80 }] },
        { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] },
      ],
    }),
  ];
}

export function adminRoleBinding(tenant: string): KubeObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "tenant-admins", namespace: tenant, labels: { ...MANAGED_BY_LABELS } },
    // The built-in `edit` role aggregates Kueue's LocalQueue and Workload viewer roles.
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: tenantAdminGroup(tenant) }],
  };
}

export function workloadServiceAccount(tenant: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: WORKLOAD_SERVICE_ACCOUNT, namespace: tenant, labels: { ...MANAGED_BY_LABELS } },
  };
}

export function tenantNamespaceObjects(fleet: FleetFile, region: RegionConfig): KubeObject[] {
  const pools = region.gpuPools.map((pool) => derivePool(pool));
  const quotas = resolveTenantQuotas(region.quotas);
  return fleet.tenants.flatMap((tenant) => [
    tenantNamespace(tenant.name),
    workloadServiceAccount(tenant.name),
    gpuResourceQuota(tenant.name, pools, quotas),
    defaultLimits(tenant.name),
    ...networkPolicies(tenant.name),
    adminRoleBinding(tenant.name),
  ]);
}
