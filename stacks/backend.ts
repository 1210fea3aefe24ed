import { S3Backend, TerraformStack } from "cdktf";
import type { FleetFile } from "../lib/config/schema";
import { stateKey } from "../lib/naming";

/**
 * State per stack in the fleet's S3 bucket with S3-native locking (Terraform >= 1.10 lockfile, no DynamoDB
 * table); without `state` in fleet.yaml, cdktf's default local state is used.
 */
export function configureBackend(stack: TerraformStack, fleet: FleetFile, region: string, stackName: string): void {
  if (!fleet.state) return;
  const backend = new S3Backend(stack, {
    bucket: fleet.state.bucket,
    key: stateKey(fleet.name, region, stackName),
    region: fleet.state.region,
    encrypt: true,
  });
  // cdktf 0.21 predates `use_lockfile`; the override writes it into the backend block.
  backend.addOverride("use_lockfile", true);
}
