/**
 * Admission policies for tenant namespaces (ValidatingAdmissionPolicy, CEL, GA since Kubernetes 1.30).
 *
 * Every workload in a tenant namespace must request a GPU. Kueue's only flavors are GPU pools, so a CPU-only
 * Job would be admitted onto one and start a GPU node for CPU work; a CPU-only bare pod would bypass Kueue and
 * land on the system nodes that run the platform. Denying both at admission names the problem at `kubectl apply`.
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
  readonly podSpec: string;
}

const TARGETS: readonly PolicyTarget[] = [
  {
    name: "fastgpu-tenant-pods-request-gpus",
    // Only CREATE: a pod's container resources are fixed once it exists, and label edits must keep working.
    rules: [{ apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], operations: ["CREATE"] }],
    podSpec: "object.spec",
  },
  {
    // Checked too so that a CPU-only Job fails at `kubectl apply`, not silently in the Job controller.
    name: "fastgpu-tenant-workloads-request-gpus",
    rules: [
      { apiGroups: ["batch"], apiVersions: ["v1"], resources: ["jobs"], operations: ["CREATE", "UPDATE"] },
      { apiGroups: ["apps"], apiVersions: ["v1"], resources: ["deployments", "statefulsets"], operations: ["CREATE", "UPDATE"] },
    ],
    podSpec: "object.spec.template.spec",
  },
];

export function tenantAdmissionPolicies(): KubeObject[] {
  return TARGETS.flatMap((target) => [
    {
      apiVersion: ADMISSION_API,
      kind: "ValidatingAdmissionPolicy",
      metadata: { name: target.name, labels: { ...MANAGED_BY_LABELS } },
      spec: {
        failurePolicy: "Fail",
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
