/**
 * MIG slices: every GPU of a node is partitioned by the pool's layout at boot (see `mig-user-data.ts`), and the
 * device plugin advertises the slices as `nvidia.com/mig-<profile>` under the mixed strategy; the GPUs no longer
 * advertise `nvidia.com/gpu`. Quotas and prices count GPUs' worth of the layout: a quota of 2 is two GPUs'
 * worth of slices, whatever the slices' sizes.
 */
import { GPU_RESOURCE, migResourceName } from "../../naming";
import { plainDevicePluginConfig, EXCLUSIVE_CONFIG_KEY } from "./exclusive";
import { placeMigLayout } from "./mig-placement";
import { migUserData } from "./mig-user-data";
import { totalUnits, type PoolHardware, type ResourceCounts, type SharingMode, type SharingProblem, type ValidationTarget } from "./mode";

export class MigSharing implements SharingMode {
  readonly config: { readonly mode: "mig"; readonly layout: Readonly<Record<string, number>> };
  readonly summary: string;
  readonly advertisedPerNode: ResourceCounts;
  readonly quotaUnit = { plural: "GPUs of MIG slices", meaning: "one GPU's worth of the layout's slices" };
  readonly quotaUnitsPerNode: number;
  // Slices are advertised as they are: the plain config, no time-slicing on top.
  readonly devicePluginConfigKey = EXCLUSIVE_CONFIG_KEY;
  readonly devicePluginConfig = plainDevicePluginConfig();
  readonly acceleratorLabelled = false;
  readonly autoscalerTemplateResources: ResourceCounts;
  readonly validationTarget: ValidationTarget;
  private readonly hardware: PoolHardware;

  constructor(config: { readonly mode: "mig"; readonly layout: Readonly<Record<string, number>> }, hardware: PoolHardware) {
    this.config = config;
    this.hardware = hardware;
    const profiles = Object.keys(config.layout).sort();
    this.summary = `MIG ${profiles.map((profile) => `${config.layout[profile]}x${profile}`).join(" + ")} per GPU`;
    this.advertisedPerNode = this.quotaResources(hardware.physicalGpusPerNode);
    this.quotaUnitsPerNode = hardware.physicalGpusPerNode;
    // The AWS provider guesses nvidia.com/gpu from the instance type; a MIG node offers none, so say 0.
    this.autoscalerTemplateResources = { ...this.advertisedPerNode, [GPU_RESOURCE]: 0 };
    // At join no tenant holds a slice yet, so the validation pod takes every slice of the node's layout, and
    // gpu-validate validates each one (in a run of its own: CUDA shows a process one MIG device) against its
    // binding, slice-scaled floors, then checks the slices it found against the layout.
    const slices = this.advertisedPerNode;
    const perProfile = Object.keys(config.layout)
      .sort()
      .map((profile) => `${profile}=${config.layout[profile] * hardware.physicalGpusPerNode}`);
    this.validationTarget = {
      resources: slices,
      args: ["--sharing", "mig", "--expect-gpus", String(totalUnits(slices)), "--expect-mig-slices", perProfile.join(",")],
    };
  }

  quotaResources(units: number): ResourceCounts {
    const { layout } = this.config;
    return Object.fromEntries(Object.keys(layout).sort().map((profile) => [migResourceName(profile), layout[profile] * units]));
  }

  /** The boot-time layout unit; only for a layout `problems()` accepts. */
  get userData(): string {
    return Buffer.from(migUserData(this.hardware.gpu, this.config.layout), "utf8").toString("base64");
  }

  problems(): readonly SharingProblem[] {
    const { gpu, instanceType } = this.hardware;
    if (!gpu.mig) {
      return [{ path: ["mode"], message: `${gpu.name} (${instanceType}) has no MIG; use time-slicing to share it, or a MIG GPU (A100, H100, H200, B200)` }];
    }
    const mediaProfiles = Object.keys(this.config.layout).filter((profile) => profile.includes("+"));
    const problems: SharingProblem[] = mediaProfiles.map((profile) => ({
      path: ["layout", profile],
      message:
        `"${profile}" cannot be a Kubernetes resource name ("+" is not allowed in ${migResourceName(profile)}), so no job could request it; ` +
        `use "${profile.split("+")[0]}" instead`,
    }));
    // The other profiles are checked too, so both kinds of mistake show in one run. A layout that does not fit
    // never fits with more profiles added, so a misfit of the rest is a real problem of the whole layout.
    const rest = Object.fromEntries(Object.entries(this.config.layout).filter(([profile]) => !profile.includes("+")));
    if (mediaProfiles.length > 0 && Object.keys(rest).length === 0) return problems;
    const placed = placeMigLayout(gpu, rest);
    return placed.ok ? problems : [...problems, { path: ["layout"], message: placed.reason }];
  }
}
