/**
 * Helm values for the upstream Kueue chart (pinned in lib/versions.ts). The chart takes Kueue's whole
 * Configuration as one YAML string that Helm does not merge, so we render all of it here; re-read it against
 * the chart's default on every Kueue bump.
 */
import { stringify } from "yaml";
import { IMAGES } from "../versions";
import { TENANT_LABEL, SYSTEM_POOL_LABEL } from "../naming";

/** Resources Kueue leaves out of quota: pods may request them without a ClusterQueue covering them. */
export const KUEUE_EXCLUDED_RESOURCE_PREFIXES = ["ephemeral-storage", "hugepages-", "vpc.amazonaws.com/"] as const;

/** Labels the chart puts on the controller's pods (its selector labels with fullnameOverride "kueue"). */
const KUEUE_POD_LABELS = { "app.kubernetes.io/name": "kueue", "control-plane": "controller-manager" } as const;

export interface KueueValues {
  fullnameOverride: string;
  controllerManager: {
    manager: { image: { repository: string; tag: string; pullPolicy: string } };
    nodeSelector: Record<string, string>;
    replicas: number;
    podDisruptionBudget: { enabled: boolean; minAvailable: number };
    topologySpreadConstraints: Record<string, unknown>[];
  };
  managerConfig: { controllerManagerConfigYaml: string };
}

/** Kueue's Configuration (config.kueue.x-k8s.io/v1beta2), as the controller reads it. */
export function kueueConfiguration(): Record<string, unknown> {
  return {
    apiVersion: "config.kueue.x-k8s.io/v1beta2",
    kind: "Configuration",
    health: { healthProbeBindAddress: ":8081" },
    metrics: { bindAddress: ":8443" },
    webhook: { port: 9443 },
    leaderElection: { leaderElect: true, resourceName: "c1f6bfd2.kueue.x-k8s.io" },
    controller: {
      groupKindConcurrency: {
        "Job.batch": 5,
        Pod: 5,
        "Workload.kueue.x-k8s.io": 10,
        "LocalQueue.kueue.x-k8s.io": 5,
        "ClusterQueue.kueue.x-k8s.io": 5,
        "ResourceFlavor.kueue.x-k8s.io": 1,
      },
    },
    clientConnection: { qps: 300, burst: 500 },
    // Jobs in tenant namespaces go through Kueue even without a queue label (they land in LocalQueue
    // "default"), so no GPU job can skip the quotas. Other namespaces are left alone.
    manageJobsWithoutQueueName: true,
    managedJobsNamespaceSelector: { matchExpressions: [{ key: TENANT_LABEL, operator: "Exists" }] },
    // GPU nodes scale from zero: a p5 node takes ~15 minutes to boot and pass validation, so pods get
    // 45 minutes to become ready before Kueue evicts and requeues the workload.
    waitForPodsReady: {
      timeout: "45m",
      recoveryTimeout: "15m",
      blockAdmission: false,
      requeuingStrategy: { timestamp: "Eviction", backoffLimitCount: 5, backoffBaseSeconds: 60, backoffMaxSeconds: 3600 },
    },
    // Jobs, and bare pods, Deployments and StatefulSets (serving) too, so no GPU workload in a tenant namespace
    // skips its queue. Other frameworks (JobSet, Ray, Kubeflow) need their operators installed first.
    integrations: { frameworks: ["batch/job", "pod", "deployment", "statefulset"] },
    // Kueue 0.19 refuses to admit a workload that requests a resource no ClusterQueue covers (BlockUndeclared).
    // Quotas are about GPUs, CPU and memory; local disk, huge pages and EFA interfaces are the node's business.
    resources: { excludeResourcePrefixes: [...KUEUE_EXCLUDED_RESOURCE_PREFIXES] },
  };
}

export function kueueValues(): KueueValues {
  return {
    // Fixes the names of the chart's objects, e.g. the kueue-batch-user-role ClusterRole.
    fullnameOverride: "kueue",
    controllerManager: {
      // The chart's own default is a staging image with pullPolicy Always; pin the released one.
      manager: { image: { repository: IMAGES.kueue.repository, tag: IMAGES.kueue.tag, pullPolicy: "IfNotPresent" } },
      nodeSelector: { ...SYSTEM_POOL_LABEL },
      // Kueue's webhooks fail closed for tenant pods and Jobs: with one replica, every reschedule of it (a
      // system node consolidated or replaced) would refuse all tenant submissions until it is back. Two
      // replicas on different nodes, one kept through voluntary evictions; leader election picks one.
      replicas: 2,
      podDisruptionBudget: { enabled: true, minAvailable: 1 },
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { ...KUEUE_POD_LABELS } } },
      ],
    },
    managerConfig: { controllerManagerConfigYaml: stringify(kueueConfiguration(), { lineWidth: 0 }) },
  };
}
