/**
 * How each pool's `sharing` setting becomes real on its nodes through the NVIDIA GPU Operator:
 * - the device plugin reads one named config per distinct sharing setting from a ConfigMap; each node picks
 *   its config by the label `nvidia.com/device-plugin.config=<key>`, which the node group sets at birth;
 * - MIG layouts are applied on the node before kubelet starts (see `mig-user-data.ts`), and the device plugin
 *   advertises the slices under the `mixed` strategy as `nvidia.com/mig-<profile>`.
 */
import { createHash } from "node:crypto";
import { stringify } from "yaml";
import type { SharingConfig } from "./config/schema";
import { GPU_RESOURCE } from "./pools";

export const DEVICE_PLUGIN_CONFIG_LABEL = "nvidia.com/device-plugin.config";
/** Whole GPUs, or MIG slices as they are: no time-slicing on top. Also the default for unlabelled nodes. */
export const EXCLUSIVE_CONFIG_KEY = "exclusive";
/** One strategy cluster-wide: the operator's `mig.strategy` overrides per-config flags anyway (pitfall P1). */
export const MIG_STRATEGY = "mixed";

export function devicePluginConfigKey(sharing: SharingConfig): string {
  return sharing.mode === "time-slicing" ? `time-slicing-x${sharing.replicas}` : EXCLUSIVE_CONFIG_KEY;
}

interface DevicePluginConfig {
  version: "v1";
  flags: { migStrategy: typeof MIG_STRATEGY };
  sharing?: {
    timeSlicing: {
      renameByDefault: boolean;
      failRequestsGreaterThanOne: boolean;
      resources: { name: string; replicas: number }[];
    };
  };
}

/** The device plugin's config file (k8s-device-plugin `api/config/v1`) for one sharing setting. */
export function devicePluginConfig(sharing: SharingConfig): DevicePluginConfig {
  const config: DevicePluginConfig = { version: "v1", flags: { migStrategy: MIG_STRATEGY } };
  if (sharing.mode === "time-slicing") {
    config.sharing = {
      timeSlicing: {
        // Keep the resource name nvidia.com/gpu so quotas and autoscaler templates count replicas as GPUs.
        renameByDefault: false,
        // A pod asking for 2 replicas would get no more compute than 1; refuse it instead of misleading it.
        failRequestsGreaterThanOne: true,
        resources: [{ name: GPU_RESOURCE, replicas: sharing.replicas }],
      },
    };
  }
  return config;
}

/** ConfigMap `data`: one key per distinct sharing setting in use, plus the exclusive default. */
export function devicePluginConfigData(settings: readonly SharingConfig[]): Record<string, string> {
  const data: Record<string, string> = { [EXCLUSIVE_CONFIG_KEY]: stringify(devicePluginConfig({ mode: "exclusive" })) };
  for (const sharing of settings) data[devicePluginConfigKey(sharing)] = stringify(devicePluginConfig(sharing));
  return Object.fromEntries(Object.entries(data).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The operator does not watch the ConfigMap's content, only which ConfigMap the ClusterPolicy names. A name
 * that carries a hash of the content makes every change a new name, so the device plugin restarts with it.
 */
export function devicePluginConfigMapName(data: Readonly<Record<string, string>>): string {
  const digest = createHash("sha256").update(JSON.stringify(Object.entries(data).sort())).digest("hex");
  return `fastgpu-device-plugin-${digest.slice(0, 10)}`;
}
