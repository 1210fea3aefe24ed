/**
 * Time-sliced GPUs: the device plugin advertises each physical GPU `replicas` times as `nvidia.com/gpu`, and
 * pods holding replicas of one GPU take turns on it. Quotas and prices count replicas.
 */
import { GPU_RESOURCE } from "../../naming";
import { MIG_STRATEGY } from "./exclusive";
import type { DevicePluginConfig, PoolHardware, ResourceCounts, SharingMode, SharingProblem, ValidationTarget } from "./mode";

export class TimeSlicingSharing implements SharingMode {
  readonly config: { readonly mode: "time-slicing"; readonly replicas: number };
  readonly summary: string;
  readonly advertisedPerNode: ResourceCounts;
  readonly quotaUnit: { plural: string; meaning: string };
  readonly quotaUnitsPerNode: number;
  readonly devicePluginConfigKey: string;
  readonly devicePluginConfig: DevicePluginConfig;
  readonly acceleratorLabelled = true;
  readonly autoscalerTemplateResources: ResourceCounts;
  readonly userData = undefined;
  readonly validationTarget: ValidationTarget;

  constructor(config: { readonly mode: "time-slicing"; readonly replicas: number }, hardware: PoolHardware) {
    const { replicas } = config;
    this.config = config;
    this.summary = `time-slicing x${replicas}`;
    this.advertisedPerNode = { [GPU_RESOURCE]: hardware.physicalGpusPerNode * replicas };
    this.quotaUnit = { plural: "GPU replicas", meaning: `one of ${replicas} time-sliced replicas of a GPU` };
    this.quotaUnitsPerNode = hardware.physicalGpusPerNode * replicas;
    this.devicePluginConfigKey = `time-slicing-x${replicas}`;
    this.devicePluginConfig = {
      version: "v1",
      flags: { migStrategy: MIG_STRATEGY },
      sharing: {
        timeSlicing: {
          // Keep the resource name nvidia.com/gpu so quotas and autoscaler templates count replicas as GPUs.
          renameByDefault: false,
          // A pod asking for 2 replicas would get no more compute than 1; refuse it instead of misleading it.
          failRequestsGreaterThanOne: true,
          resources: [{ name: GPU_RESOURCE, replicas }],
        },
      },
    };
    this.autoscalerTemplateResources = this.advertisedPerNode;
    // One replica: `failRequestsGreaterThanOne` (above) makes the kubelet refuse a pod asking for more, so a pod
    // holding every replica of the node, which would let every floor bind, could never start. Open: issue 16.
    this.validationTarget = { resources: { [GPU_RESOURCE]: 1 }, args: ["--sharing", "time-slicing", "--expect-gpus", "1"] };
  }

  quotaResources(units: number): ResourceCounts {
    return { [GPU_RESOURCE]: units };
  }

  problems(): readonly SharingProblem[] {
    return [];
  }
}
