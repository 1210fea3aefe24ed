/**
 * Helm values for the NVIDIA GPU Operator (chart pinned in lib/versions.ts) on EKS AL2023 NVIDIA nodes. The
 * type lists only keys that chart version's values.yaml defines (checked on every synth against schemas/helm/<chart>-<version>.keys.json).
 */
import type { SharingMode } from "../model/sharing";
import { devicePluginConfigData, devicePluginConfigMapName } from "../model/sharing/device-plugin";
import { EXCLUSIVE_CONFIG_KEY, MIG_STRATEGY } from "../model/sharing/exclusive";
import { SYSTEM_POOL_LABEL, type NodeTaint } from "../naming";

interface Toleration {
  key: string;
  operator: "Exists" | "Equal";
  value?: string;
  effect: NodeTaint["effect"];
}

export interface GpuOperatorValues {
  driver: { enabled: boolean };
  toolkit: { enabled: boolean };
  mig: { strategy: "none" | "single" | "mixed" };
  migManager: { enabled: boolean };
  devicePlugin: {
    enabled: boolean;
    config: { create: boolean; name: string; default: string; data: Record<string, string> };
  };
  gfd: { enabled: boolean };
  nfd: { enabled: boolean };
  dcgmExporter: { enabled: boolean; serviceMonitor: { enabled: boolean } };
  daemonsets: { tolerations: Toleration[] };
  operator: { nodeSelector: Record<string, string> };
  "node-feature-discovery": { worker: { tolerations: Toleration[] } };
}

const CONTROL_PLANE_TOLERATION: Toleration = { key: "node-role.kubernetes.io/control-plane", operator: "Equal", value: "", effect: "NoSchedule" };

export function tolerationFor(taint: NodeTaint): Toleration {
  return { key: taint.key, operator: "Exists", effect: taint.effect };
}

/**
 * @param sharing every pool's sharing mode in the region (one device-plugin config per distinct setting)
 * @param gpuNodeTaints every taint GPU nodes may carry (the operands must run there regardless)
 */
export function gpuOperatorValues(sharing: readonly SharingMode[], gpuNodeTaints: readonly NodeTaint[]): GpuOperatorValues {
  const data = devicePluginConfigData(sharing);
  const gpuNodeTolerations = gpuNodeTaints.map(tolerationFor);
  return {
    // The AL2023 NVIDIA AMI ships the driver, the container toolkit and fabric manager (AWS EKS user guide).
    driver: { enabled: false },
    toolkit: { enabled: false },
    mig: { strategy: MIG_STRATEGY },
    // MIG layouts are applied at boot, before kubelet (lib/mig-user-data.ts), never by the MIG manager.
    migManager: { enabled: false },
    devicePlugin: {
      enabled: true,
      config: { create: true, name: devicePluginConfigMapName(data), default: EXCLUSIVE_CONFIG_KEY, data },
    },
    gfd: { enabled: true },
    nfd: { enabled: true },
    // No Prometheus operator is installed by FastGPU; turn the ServiceMonitor on together with one.
    dcgmExporter: { enabled: true, serviceMonitor: { enabled: false } },
    daemonsets: { tolerations: gpuNodeTolerations },
    operator: { nodeSelector: { ...SYSTEM_POOL_LABEL } },
    "node-feature-discovery": { worker: { tolerations: [CONTROL_PLANE_TOLERATION, ...gpuNodeTolerations] } },
  };
}
