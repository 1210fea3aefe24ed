/**
 * How each pool's sharing mode becomes real on its nodes through the NVIDIA GPU Operator: the device plugin
 * reads one named config per distinct sharing setting from a ConfigMap, and each node picks its config by the
 * label `nvidia.com/device-plugin.config=<key>`, which the node group sets at birth. MIG layouts are applied on
 * the node before kubelet starts (see `mig-user-data.ts`); the device plugin advertises the slices under the
 * `mixed` strategy as `nvidia.com/mig-<profile>`.
 */
import { createHash } from "node:crypto";
import { stringify } from "yaml";
import { EXCLUSIVE_CONFIG_KEY, plainDevicePluginConfig } from "./exclusive";
import type { SharingMode } from "./mode";

/** ConfigMap `data`: one key per distinct sharing setting in use, plus the exclusive default. */
export function devicePluginConfigData(modes: readonly SharingMode[]): Record<string, string> {
  const data: Record<string, string> = { [EXCLUSIVE_CONFIG_KEY]: stringify(plainDevicePluginConfig()) };
  for (const mode of modes) data[mode.devicePluginConfigKey] = stringify(mode.devicePluginConfig);
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
