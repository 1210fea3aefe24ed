/**
 * Helm values for the upstream cluster-autoscaler chart (version in lib/versions.ts). The type lists only
 * keys that chart version's values.yaml defines, so a misspelt key is a compile error.
 */
import { KUBERNETES_VERSIONS } from "../versions";
import { CLUSTER_AUTOSCALER_SERVICE_ACCOUNT, SYSTEM_POOL_LABEL, type NodeTaint } from "../naming";

export interface ClusterAutoscalerValues {
  cloudProvider: "aws";
  awsRegion: string;
  autoDiscovery: { clusterName: string };
  fullnameOverride: string;
  image: { tag: string };
  rbac: { serviceAccount: { create: boolean; name: string } };
  extraArgs: Record<string, string | number | boolean>;
  nodeSelector: Record<string, string>;
  resources: { requests: { cpu: string; memory: string }; limits: { memory: string } };
}

export function clusterAutoscalerValues(input: {
  region: string;
  clusterName: string;
  kubernetesVersion: string;
  /** Taints nodes are born with and lose once ready (the GPU join gate); never planned around. */
  startupTaints?: readonly NodeTaint[];
}): ClusterAutoscalerValues {
  return {
    cloudProvider: "aws",
    awsRegion: input.region,
    autoDiscovery: { clusterName: input.clusterName },
    fullnameOverride: "cluster-autoscaler",
    // The autoscaler's minor version must match the cluster's.
    image: { tag: KUBERNETES_VERSIONS[input.kubernetesVersion].clusterAutoscalerImageTag },
    rbac: { serviceAccount: { create: true, name: CLUSTER_AUTOSCALER_SERVICE_ACCOUNT } },
    extraArgs: {
      // Pick the pool that wastes the least CPU/memory/GPU for the pending pods.
      expander: "least-waste",
      "balance-similar-node-groups": true,
      "skip-nodes-with-system-pods": false,
      // p5/p4d nodes take long to boot and pass the GPU checks; do not give up on them early.
      "max-node-provision-time": "25m",
      "scale-down-unneeded-time": "10m",
      "scale-down-delay-after-add": "10m",
      // GPU DaemonSets (device plugin, DCGM exporter) must not keep an idle GPU node alive.
      "ignore-daemonsets-utilization": true,
      // Their key prefix already marks them as startup taints; naming them makes it explicit and survives
      // an autoscaler that stops honouring the prefix.
      ...(input.startupTaints && input.startupTaints.length > 0 ? { "startup-taint": input.startupTaints.map((taint) => taint.key).join(",") } : {}),
    },
    nodeSelector: { ...SYSTEM_POOL_LABEL },
    resources: { requests: { cpu: "100m", memory: "600Mi" }, limits: { memory: "600Mi" } },
  };
}
