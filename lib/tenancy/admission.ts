/**
 * Admission policies for tenant namespaces (ValidatingAdmissionPolicy, CEL, GA since Kubernetes 1.30).
 *
 * Every workload in a tenant namespace must request a GPU. Kueue's only flavors are GPU pools, so a CPU-only
 * Job would be admitted onto one and start a GPU node for CPU work; a CPU-only bare pod would bypass Kueue and
 * land on the system nodes that run the platform. Pods are checked whatever created them; the common workload
 * kinds are checked as well, so the problem shows at `kubectl apply` rather than in a controller's events.
 */
import { type KubeObject } from "../k8s/object";
import { TENANT_ADMIN_GROUP_PREFIX, TENANT_ADMIN_GROUP_SUFFIX } from "./namespace";
import { MANAGED_BY_LABELS, STARTUP_TAINT_PREFIX, GPU_RESOURCE, TENANT_LABEL } from "../naming";

const ADMISSION_API = "admissionregistration.k8s.io/v1";

/** CEL: a resource name is a GPU (whole, time-sliced or a MIG slice). */
const IS_GPU_RESOURCE = `(r == '${GPU_RESOURCE}' || r.startsWith('nvidia.com/mig-'))`;

/** CEL: some container of the pod spec at `podSpec` requests or limits a non-zero GPU resource. */
export function requestsGpuExpression(podSpec: string): string {
  const inMap = (map: string) => `(has(${map}) && ${map}.exists(r, ${IS_GPU_RESOURCE} && string(${map}[r]) != '0'))`;
  return `${podSpec}.containers.exists(c, has(c.resources) && (${inMap("c.resources.limits")} || ${inMap("c.resources.requests")}))`;
}

export const GPU_WORKLOAD_MESSAGE =
  "workloads in tenant namespaces must request a GPU (nvidia.com/gpu or nvidia.com/mig-<profile>) in at least one " +
  "container: Kueue would otherwise place CPU-only work on a GPU node, and bare pods would land on the platform's " +
  "system nodes";

/**
 * CEL: no toleration lets the pod onto a node that has not passed validation. A toleration without a key (or
 * an empty one) with `operator: Exists` tolerates every taint, the validation taint included.
 */
function toleratesNoStartupTaintExpression(podSpec: string): string {
  return `!has(${podSpec}.tolerations) || !${podSpec}.tolerations.exists(t, !has(t.key) || t.key == '' || t.key.startsWith('${STARTUP_TAINT_PREFIX}'))`;
}

export const STARTUP_TOLERATION_MESSAGE =
  `tenant pods may not tolerate the GPU validation taint (${STARTUP_TAINT_PREFIX}*) or every taint (a toleration ` +
  "without a key): only nodes that passed validation take tenant work; tolerate nvidia.com/gpu only";

/** CEL: the pod names no system-node-critical / system-cluster-critical priority class. */
function noSystemPriorityExpression(podSpec: string): string {
  return `!has(${podSpec}.priorityClassName) || !${podSpec}.priorityClassName.startsWith('system-')`;
}

export const SYSTEM_PRIORITY_MESSAGE =
  "tenant pods may not use the system-* priority classes: they would preempt other tenants' running pods outside " +
  "Kueue's quotas; set the Kueue label kueue.x-k8s.io/priority-class instead";

interface PolicyTarget {
  readonly name: string;
  readonly rules: readonly { apiGroups: string[]; apiVersions: string[]; resources: string[]; operations: string[] }[];
  /** CEL path of the pod template's spec in each matched kind. */
  readonly podSpec: string;
  /** Only when the pod template is new or changed: label edits and finalizer removal of existing objects pass. */
  readonly onTemplateChange?: string;
}

const TARGETS: readonly PolicyTarget[] = [
  {
    name: "fastgpu-tenant-pods-request-gpus",
    // Only CREATE: a pod's container resources are fixed once it exists, and label edits must keep working.
    // Pods of every controller pass here, including those the policies below do not name.
    rules: [{ apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], operations: ["CREATE"] }],
    podSpec: "object.spec",
  },
  {
    // Checked too so that a CPU-only workload fails at `kubectl apply`, not silently in its controller.
    name: "fastgpu-tenant-workloads-request-gpus",
    rules: [
      { apiGroups: ["batch"], apiVersions: ["v1"], resources: ["jobs"], operations: ["CREATE", "UPDATE"] },
      { apiGroups: ["apps"], apiVersions: ["v1"], resources: ["deployments", "statefulsets", "replicasets", "daemonsets"], operations: ["CREATE", "UPDATE"] },
    ],
    podSpec: "object.spec.template.spec",
    onTemplateChange: "oldObject.spec.template",
  },
  {
    name: "fastgpu-tenant-cronjobs-request-gpus",
    rules: [{ apiGroups: ["batch"], apiVersions: ["v1"], resources: ["cronjobs"], operations: ["CREATE", "UPDATE"] }],
    podSpec: "object.spec.jobTemplate.spec.template.spec",
    onTemplateChange: "oldObject.spec.jobTemplate.spec.template",
  },
];

/** CEL: the request creates the object, or changes its pod template, and the object is not being deleted. */
function templateChangedCondition(oldTemplate: string): string {
  const newTemplate = oldTemplate.replace(/^oldObject\./, "object.");
  return `request.operation == 'CREATE' || (!has(object.metadata.deletionTimestamp) && ${oldTemplate} != ${newTemplate})`;
}

/** The objects that keep a tenant in its lane; its admins may read them, never change or delete them. */
const PLATFORM_OWNED_RESOURCES = [
  { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"] },
  { apiGroups: [""], resources: ["resourcequotas", "limitranges"] },
] as const;

const PLATFORM_OWNED_MESSAGE =
  "NetworkPolicies, ResourceQuotas and LimitRanges in tenant namespaces belong to the platform (fleet config and " +
  "the fastgpu-tenancy chart); ask the platform team to change them";

/**
 * The built-in `edit` role lets its holders write NetworkPolicies: a tenant admin could delete default-deny.
 * `edit` aggregates too many rules to copy safely, so the admins keep it and this policy takes the writes away
 * from the tenant-admin groups (the groups EKS access entries put them in). The deploy identity is not in
 * those groups and keeps managing the objects.
 */
function platformOwnedObjectsPolicy(): KubeObject[] {
  const name = "fastgpu-tenant-guardrails-platform-owned";
  const isTenantAdmin = `request.userInfo.groups.exists(g, g.startsWith('${TENANT_ADMIN_GROUP_PREFIX}') && g.endsWith('${TENANT_ADMIN_GROUP_SUFFIX}'))`;
  return [
    {
      apiVersion: ADMISSION_API,
      kind: "ValidatingAdmissionPolicy",
      metadata: { name, labels: { ...MANAGED_BY_LABELS } },
      spec: {
        failurePolicy: "Fail",
        matchConditions: [{ name: "tenant-admin", expression: isTenantAdmin }],
        matchConstraints: {
          resourceRules: PLATFORM_OWNED_RESOURCES.map((rule) => ({
            apiGroups: [...rule.apiGroups],
            apiVersions: ["v1"],
            resources: [...rule.resources],
            operations: ["CREATE", "UPDATE", "DELETE"],
          })),
          namespaceSelector: { matchExpressions: [{ key: TENANT_LABEL, operator: "Exists" }] },
        },
        validations: [{ expression: "false", message: PLATFORM_OWNED_MESSAGE, reason: "Forbidden" }],
      },
    },
    {
      apiVersion: ADMISSION_API,
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name, labels: { ...MANAGED_BY_LABELS } },
      spec: { policyName: name, validationActions: ["Deny"] },
    },
  ];
}

export function tenantAdmissionPolicies(): KubeObject[] {
  return [...workloadPolicies(), ...platformOwnedObjectsPolicy()];
}

function workloadPolicies(): KubeObject[] {
  return TARGETS.flatMap((target) => [
    {
      apiVersion: ADMISSION_API,
      kind: "ValidatingAdmissionPolicy",
      metadata: { name: target.name, labels: { ...MANAGED_BY_LABELS } },
      spec: {
        failurePolicy: "Fail",
        ...(target.onTemplateChange ? { matchConditions: [{ name: "template-created-or-changed", expression: templateChangedCondition(target.onTemplateChange) }] } : {}),
        matchConstraints: {
          resourceRules: target.rules.map((rule) => ({ ...rule })),
          namespaceSelector: { matchExpressions: [{ key: TENANT_LABEL, operator: "Exists" }] },
        },
        validations: [
          { expression: requestsGpuExpression(target.podSpec), message: GPU_WORKLOAD_MESSAGE, reason: "Forbidden" },
          { expression: toleratesNoStartupTaintExpression(target.podSpec), message: STARTUP_TOLERATION_MESSAGE, reason: "Forbidden" },
          { expression: noSystemPriorityExpression(target.podSpec), message: SYSTEM_PRIORITY_MESSAGE, reason: "Forbidden" },
        ],
      },
    },
    {
      apiVersion: ADMISSION_API,
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name: target.name, labels: { ...MANAGED_BY_LABELS } },
      spec: { policyName: target.name, validationActions: ["Deny"] },
    },
  ]);
}
