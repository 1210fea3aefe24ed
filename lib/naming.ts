/** Names of stacks and resources, derived in one place so tools and constructs agree. */

export function infraStackName(region: string): string {
  return `fastgpu-${region}-infra`;
}

export function platformStackName(region: string): string {
  return `fastgpu-${region}-platform`;
}

/** EKS cluster name; also the Cluster Autoscaler auto-discovery key. */
export function clusterName(fleetName: string, region: string): string {
  return `${fleetName}-${region}`;
}

/** IAM caps role names at 64 characters; config validation checks every tenant x region fits. */
export const IAM_ROLE_NAME_MAX = 64;

export function tenantRoleName(fleetName: string, region: string, tenant: string): string {
  return `${clusterName(fleetName, region)}-tenant-${tenant}`;
}

export function nodeGroupName(fleetName: string, pool: string): string {
  return `${fleetName}-${pool}`;
}

/** S3 bucket names are global: the account id keeps two accounts deploying the same config apart. */
export function bucketNameParts(fleetName: string, kind: string, region: string): string {
  return `${fleetName}-${kind}-${region}`;
}

export function stateKey(fleetName: string, region: string, stack: string): string {
  return `${fleetName}/${region}/${stack}.tfstate`;
}

/** The system node group's pool name: `nodeGroupName(fleet, SYSTEM_POOL_NAME)`; no GPU pool may take it. */
export const SYSTEM_POOL_NAME = "system";
