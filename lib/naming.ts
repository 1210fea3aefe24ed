/**
 * Every name FastGPU gives something, in one place: stacks and AWS resources, namespaces, labels, taints,
 * resource names and the environment variables its tools read. Constructs, charts, tools and tests read them
 * here; nothing types them again.
 */

// --- Stacks and AWS resources ---------------------------------------------------------------------------

export function infraStackName(region: string): string {
  return `fastgpu-${region}-infra`;
}

export function platformStackName(region: string): string {
  return `fastgpu-${region}-platform`;
}

/** Reads a stack name back: `{region, kind}` for names `infraStackName`/`platformStackName` give, else undefined. */
export function parseStackName(name: string): { readonly region: string; readonly kind: "infra" | "platform" } | undefined {
  const match = /^fastgpu-(.+)-(infra|platform)$/.exec(name);
  return match ? { region: match[1], kind: match[2] as "infra" | "platform" } : undefined;
}

/** EKS cluster name; also the Cluster Autoscaler auto-discovery key. */
export function clusterName(fleetName: string, region: string): string {
  return `${fleetName}-${region}`;
}

/** IAM caps role names at 64 characters; config validation checks every tenant x region fits. */
export const IAM_ROLE_NAME_MAX = 64;

export function tenantRoleName(fleetName: string, region: string, tenant: string): string {
  return `${clusterName(fleetName, region)}-tenant-${tenant}`;
}

export function clusterAutoscalerRoleName(cluster: string): string {
  return `${cluster}-cluster-autoscaler`;
}

export function dataKeyAlias(cluster: string): string {
  return `alias/${cluster}-data`;
}

export function nodeGroupName(fleetName: string, pool: string): string {
  return `${fleetName}-${pool}`;
}

/** The system node group's pool name: `nodeGroupName(fleet, SYSTEM_POOL_NAME)`; no GPU pool may take it. */
export const SYSTEM_POOL_NAME = "system";

/** S3 bucket names are global: the account id keeps two accounts deploying the same config apart. */
export function bucketName(fleetName: string, kind: string, region: string, accountId: string): string {
  return `${fleetName}-${kind}-${region}-${accountId}`;
}

/** The region's ECR repository of the gpu-validate image. */
export function validationRepositoryName(fleetName: string): string {
  return `${fleetName}/gpu-validate`;
}

export function stateKey(fleetName: string, region: string, stack: string): string {
  return `${fleetName}/${region}/${stack}.tfstate`;
}

// --- Namespaces -------------------------------------------------------------------------------------------

export const NAMESPACES = {
  /** Our own charts' releases, validation pods and the deploy gate's Jobs. */
  platform: "fastgpu-system",
  kueue: "kueue-system",
  gpuOperator: "gpu-operator",
  /** The upstream chart's usual home; its service account is bound to an IAM role by Pod Identity. */
  clusterAutoscaler: "kube-system",
  /** Events about a Node must be in `default` (or have no namespace): the API server rejects others. */
  nodeEvents: "default",
} as const;

/** Namespaces Kubernetes itself owns; a tenant named like one would be handed it. */
export const KUBERNETES_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"] as const;

export const CLUSTER_AUTOSCALER_SERVICE_ACCOUNT = "cluster-autoscaler";

// --- Labels -----------------------------------------------------------------------------------------------

export const MANAGED_BY_LABELS = { "app.kubernetes.io/managed-by": "fastgpu" } as const;
export const POOL_LABEL = "fastgpu.io/pool";
export const TENANT_LABEL = "fastgpu.io/tenant";
/** What a validation pod is part of: the deploy gate, the join gate or a smoke run. */
export const COMPONENT_LABEL = "fastgpu.io/component";
/** Set by the join gate on a node: `passed` or `failed`. */
export const VALIDATION_LABEL = "fastgpu.io/gpu-validation";
export const SMOKE_RUN_LABEL = "fastgpu.io/smoke-run";
/** The system node group's nodes: controllers (autoscaler, operators, Kueue) are pinned to them. */
export const SYSTEM_POOL_LABEL = { "fastgpu.io/role": "system" } as const;
/**
 * Cluster Autoscaler's AWS provider treats nodes with this label as GPU nodes and counts them unready until they
 * advertise `nvidia.com/gpu`. MIG nodes never do (they advertise `nvidia.com/mig-*`), so they go without it.
 */
export const ACCELERATOR_LABEL = "k8s.amazonaws.com/accelerator";
/** Selects a node's device-plugin config from the GPU operator's ConfigMap. */
export const DEVICE_PLUGIN_CONFIG_LABEL = "nvidia.com/device-plugin.config";
export const QUEUE_NAME_LABEL = "kueue.x-k8s.io/queue-name";
export const PRIORITY_CLASS_LABEL = "kueue.x-k8s.io/priority-class";
/** Set by the Job controller on a Job's pods: tells them apart from pods of an earlier Job of the same name. */
export const CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid";

/** Helm leaves objects with this annotation in place when a release no longer renders them. */
export const KEEP_ON_REMOVAL = { "helm.sh/resource-policy": "keep" } as const;

// --- Taints and extended resources ------------------------------------------------------------------------

export interface NodeTaint {
  readonly key: string;
  readonly value: string;
  readonly effect: "NoSchedule" | "NoExecute" | "PreferNoSchedule";
}

export const GPU_RESOURCE = "nvidia.com/gpu";

/** Resource name the device plugin uses for a MIG profile under the mixed strategy. */
export function migResourceName(profile: string): string {
  return `nvidia.com/mig-${profile}`;
}

/** Keeps every pod without a GPU toleration off GPU nodes. */
export const GPU_TAINT: NodeTaint = { key: GPU_RESOURCE, value: "true", effect: "NoSchedule" };

/**
 * Every GPU node joins with this taint when the join gate is on; the gate removes it once the node passes. The
 * key's prefix is Cluster Autoscaler's startup-taint convention: it ignores such taints when it simulates
 * whether a pending pod would fit a new node, so the taint never blocks scale-up.
 */
export const STARTUP_TAINT_PREFIX = "startup-taint.cluster-autoscaler.kubernetes.io/";
export const VALIDATION_TAINT: NodeTaint = { key: `${STARTUP_TAINT_PREFIX}gpu-validation`, value: "pending", effect: "NoSchedule" };

// --- Environment variables --------------------------------------------------------------------------------

/** The config directory every entry point reads (default `config`). */
export const CONFIG_DIR_ENV = "FASTGPU_CONFIG";

/** Milliseconds between the smoke run's and the deploy gate's polls of the cluster (default 5000); tests set it low. */
export const POLL_INTERVAL_ENV = "FASTGPU_POLL_MS";

/** Environment variables the deploy gate reads, set by the terraform_data that runs it. */
export const DEPLOY_GATE_ENV = {
  /** The project directory the gate runs from (default: three levels above the stack's directory). */
  root: "FASTGPU_ROOT",
  server: "FASTGPU_K8S_SERVER",
  caData: "FASTGPU_K8S_CA_DATA",
  /** JSON array of the Jobs to create; their image repository is the placeholder below. */
  jobs: "FASTGPU_DEPLOY_GATE_JOBS",
  repositoryPlaceholder: "FASTGPU_VALIDATION_REPOSITORY_PLACEHOLDER",
  /** The region's ECR repository URL, an output of the infra stack. */
  repository: "FASTGPU_VALIDATION_REPOSITORY",
  /** Where the gate writes each node's report (default `gate-results/`). */
  resultsDir: "FASTGPU_GATE_RESULTS_DIR",
} as const;
