/**
 * The labels and taints a GPU pool's nodes are born with, and the Auto Scaling group tags that let Cluster
 * Autoscaler build a node template for a pool at zero nodes (it cannot inspect a node that does not exist).
 */
import { DEVICE_PLUGIN_CONFIG_LABEL, devicePluginConfigKey } from "./gpu-sharing";
import type { PoolFacts } from "./pools";
import { GPU_RESOURCE } from "./pools";

export const POOL_LABEL = "fastgpu.io/pool";
export const SHARING_LABEL = "fastgpu.io/sharing";
/**
 * Cluster Autoscaler's AWS provider treats nodes with this label as GPU nodes and counts them unready until they
 * advertise `nvidia.com/gpu`. MIG nodes never do (they advertise `nvidia.com/mig-*`), so they go without it.
 */
export const ACCELERATOR_LABEL = "k8s.amazonaws.com/accelerator";

export interface NodeTaint {
  readonly key: string;
  readonly value: string;
  readonly effect: "NoSchedule" | "NoExecute" | "PreferNoSchedule";
}

/** Keeps every pod without a GPU toleration off GPU nodes. */
export const GPU_TAINT: NodeTaint = { key: GPU_RESOURCE, value: "true", effect: "NoSchedule" };

/**
 * Every GPU node joins with this taint; the join gate removes it once the node passes validation. The key's
 * prefix is Cluster Autoscaler's startup-taint convention: it ignores such taints when it simulates whether a
 * pending pod would fit a new node, so the taint never blocks scale-up.
 */
export const STARTUP_TAINT_PREFIX = "startup-taint.cluster-autoscaler.kubernetes.io/";
export const VALIDATION_TAINT: NodeTaint = { key: `${STARTUP_TAINT_PREFIX}gpu-validation`, value: "pending", effect: "NoSchedule" };
/** Set by the join gate: `passed` or `failed`. */
export const VALIDATION_LABEL = "fastgpu.io/gpu-validation";

export function poolNodeLabels(facts: PoolFacts): Readonly<Record<string, string>> {
  return {
    ...facts.pool.labels,
    [POOL_LABEL]: facts.pool.name,
    [SHARING_LABEL]: facts.pool.sharing.mode,
    ...(facts.pool.sharing.mode === "mig" ? {} : { [ACCELERATOR_LABEL]: facts.gpu.acceleratorLabel }),
    // Selects this pool's device-plugin config (time-slicing replicas or none) from the node's first boot.
    [DEVICE_PLUGIN_CONFIG_LABEL]: devicePluginConfigKey(facts.pool.sharing),
  };
}

export interface TaintOptions {
  /** The node-join gate is on: nodes are born with the validation taint. */
  readonly joinGate: boolean;
}

export function poolNodeTaints(_facts: PoolFacts, options: TaintOptions): readonly NodeTaint[] {
  return options.joinGate ? [GPU_TAINT, VALIDATION_TAINT] : [GPU_TAINT];
}

const TEMPLATE_PREFIX = "k8s.io/cluster-autoscaler/node-template";

/** Share of the root volume offered as ephemeral-storage: images and kubelet reserve take the rest. */
const EPHEMERAL_STORAGE_SHARE = 0.8;

/** The system node group's root volume: CoreDNS, the autoscaler and operators need little disk. */
export const SYSTEM_POOL_ROOT_VOLUME_GIB = 50;

/** What a node with this root volume offers as `ephemeral-storage`. */
export function ephemeralStorage(rootVolumeGiB: number): string {
  return `${Math.floor(rootVolumeGiB * EPHEMERAL_STORAGE_SHARE)}Gi`;
}

/**
 * ASG tags for scale-from-zero. EKS does not copy node-group labels/taints/resources to the ASG, so we tag
 * it ourselves. Resources override CA's instance-type guess: a MIG node advertises 0 `nvidia.com/gpu`, a
 * time-sliced node advertises GPUs x replicas.
 */
export function autoscalerTemplateTags(facts: PoolFacts): Readonly<Record<string, string>> {
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(poolNodeLabels(facts))) tags[`${TEMPLATE_PREFIX}/label/${key}`] = value;
  // Only the GPU taint: the validation taint is a startup taint the autoscaler must not plan around.
  tags[`${TEMPLATE_PREFIX}/taint/${GPU_TAINT.key}`] = `${GPU_TAINT.value}:${GPU_TAINT.effect}`;
  const resources: Record<string, number> = { ...facts.advertisedPerNode };
  if (!(GPU_RESOURCE in resources)) resources[GPU_RESOURCE] = 0;
  for (const [name, value] of Object.entries(resources)) tags[`${TEMPLATE_PREFIX}/resources/${name}`] = String(value);
  tags[`${TEMPLATE_PREFIX}/resources/ephemeral-storage`] = ephemeralStorage(facts.pool.rootVolumeGiB);
  return Object.fromEntries(Object.entries(tags).sort(([a], [b]) => a.localeCompare(b)));
}
