/**
 * GPU validation objects. The `fastgpu-gpu-validation` chart holds the long-lived ones: per pool a join-gate
 * DaemonSet (every new node, before it takes work), the join gate's RBAC, and the priority class of one-shot
 * validation pods. The deploy-gate Jobs (one indexed Job per pool with nodes at deploy time) are not in the
 * chart: the deploy gate creates them itself on every run, replacing those of earlier runs.
 */
import { createHash } from "node:crypto";
import type { FleetFile } from "../config/schema";
import { type KubeObject } from "../k8s/object";
import { DeployGateInputError } from "./gate-command";
import { JOIN_GATE_COMMAND, JOIN_GATE_SERVICE_ACCOUNT, reportingArgs, validationPodSpec, validationTarget } from "./workload";
import { MANAGED_BY_LABELS, POOL_LABEL, VALIDATION_LABEL, COMPONENT_LABEL, NAMESPACES } from "../naming";
import type { PoolModel } from "../model/pool";
import type { RegionModel } from "../model/region";

export const DEPLOY_GATE_COMPONENT = "deploy-gate";
export const JOIN_GATE_COMPONENT = "join-gate";
/**
 * One-shot validation pods (deploy gate, smoke) run at this priority: below Cluster Autoscaler's default
 * expendable cutoff (-10), so a validation pod that finds no free node never scales a GPU pool up, and below
 * every tenant job, so it never preempts one. It does not preempt anything itself.
 */
export const VALIDATION_PRIORITY_CLASS = "fastgpu-validation";
const VALIDATION_PRIORITY = -100;

export function validationPriorityClass(): KubeObject {
  return {
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name: VALIDATION_PRIORITY_CLASS, labels: { ...MANAGED_BY_LABELS } },
    value: VALIDATION_PRIORITY,
    preemptionPolicy: "Never",
    globalDefault: false,
    description: "FastGPU GPU validation pods (deploy gate, smoke): never scale a pool up, never preempt tenants.",
  };
}

function shortHash(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 8);
}

/**
 * One pod per node of the pool's minimum size: the nodes the deploy itself brings up (nodes the autoscaler adds
 * later pass the join gate). Indexed with a per-index backoff of 0, so every node reports
 * even when one fails, and the Job fails at the end if any did. Its name carries a hash of its spec: Jobs are
 * immutable, so a changed gate is a new Job (and an unchanged one is not re-run).
 */
export function deployGateJob(facts: PoolModel, fleet: FleetFile, image: string): KubeObject {
  const nodes = facts.pool.minSize;
  const target = validationTarget(facts, fleet.validation.profile);
  const podLabels = { ...MANAGED_BY_LABELS, [COMPONENT_LABEL]: DEPLOY_GATE_COMPONENT, [POOL_LABEL]: facts.pool.name };
  const podSpecFor = (podImage: string) => ({
    ...validationPodSpec({ image: podImage, target, poolSelector: facts.pool.name, args: reportingArgs(target), restartPolicy: "Never" }),
    priorityClassName: VALIDATION_PRIORITY_CLASS,
    // At most one validation pod per node: together they cover every node the pool has at deploy time.
    affinity: {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { [COMPONENT_LABEL]: DEPLOY_GATE_COMPONENT, [POOL_LABEL]: facts.pool.name } }, topologyKey: "kubernetes.io/hostname" },
        ],
      },
    },
  });
  const specFor = (podImage: string) => ({
    completionMode: "Indexed",
    completions: nodes,
    parallelism: nodes,
    backoffLimitPerIndex: 0,
    maxFailedIndexes: nodes,
    // A tenant pod may preempt a validation pod (it runs at a lower priority): that is no verdict on the node,
    // so the index starts again instead of failing, until the deadline.
    podFailurePolicy: { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] }] },
    activeDeadlineSeconds: fleet.validation.deployGateTimeoutMinutes * 60,
    // Kept for `kubectl logs` until the next deploy gate run replaces it (a week at most).
    ttlSecondsAfterFinished: 7 * 24 * 3600,
    template: { metadata: { labels: podLabels }, spec: podSpecFor(podImage) },
  });
  const spec = specFor(image);
  // Named by what it runs, not where the image lives: the same gate hashes the same in a synth (where the
  // repository is a Terraform reference) and in `npm run manifests`.
  const identity = shortHash({ spec: specFor("<image>"), tag: fleet.validation.image.tag });
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: `gpu-validation-${facts.pool.name}-${identity}`,
      namespace: NAMESPACES.platform,
      labels: { ...MANAGED_BY_LABELS, [COMPONENT_LABEL]: DEPLOY_GATE_COMPONENT, [POOL_LABEL]: facts.pool.name },
    },
    spec,
  };
}

/**
 * Runs on every node of the pool that has no validation result yet: the pod validates, then labels the node
 * passed (and lifts the startup taint) or failed (and leaves it). The label takes the node out of the
 * DaemonSet's affinity, so the controller removes the pod and the GPUs are free for tenants.
 */
export function joinGateDaemonSet(facts: PoolModel, image: string): KubeObject {
  // The join gate always runs the quick suite: it delays a new node's first job.
  const target = validationTarget(facts, "quick");
  const labels = { ...MANAGED_BY_LABELS, [COMPONENT_LABEL]: JOIN_GATE_COMPONENT, [POOL_LABEL]: facts.pool.name };
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: `gpu-join-gate-${facts.pool.name}`, namespace: NAMESPACES.platform, labels },
    spec: {
      selector: { matchLabels: { [COMPONENT_LABEL]: JOIN_GATE_COMPONENT, [POOL_LABEL]: facts.pool.name } },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "100%" } },
      template: {
        metadata: { labels },
        spec: {
          ...validationPodSpec({
            image,
            target,
            poolSelector: facts.pool.name,
            command: [JOIN_GATE_COMMAND],
            args: target.args,
            serviceAccountName: JOIN_GATE_SERVICE_ACCOUNT,
            restartPolicy: "Always",
          }),
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: VALIDATION_LABEL, operator: "NotIn", values: ["passed", "failed"] }] }],
              },
            },
          },
        },
      },
    },
  };
}

/**
 * The join gate's permissions: get and patch on nodes (to label them and lift their taint; Kubernetes RBAC
 * cannot narrow a ClusterRole to the pod's own node) and create on events in `default`, where the API server
 * requires Events about cluster-scoped objects such as Nodes to live (`kubectl describe node` shows them).
 */
export function joinGateRbac(): KubeObject[] {
  const labels = { ...MANAGED_BY_LABELS, [COMPONENT_LABEL]: JOIN_GATE_COMPONENT };
  const subject = { kind: "ServiceAccount", name: JOIN_GATE_SERVICE_ACCOUNT, namespace: NAMESPACES.platform };
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: JOIN_GATE_SERVICE_ACCOUNT, namespace: NAMESPACES.platform, labels } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "fastgpu-gpu-join-gate", labels },
      rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "patch"] }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "fastgpu-gpu-join-gate", labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "fastgpu-gpu-join-gate" },
      subjects: [subject],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "fastgpu-gpu-join-gate-events", namespace: NAMESPACES.nodeEvents, labels },
      rules: [{ apiGroups: [""], resources: ["events"], verbs: ["create"] }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "fastgpu-gpu-join-gate-events", namespace: NAMESPACES.nodeEvents, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "fastgpu-gpu-join-gate-events" },
      subjects: [subject],
    },
  ];
}

/** The chart's objects: the validation priority class, and the join gate's RBAC and DaemonSets when it is on. */
export function validationChartObjects(region: RegionModel, image: string): KubeObject[] {
  const { fleet, pools } = region;
  if (pools.length === 0) return [];
  const objects: KubeObject[] = [validationPriorityClass()];
  if (fleet.validation.joinGate) objects.push(...joinGateRbac(), ...pools.map((facts) => joinGateDaemonSet(facts, image)));
  return objects;
}

/** The Jobs the deploy gate creates: one per pool with nodes at deploy time (minSize >= 1), when it is on. */
export function deployGateJobs(region: RegionModel, image: string): KubeObject[] {
  const { fleet } = region;
  if (!fleet.validation.deployGate) return [];
  return region.pools.filter((model) => model.pool.minSize >= 1).map((model) => deployGateJob(model, fleet, image));
}

/**
 * Points the validation containers of `object` at `repository`: the deploy gate receives its Jobs with the
 * placeholder repository and learns the real one (an output of the infra stack) only when it runs.
 */
export function withImageRepository(job: KubeObject, placeholder: string, repository: string): KubeObject {
  const spec = job.spec as { template: { spec: { containers: { image: string }[] } } };
  if (!spec.template.spec.containers.some((container) => container.image.startsWith(`${placeholder}:`))) {
    throw new DeployGateInputError(`Job ${job.metadata.name}: no container image in ${placeholder}; synthesize again so the Jobs and the placeholder agree`);
  }
  const containers = spec.template.spec.containers.map((container) =>
    container.image.startsWith(`${placeholder}:`) ? { ...container, image: `${repository}${container.image.slice(placeholder.length)}` } : container,
  );
  return { ...job, spec: { ...spec, template: { ...spec.template, spec: { ...spec.template.spec, containers } } } };
}

/** The region's validation image: its ECR repository (infra stack) at the tag pinned in config. */
export function validationImage(repositoryUrl: string, fleet: FleetFile): string {
  return `${repositoryUrl}:${fleet.validation.image.tag}`;
}

/** The repository URL as `npm run manifests` shows it, before the account id is known. */
export function validationRepositoryPlaceholder(region: RegionModel): string {
  return `ACCOUNT_ID.dkr.ecr.${region.region}.amazonaws.com/${region.names.validationRepository}`;
}
