/** The tags every AWS resource of a stack carries (the provider's default tags). */
import type { FleetFile } from "./config/schema";

export function resourceTags(fleet: FleetFile, region: string, stackName: string): Record<string, string> {
  return {
    ...fleet.tags,
    "fastgpu.io/fleet": fleet.name,
    "fastgpu.io/region": region,
    "fastgpu.io/stack": stackName,
    "managed-by": "fastgpu-cdktf",
  };
}
