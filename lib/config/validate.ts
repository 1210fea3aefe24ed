/**
 * Cross-checks that a schema cannot express: the config against the GPU and instance catalog, names against
 * each other, and settings that only make sense together. Each problem names the file, the path and the fix.
 */
import * as path from "node:path";
import type { z } from "zod";
import { gpuById } from "../catalog/gpus";
import { findInstanceType, INSTANCE_TYPES, REGION_SOURCE } from "../catalog/instances";
import { sharingMode } from "../model/sharing";
import { IAM_ROLE_NAME_MAX, KUBERNETES_NAMESPACES, NAMESPACES, SYSTEM_POOL_NAME, tenantRoleName } from "../naming";
import { isTenantLimitKey, resolveTenantQuotas } from "../tenancy/quotas";
import type { ConfigProblem } from "./errors";
import { formatPath } from "./errors";
import type { Locate } from "./parse";
import {
  BUCKET_KINDS,
  bucketsSchema,
  cidr,
  clusterEndpointSchema,
  fleetSchema,
  gpuPoolSchema,
  parseCidr,
  regionCode,
  regionSchema,
  systemPoolSchema,
  type GpuPoolConfig,
  type RegionFile,
  type SystemPoolConfig,
  type TenantConfig,
} from "./schema";

const RESERVED_LABEL_PREFIXES = ["fastgpu.io/", "nvidia.com/", "k8s.amazonaws.com/", "eks.amazonaws.com/", "kubernetes.io/", "k8s.io/"];
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(|[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;

/**
 * Cross-checks a region file part by part: every part that passes its own schema is checked, even when
 * another part of the file is malformed, so one run reports every problem.
 */
export function crossCheckRegion(file: string, raw: unknown, locate: Locate): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = (path: readonly PropertyKey[], message: string) =>
    problems.push({ file, path: formatPath(path), message: `${message}${locate(path)}` });
  const doc = isRecord(raw) ? raw : {};

  const regionName = wellFormed(regionCode, doc.region);
  if (regionName !== undefined) {
    const expectedName = `${regionName}.yaml`;
    if (path.basename(file) !== expectedName) {
      problem(["region"], `region "${regionName}" does not match the file name; rename the file to ${expectedName} or fix the region`);
    }
  }

  const vpcCidr = wellFormed(cidr, doc.vpcCidr);
  const vpc = vpcCidr === undefined ? null : parseCidr(vpcCidr);
  if (vpc) {
    if (vpc.prefix < 16 || vpc.prefix > 20) {
      problem(["vpcCidr"], `a /${vpc.prefix} VPC does not fit: use a prefix from /16 to /20 (GPU pods take many IPs; /16 is best)`);
    } else if ((vpc.address & (2 ** (32 - vpc.prefix) - 1)) !== 0) {
      problem(["vpcCidr"], `${vpcCidr} has host bits set; use the network address of that /${vpc.prefix}`);
    }
  }

  const endpoint = wellFormed(clusterEndpointSchema, doc.clusterEndpoint ?? {});
  if (endpoint?.publicAccess && endpoint.publicAccessCidrs.length === 0) {
    problem(["clusterEndpoint", "publicAccessCidrs"], "a public endpoint needs an allowlist; list your office/VPN CIDRs or set publicAccess: false");
  }
  if (endpoint && !endpoint.publicAccess && endpoint.privateAccessCidrs.length === 0) {
    problem(
      ["clusterEndpoint", "privateAccessCidrs"],
      "a private-only API endpoint admits only the cluster itself, so `cdktf deploy` could not install the platform stack; " +
        "list the CIDRs of the VPN or CI network routed to this VPC, or set publicAccess: true with an allowlist",
    );
  }
  if (endpoint && !endpoint.publicAccess && endpoint.publicAccessCidrs.length > 0) {
    problem(["clusterEndpoint", "publicAccessCidrs"], "has no effect while publicAccess is false; remove it or set publicAccess: true");
  }

  const system = wellFormed(systemPoolSchema, doc.systemPool);
  if (system) checkSystemPool(system, regionName, problem);

  const rawPools = Array.isArray(doc.gpuPools) ? doc.gpuPools : [];
  const seenPools = new Map<string, number>();
  rawPools.forEach((rawPool, index) => {
    const pool = wellFormed(gpuPoolSchema, rawPool);
    if (!pool) return;
    if (RESERVED_POOL_NAMES.includes(pool.name)) {
      problem(["gpuPools", index, "name"], `"${pool.name}" names the platform's own node group; choose another pool name`);
    }
    const previous = seenPools.get(pool.name);
    if (previous !== undefined) {
      problem(["gpuPools", index, "name"], `duplicate pool name "${pool.name}" (also gpuPools[${previous}]); pool names must be unique per region`);
    } else {
      seenPools.set(pool.name, index);
    }
    checkGpuPool(pool, index, regionName, problem);
  });

  const buckets = wellFormed(bucketsSchema, doc.buckets);
  if (buckets) checkBuckets(buckets, problem);
  return problems;
}

/** The system node group is named `<fleet>-system`; a GPU pool of that name would collide with it. */
const RESERVED_POOL_NAMES = [SYSTEM_POOL_NAME];

type Report = (path: readonly PropertyKey[], message: string) => void;

function checkSystemPool(system: SystemPoolConfig, regionName: string | undefined, problem: Report): void {
  const systemType = findInstanceType(system.instanceType);
  if (!systemType) {
    problem(["systemPool", "instanceType"], `unknown instance type "${system.instanceType}"; the system pool takes one of: ${cpuTypeNames()}`);
  } else {
    if (systemType.gpu) {
      problem(["systemPool", "instanceType"], `${system.instanceType} has GPUs; the system pool runs controllers, use a CPU type such as m7i.xlarge`);
    }
    if (regionName !== undefined && !systemType.regions.includes(regionName)) {
      problem(["systemPool", "instanceType"], `${system.instanceType} is not offered in ${regionName} (${regionSourceNote()})`);
    }
  }
  if (system.minSize < 1) problem(["systemPool", "minSize"], "the system pool needs at least 1 node (2 for availability): it runs CoreDNS and the autoscaler");
  if (system.minSize > system.maxSize) problem(["systemPool", "minSize"], `minSize ${system.minSize} is above maxSize ${system.maxSize}`);
}

function checkGpuPool(pool: GpuPoolConfig, index: number, regionName: string | undefined, problem: Report): void {
  const at = (...rest: PropertyKey[]) => ["gpuPools", index, ...rest];
  if (pool.minSize > pool.maxSize) problem(at("minSize"), `minSize ${pool.minSize} is above maxSize ${pool.maxSize}`);
  if (pool.maxSize < 1) problem(at("maxSize"), "maxSize must be at least 1, or remove the pool");

  if (pool.capacityType === "capacity-block") {
    if (!pool.capacityReservationId) {
      problem(at("capacityReservationId"), "a capacity-block pool needs the Capacity Block's reservation id (cr-...)");
    }
    if (!pool.availabilityZones || pool.availabilityZones.length !== 1) {
      problem(at("availabilityZones"), "a Capacity Block lives in one AZ: list exactly that AZ, e.g. [us-east-1a]");
    }
  } else if (pool.capacityReservationId) {
    problem(at("capacityReservationId"), `only capacity-block pools take a reservation id; set capacityType: capacity-block or remove it`);
  }
  for (const [i, zone] of (pool.availabilityZones ?? []).entries()) {
    if (regionName !== undefined && !zone.startsWith(regionName)) problem(at("availabilityZones", i), `${zone} is not an AZ of ${regionName}`);
  }

  for (const [key, value] of Object.entries(pool.labels)) {
    if (RESERVED_LABEL_PREFIXES.some((prefix) => key.startsWith(prefix) || key.includes(`.${prefix}`))) {
      problem(at("labels", key), `label prefix is reserved for FastGPU, NVIDIA and Kubernetes; choose your own prefix such as team.example.com/`);
    } else if (!LABEL_KEY.test(key)) {
      problem(at("labels", key), "not a valid Kubernetes label key");
    }
    if (!LABEL_VALUE.test(value)) problem(at("labels", key), `"${value}" is not a valid label value (63 characters of [A-Za-z0-9_.-])`);
  }

  const type = findInstanceType(pool.instanceType);
  if (!type) {
    problem(at("instanceType"), `unknown instance type "${pool.instanceType}"; GPU types in the catalog: ${gpuTypeNames()}`);
    return;
  }
  if (!type.gpu) {
    problem(at("instanceType"), `${pool.instanceType} has no GPU; pick a GPU type such as g6.xlarge, g6e.xlarge or p5.48xlarge`);
    return;
  }
  if (regionName !== undefined && !pool.offeredInRegion && !type.regions.includes(regionName)) {
    problem(
      at("instanceType"),
      `${pool.instanceType} is not offered in ${regionName} per the catalog (${regionSourceNote()}); ` +
        `offered in: ${type.regions.join(", ") || "none listed"}. If AWS has added it, set offeredInRegion: true on this pool`,
    );
  }
  if (type.onDemandUsdPerHour === null && pool.capacityType === "on-demand") {
    problem(at("capacityType"), `${pool.instanceType} is sold only through Capacity Blocks and reservations, not On-Demand; use capacity-block`);
  }

  const mode = sharingMode(pool.sharing, { instanceType: pool.instanceType, gpu: gpuById(type.gpu), physicalGpusPerNode: type.gpuCount });
  for (const sharingProblem of mode.problems()) problem(at("sharing", ...sharingProblem.path), sharingProblem.message);
}

function checkBuckets(buckets: RegionFile["buckets"], problem: Report): void {
  for (const kind of BUCKET_KINDS) {
    const bucket = buckets[kind];
    if (!bucket.versioning && bucket.noncurrentVersionExpireAfterDays !== undefined) {
      problem(["buckets", kind, "noncurrentVersionExpireAfterDays"], "noncurrent versions exist only with versioning: true; remove it or enable versioning");
    }
    if (
      bucket.expireAfterDays !== undefined &&
      bucket.intelligentTieringAfterDays !== undefined &&
      bucket.intelligentTieringAfterDays >= bucket.expireAfterDays
    ) {
      problem(["buckets", kind, "intelligentTieringAfterDays"], "objects expire before they would be tiered; lower it below expireAfterDays");
    }
  }
  if (!buckets.checkpoints.versioning) {
    problem(["buckets", "checkpoints", "versioning"], "checkpoints must be versioned so an overwritten or deleted checkpoint can be recovered; set versioning: true");
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value parsed by `schema`, or undefined when malformed (the file-level parse already reported it). */
function wellFormed<S extends z.ZodType>(schema: S, value: unknown): z.output<S> | undefined {
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}

/** Cross-checks fleet.yaml: unique tenants, and `regions` naming existing region files. */
export function crossCheckFleet(file: string, raw: unknown, regionFiles: readonly string[], locate: Locate): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = (path: readonly PropertyKey[], message: string) =>
    problems.push({ file, path: formatPath(path), message: `${message}${locate(path)}` });
  const doc = isRecord(raw) ? raw : {};

  const tenants = wellFormed(fleetSchema.shape.tenants, doc.tenants) ?? [];
  const fleetName = wellFormed(fleetSchema.shape.name, doc.name);
  const regionNames = regionFiles.filter((region) => regionCode.safeParse(region).success);
  const tenantIndex = new Map<string, number>();
  const adminOf = new Map<string, string>();
  tenants.forEach((tenant, index) => {
    const previous = tenantIndex.get(tenant.name);
    if (previous !== undefined) problem(["tenants", index, "name"], `duplicate tenant "${tenant.name}" (also tenants[${previous}])`);
    else tenantIndex.set(tenant.name, index);
    if (RESERVED_NAMESPACES.includes(tenant.name) || tenant.name.startsWith("kube-")) {
      problem(["tenants", index, "name"], `"${tenant.name}" is a system namespace; tenants get a namespace of their name, so choose another`);
    }
    tenant.admins.forEach((arn, adminIndex) => {
      const other = adminOf.get(arn);
      if (other === tenant.name) {
        problem(["tenants", index, "admins", adminIndex], `${arn} is listed twice; remove the duplicate`);
      } else if (other !== undefined) {
        problem(["tenants", index, "admins", adminIndex], `${arn} already administers tenant "${other}"; EKS maps one principal to one access entry, so give each tenant its own role`);
      }
      adminOf.set(arn, tenant.name);
    });
    if (fleetName !== undefined) {
      const longest = [...regionNames].sort((a, b) => b.length - a.length)[0];
      const roleName = longest === undefined ? undefined : tenantRoleName(fleetName, longest, tenant.name);
      if (roleName !== undefined && roleName.length > IAM_ROLE_NAME_MAX) {
        problem(
          ["tenants", index, "name"],
          `the tenant's IAM role ${roleName} would be ${roleName.length} characters, above IAM's ${IAM_ROLE_NAME_MAX}; ` +
            `shorten the tenant name by ${roleName.length - IAM_ROLE_NAME_MAX} or the fleet name`,
        );
      }
    }
  });

  const priorityClasses = wellFormed(fleetSchema.shape.priorityClasses, doc.priorityClasses) ?? [];
  const priorityIndex = new Map<string, number>();
  priorityClasses.forEach((priorityClass, index) => {
    const previous = priorityIndex.get(priorityClass.name);
    if (previous !== undefined) {
      problem(["priorityClasses", index, "name"], `duplicate priority class "${priorityClass.name}" (also priorityClasses[${previous}]); names must be unique`);
    } else {
      priorityIndex.set(priorityClass.name, index);
    }
    if (priorityClass.name.startsWith("system-")) {
      problem(["priorityClasses", index, "name"], `"system-" names belong to Kubernetes' own priority classes; rename it`);
    }
  });

  const regions = wellFormed(fleetSchema.shape.regions, doc.regions);
  const seen = new Set<string>();
  (regions ?? []).forEach((region, index) => {
    if (seen.has(region)) problem(["regions", index], `${region} is listed twice`);
    seen.add(region);
    if (!regionFiles.includes(region)) {
      problem(["regions", index], `no regions/${region}.yaml; add the file or remove ${region} from regions`);
    }
  });
  if (regions && regions.length === 0) problem(["regions"], "lists no region; remove the key to deploy every region file, or list one");
  return problems;
}

/** Namespaces Kubernetes and the platform itself use; a tenant named like one would be given it. */
const RESERVED_NAMESPACES: readonly string[] = [...KUBERNETES_NAMESPACES, ...new Set(Object.values(NAMESPACES))];

/**
 * Region x fleet checks: quotas name fleet tenants and region pools, limits make sense, a pool's nominal
 * quotas fit what it can advertise at maxSize, and cluster admins are not also tenant admins.
 */
export function crossCheckTenancy(file: string, raw: unknown, tenants: readonly TenantConfig[] | undefined, locate: Locate): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = (path: readonly PropertyKey[], message: string) =>
    problems.push({ file, path: formatPath(path), message: `${message}${locate(path)}` });
  const doc = isRecord(raw) ? raw : {};
  const quotas = wellFormed(regionSchema.shape.quotas, doc.quotas);
  const rawPools = Array.isArray(doc.gpuPools) ? doc.gpuPools : [];
  // Quota checks run on pools that are themselves valid and uniquely named; the others are reported already.
  const regionName = wellFormed(regionCode, doc.region);
  const pools = new Map<string, GpuPoolConfig>();
  const seen = new Set<string>();
  let skippedPools = 0;
  rawPools.forEach((rawPool, index) => {
    const pool = wellFormed(gpuPoolSchema, rawPool);
    let valid = pool !== undefined;
    if (pool) checkGpuPool(pool, index, regionName, () => (valid = false));
    if (pool && seen.has(pool.name)) pools.delete(pool.name);
    else if (pool && valid) pools.set(pool.name, pool);
    if (pool) seen.add(pool.name);
    if (!valid) skippedPools++;
  });

  const clusterAdmins = wellFormed(regionSchema.shape.clusterAdmins, doc.clusterAdmins) ?? [];
  clusterAdmins.forEach((arn, index) => {
    if (clusterAdmins.indexOf(arn) !== index) problem(["clusterAdmins", index], `${arn} is listed twice; remove the duplicate`);
  });
  for (const tenant of tenants ?? []) {
    for (const arn of tenant.admins) {
      const index = clusterAdmins.indexOf(arn);
      if (index >= 0) problem(["clusterAdmins", index], `${arn} also administers tenant "${tenant.name}"; one principal gets one access entry, so use separate roles`);
    }
  }
  if (!quotas) return problems;

  const tenantNames = tenants?.map((tenant) => tenant.name);
  for (const [tenant, entries] of Object.entries(quotas)) {
    if (tenantNames && !tenantNames.includes(tenant)) {
      problem(["quotas", tenant], `no tenant "${tenant}" in fleet.yaml; add it to tenants or remove these quotas (tenants: ${tenantNames.join(", ") || "none"})`);
    }
    for (const [key, entry] of Object.entries(entries)) {
      if (isTenantLimitKey(key)) {
        if (typeof entry !== "number") problem(["quotas", tenant, key], `the tenant-wide ${key} is a number of GPUs, applied to every pool`);
        continue;
      }
      if (!seen.has(key) && skippedPools === 0) {
        problem(["quotas", tenant, key], `no GPU pool "${key}" in this region; pools: ${[...seen].join(", ") || "none"}`);
      }
    }
  }

  // Quotas of unknown tenants are reported above; they do not count against pools.
  const resolved = resolveTenantQuotas(quotas).filter((quota) => !tenantNames || tenantNames.includes(quota.tenant));
  for (const quota of resolved) {
    if (quota.lendingLimit !== undefined && quota.lendingLimit > quota.nominal) {
      problem(["quotas", quota.tenant, quota.pool], `lendingLimit ${quota.lendingLimit} is above the nominal quota ${quota.nominal}: a tenant can lend at most what it owns`);
    }
  }
  for (const pool of pools.values()) {
    const onPool = resolved.filter((quota) => quota.pool === pool.name);
    const total = onPool.reduce((sum, quota) => sum + quota.nominal, 0);
    const type = findInstanceType(pool.instanceType)!;
    const mode = sharingMode(pool.sharing, { instanceType: pool.instanceType, gpu: gpuById(type.gpu!), physicalGpusPerNode: type.gpuCount });
    const capacity = mode.quotaUnitsPerNode * pool.maxSize;
    if (total > capacity && !pool.allowQuotaOversubscription) {
      problem(
        ["quotas"],
        `nominal quotas on pool "${pool.name}" add up to ${total} ${mode.quotaUnit.plural} (${onPool.map((q) => `${q.tenant} ${q.nominal}`).join(", ")}) ` +
          `but it advertises ${capacity} at maxSize ${pool.maxSize}; lower them, raise maxSize, or set allowQuotaOversubscription: true on the pool`,
      );
    }
  }
  return problems;
}

function gpuTypeNames(): string {
  return INSTANCE_TYPES.filter((type) => type.gpu).map((type) => type.name).join(", ");
}

function cpuTypeNames(): string {
  return INSTANCE_TYPES.filter((type) => !type.gpu).map((type) => type.name).join(", ");
}

function regionSourceNote(): string {
  return `region list dated ${REGION_SOURCE.date}`;
}
