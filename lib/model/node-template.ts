/**
 * The labels a GPU pool's nodes are born with, and the Auto Scaling group tags that let Cluster Autoscaler
 * build a node template for a pool at zero nodes (it cannot inspect a node that does not exist).
 */
import { ACCELERATOR_LABEL, DEVICE_PLUGIN_CONFIG_LABEL, GPU_TAINT, POOL_LABEL } from "../naming";
import type { PoolModel } from "./pool";

export function poolNodeLabels(model: PoolModel): Readonly<Record<string, string>> {
  return {
    ...model.pool.labels,
    [POOL_LABEL]: model.pool.name,
    ...(model.sharing.acceleratorLabelled ? { [ACCELERATOR_LABEL]: model.gpu.acceleratorLabel } : {}),
    // Selects this pool's device-plugin config (time-slicing replicas or none) from the node's first boot.
    [DEVICE_PLUGIN_CONFIG_LABEL]: model.sharing.devicePluginConfigKey,
  };
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
 * it ourselves; the resources are the sharing mode's template resources.
 */
export function autoscalerTemplateTags(model: PoolModel): Readonly<Record<string, string>> {
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(poolNodeLabels(model))) tags[`${TEMPLATE_PREFIX}/label/${key}`] = value;
  // Only the GPU taint: the validation taint is a startup taint the autoscaler must not plan around.
  tags[`${TEMPLATE_PREFIX}/taint/${GPU_TAINT.key}`] = `${GPU_TAINT.value}:${GPU_TAINT.effect}`;
  for (const [name, value] of Object.entries(model.sharing.autoscalerTemplateResources)) tags[`${TEMPLATE_PREFIX}/resources/${name}`] = String(value);
  tags[`${TEMPLATE_PREFIX}/resources/ephemeral-storage`] = ephemeralStorage(model.pool.rootVolumeGiB);
  return Object.fromEntries(Object.entries(tags).sort(([a], [b]) => a.localeCompare(b)));
}
