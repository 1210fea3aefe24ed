/**
 * What each tenant namespace holds besides its LocalQueue: Pod Security labels (restricted), a LimitRange so
 * every container has requests Kueue can count, default-deny NetworkPolicies with the openings a training job
 * needs, RBAC for the tenant's admins (edit in the namespace only) and the service account bound to the
 * tenant's IAM role. GPU quotas are Kueue's alone: a ResourceQuota would also count the pods Kueue holds back
 * with scheduling gates, and refuse queued Deployment replicas and bare pods while they wait.
 */
import type { FleetFile } from "../config/schema";
import type { KubeObject } from "../k8s/object";
import { KEEP_ON_REMOVAL, MANAGED_BY_LABELS, TENANT_LABEL } from "../naming";
export const WORKLOAD_SERVICE_ACCOUNT = "workload";
/** EKS Pod Identity agent on every node; pods fetch their role credentials from it. */
export const POD_IDENTITY_AGENT_CIDR = "169.254.170.23/32";

export const TENANT_ADMIN_GROUP_PREFIX = "fastgpu:tenant:";
export const TENANT_ADMIN_GROUP_SUFFIX = ":admins";

/** The Kubernetes group an EKS access entry puts a tenant's admins in; our RoleBinding grants it `edit`. */
export function tenantAdminGroup(tenant: string): string {
  return `${TENANT_ADMIN_GROUP_PREFIX}${tenant}${TENANT_ADMIN_GROUP_SUFFIX}`;
}

export function tenantNamespace(tenant: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: tenant,
      // Removing a tenant from fleet.yaml (or uninstalling the chart) must not delete its jobs and secrets with
      // the namespace; an operator deletes it deliberately.
      annotations: { ...KEEP_ON_REMOVAL },
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
    // Kept with the namespace when the tenant leaves the config: its remaining pods stay isolated.
    metadata: { name, namespace: tenant, labels: { ...MANAGED_BY_LABELS }, annotations: { ...KEEP_ON_REMOVAL } },
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

export function tenantNamespaceObjects(fleet: FleetFile): KubeObject[] {
  return fleet.tenants.flatMap((tenant) => [
    tenantNamespace(tenant.name),
    workloadServiceAccount(tenant.name),
    defaultLimits(tenant.name),
    ...networkPolicies(tenant.name),
    adminRoleBinding(tenant.name),
  ]);
}
