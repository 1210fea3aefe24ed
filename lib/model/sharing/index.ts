/** The one place a pool's `sharing.mode` is switched on: it picks the mode's class. */
import type { SharingConfig } from "../../config/schema";
import { ExclusiveSharing } from "./exclusive";
import { MigSharing } from "./mig";
import type { PoolHardware, SharingMode } from "./mode";
import { TimeSlicingSharing } from "./time-slicing";

export type { PoolHardware, ResourceCounts, SharingMode, ValidationTarget } from "./mode";

export function sharingMode(config: SharingConfig, hardware: PoolHardware): SharingMode {
  switch (config.mode) {
    case "exclusive":
      return new ExclusiveSharing(hardware);
    case "time-slicing":
      return new TimeSlicingSharing(config, hardware);
    case "mig":
      return new MigSharing(config, hardware);
  }
}
