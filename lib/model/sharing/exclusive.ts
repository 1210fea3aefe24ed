/** Whole GPUs: each advertised `nvidia.com/gpu` is one physical GPU, held by one pod at a time. */
import { GPU_RESOURCE } from "../../naming";
import type { DevicePluginConfig, PoolHardware, ResourceCounts, SharingMode, SharingProblem, ValidationTarget } from "./mode";

/** Whole GPUs, or MIG slices as they are: no time-slicing on top. Also the default for unlabelled nodes. */
export const EXCLUSIVE_CONFIG_KEY = "exclusive";

/** One strategy cluster-wide: the operator's `mig.strategy` overrides per-config flags anyway (pitfall P1). */
export const MIG_STRATEGY = "mixed";

/** The device plugin's config without sharing: exclusive GPUs, and MIG slices advertised as they are. */
export function plainDevicePluginConfig(): DevicePluginConfig {
  return { version: "v1", flags: { migStrategy: MIG_STRATEGY } };
}

export class ExclusiveSharing implements SharingMode {
  readonly config = { mode: "exclusive" } as const;
  readonly summary = "exclusive";
  readonly advertisedPerNode: ResourceCounts;
  readonly quotaUnit = { plural: "GPUs", meaning: "one whole GPU" };
  readonly quotaUnitsPerNode: number;
  readonly devicePluginConfigKey = EXCLUSIVE_CONFIG_KEY;
  readonly devicePluginConfig = plainDevicePluginConfig();
  readonly acceleratorLabelled = true;
  readonly autoscalerTemplateResources: ResourceCounts;
  readonly userData = undefined;
  readonly validationTarget: ValidationTarget;

  constructor(hardware: PoolHardware) {
    const gpus = hardware.physicalGpusPerNode;
    this.advertisedPerNode = { [GPU_RESOURCE]: gpus };
    this.quotaUnitsPerNode = gpus;
    this.autoscalerTemplateResources = this.advertisedPerNode;
    // The pod holds every GPU of the node: the node is validated as a whole, P2P included.
    this.validationTarget = { resources: { [GPU_RESOURCE]: gpus }, args: ["--sharing", "exclusive", "--expect-gpus", String(gpus)] };
  }

  quotaResources(units: number): ResourceCounts {
    return { [GPU_RESOURCE]: units };
  }

  problems(): readonly SharingProblem[] {
    return [];
  }
}
