/**
 * Admission policies for tenant namespaces (ValidatingAdmissionPolicy, CEL, GA since Kubernetes 1.30).
 *
 * Every workload in a tenant namespace must request a GPU. Kueue's only flavors are GPU pools, so a CPU-only
 * Job would be admitted onto one and start a GPU node for CPU work; a CPU-only bare pod would bypass Kueue and
 * land on the system nodes that run the platform. Pods are checked whatever created them; the common workload
 * kinds are checked as well, so the problem shows at `kubectl apply` rather than in a controller's events.
 */
import { MANAGED_BY_LABELS, type KubeObject } from "../k8s/object";
import { GPU_RESOURCE } from "../pools";
import { TENANT_LABEL } from "./namespace";

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

export function tenantAdmissionPolicies(): KubeObject[] {
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
        validations: [{ expression: requestsGpuExpression(target.podSpec), message: GPU_WORKLOAD_MESSAGE, reason: "Forbidden" }],
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
