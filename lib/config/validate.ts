/**
 * Cross-checks that a schema cannot express: the config against the GPU and instance catalog, names against
 * each other and against AWS's and Kubernetes' own limits, and settings that only make sense together. Each
 * problem names the file, the path and the fix.
 *
 * Every check runs on what is itself well formed, field by field and element by element: a malformed value
 * (reported by the schema already) switches off only the checks that need that value, so one run reports
 * every independent problem, and no check reports a follow-on of a problem already reported.
 */
import * as path from "node:path";
import type { z } from "zod";
import { gpuById } from "../catalog/gpus";
import { findInstanceType, INSTANCE_TYPES, REGION_SOURCE, type InstanceType } from "../catalog/instances";
import { AZ_SOURCE, EKS_CONTROL_PLANE_EXCLUDED_ZONE_IDS, partitionOf, REGION_AZS, REGION_ZONE_IDS, ZONE_ID_SOURCE } from "../catalog/regions";
import { sharingMode, type SharingMode } from "../model/sharing";
import {
  bucketName,
  clusterAutoscalerRoleName,
  clusterName,
  IAM_ROLE_NAME_MAX,
  KUBERNETES_NAMESPACES,
  NAMESPACES,
  nodeGroupName,
  POOL_LABEL,
  SYSTEM_POOL_NAME,
  tenantRoleName,
} from "../naming";
import { EKS_DEFAULT_SERVICE_CIDR, PINNED_ZONE_LETTERS, pinnedZoneSlot, serviceCidrFor as pinnedServiceCidr, vpcZoneIds } from "../network-plan";
import { resourceTags } from "../tags";
import { isTenantLimitKey, resolveTenantQuotas } from "../tenancy/quotas";
import type { ConfigProblem } from "./errors";
import { formatPath } from "./errors";
import { closestKey, type Locate } from "./parse";
import {
  availabilityZone,
  availabilityZoneId,
  BUCKET_KINDS,
  bucketSchema,
  cidr,
  clusterEndpointSchema,
  DEFAULT_MAX_GPU_NODES_PER_REGION,
  fleetSchema,
  gpuPoolSchema,
  iamPrincipalArn,
  parseCidr,
  poolQuotaSchema,
  priorityClassSchema,
  regionCode,
  regionSchema,
  s3BucketNameProblems,
  systemPoolSchema,
  TENANT_LIMIT_KEYS,
  tenantSchema,
  type FleetFile,
  type GpuPoolConfig,
  type PoolQuotaConfig,
  type SharingConfig,
  type TenantConfig,
} from "./schema";

/** One parsed config file as the loader holds it: its YAML as plain data (whatever its shape) and its lines. */
export interface ParsedConfigFile {
  readonly file: string;
  readonly raw: unknown;
  readonly locate: Locate;
}

const RESERVED_LABEL_PREFIXES = ["fastgpu.io/", "nvidia.com/", "k8s.amazonaws.com/", "eks.amazonaws.com/", "kubernetes.io/", "k8s.io/"];
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(|[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;

// --- AWS's own limits ---------------------------------------------------------------------------------------

/**
 * EKS quota "Public endpoint access CIDR ranges per cluster": 40, not adjustable (Amazon EKS User Guide, "View
 * and manage Amazon EKS and Fargate service quotas", read 2026-12-01).
 */
const EKS_MAX_PUBLIC_ACCESS_CIDRS = 40;

/**
 * An access range with a shorter prefix (0.0.0.0/0 included) is broader than any office, VPN or CI network: in
 * publicAccessCidrs it needs `allowBroadPublicAccess: true`, in privateAccessCidrs it is refused.
 */
const BROAD_RANGE_PREFIX = 8;

/** EKS CreateCluster `name` and CreateNodegroup `nodegroupName` (EKS API Reference, read 2026-12-01). */
const EKS_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]*$/;
const EKS_CLUSTER_NAME_MAX = 100;
const EKS_NODE_GROUP_NAME_MAX = 63;

/**
 * AWS tag rules (AWS General Reference, "Tagging your AWS resources", tag naming limits and requirements, read
 * 2026-12-01): keys of 1 to 128 and values of 0 to 256 Unicode characters from this set, no `aws:` prefix, at
 * most 50 tags per resource.
 */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TAG_KEY_MAX = 128;
const TAG_VALUE_MAX = 256;
const AWS_TAGS_PER_RESOURCE = 50;
/** Tags FastGPU adds to a resource beyond the fleet's: `resourceTags`' own four, Name, and on subnets the two Kubernetes discovery tags. */
const FASTGPU_TAGS_PER_RESOURCE = 7;
const OWN_TAG_KEYS = Object.keys(resourceTags({ name: "fleet", tags: {} } as unknown as FleetFile, "region", "stack"));

/** Address blocks a public endpoint never sees as a source: private, shared (CGNAT), link-local and reserved. */
const NON_PUBLIC_RANGES: readonly { readonly cidr: string; readonly what: string }[] = [
  { cidr: "10.0.0.0/8", what: "a private range (RFC 1918)" },
  { cidr: "172.16.0.0/12", what: "a private range (RFC 1918)" },
  { cidr: "192.168.0.0/16", what: "a private range (RFC 1918)" },
  { cidr: "100.64.0.0/10", what: "carrier-grade NAT space (RFC 6598)" },
  { cidr: "169.254.0.0/16", what: "link-local space" },
  { cidr: "127.0.0.0/8", what: "loopback space" },
  { cidr: "0.0.0.0/8", what: "reserved space (RFC 1122)" },
  { cidr: "224.0.0.0/4", what: "multicast space" },
  { cidr: "240.0.0.0/4", what: "reserved space (RFC 1112)" },
];
/** Ranges meant for a VPC: RFC 1918 and the shared space AWS also accepts for VPCs. */
const VPC_PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"];

// --- Region files -------------------------------------------------------------------------------------------

/**
 * Cross-checks a region file part by part: every field and list element that passes its own schema is checked,
 * even when a neighbour is malformed, so one run reports every problem.
 */
export function crossCheckRegion(file: string, raw: unknown, locate: Locate): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = reporter(file, locate, problems);
  const doc = isRecord(raw) ? raw : {};
  const top = fieldsOf(regionSchema, doc)!;

  const regionName = top.ok.region;
  if (regionName !== undefined) {
    const expectedName = `${regionName}.yaml`;
    if (path.basename(file) !== expectedName) {
      problem(["region"], `region "${regionName}" does not match the file name; rename the file to ${expectedName} or fix the region`);
    }
  }

  const vpc = cidrOf(doc.vpcCidr);
  if (vpc) checkVpc(vpc, top.ok.allowPublicVpcCidr === true, top.bad.has("allowPublicVpcCidr"), problem);
  checkZoneIds(doc, regionName, problem);

  if (doc.clusterEndpoint === undefined) {
    // A file missing required parts is a stub or a broken file: its absent endpoint is not news.
    if (REQUIRED_REGION_KEYS.every((key) => doc[key] !== undefined)) {
      problem(
        ["clusterEndpoint"],
        "no clusterEndpoint: the default is a private-only API endpoint that admits only the cluster itself, so `cdktf deploy` " +
          "could not install the platform stack; add clusterEndpoint with privateAccessCidrs (your VPN or CI network), or publicAccess: true with an allowlist",
      );
    }
  } else {
    const endpoint = fieldsOf(clusterEndpointSchema, doc.clusterEndpoint);
    if (endpoint) checkEndpoint(endpoint, vpc, problem);
  }

  if (regionName !== undefined) {
    const partition = partitionOf(regionName);
    for (const { index, value: arn } of elementsOf(iamPrincipalArn, doc.clusterAdmins)) {
      const mismatch = partitionMismatch(arn, partition, regionName);
      if (mismatch) problem(["clusterAdmins", index], mismatch);
    }
  }

  const system = fieldsOf(systemPoolSchema, doc.systemPool);
  if (system) checkSystemPool(system, regionName, problem);

  const seenPools = new Map<string, number>();
  listOf(doc.gpuPools)?.forEach((rawPool, index) => {
    const pool = fieldsOf(gpuPoolSchema, rawPool);
    if (!pool) return;
    const name = pool.ok.name;
    if (name !== undefined) {
      if (RESERVED_POOL_NAMES.includes(name)) {
        problem(["gpuPools", index, "name"], `"${name}" names the platform's own node group; choose another pool name`);
      }
      const previous = seenPools.get(name);
      if (previous !== undefined) {
        problem(["gpuPools", index, "name"], `duplicate pool name "${name}" (also gpuPools[${previous}]); pool names must be unique per region`);
      } else {
        seenPools.set(name, index);
      }
    }
    checkGpuPool(pool, index, regionName, problem);
  });

  if (isRecord(doc.buckets)) checkBuckets(doc.buckets, problem);
  return problems;
}

/** The system node group is named `<fleet>-system`; a GPU pool of that name would collide with it. */
const RESERVED_POOL_NAMES = [SYSTEM_POOL_NAME];

/** Keys a region file must have; without one of them it is a stub, and defaults are not worth a complaint. */
const REQUIRED_REGION_KEYS = Object.entries(regionSchema.shape)
  .filter(([, schema]) => !(schema as z.ZodType).safeParse(undefined).success)
  .map(([key]) => key);

type Report = (path: readonly PropertyKey[], message: string) => void;

/** VPC sizes the subnet plan supports: AWS's largest VPC (/16) down to a /20 (three /22 node subnets). */
const VPC_MIN_PREFIX = 16;
const VPC_MAX_PREFIX = 20;

function vpcFits(vpc: Cidr): boolean {
  return vpc.prefix >= VPC_MIN_PREFIX && vpc.prefix <= VPC_MAX_PREFIX;
}

function checkVpc(vpc: Cidr, acknowledgedPublic: boolean, acknowledgementMalformed: boolean, problem: Report): void {
  if (!vpcFits(vpc)) {
    problem(["vpcCidr"], `a /${vpc.prefix} VPC does not fit: use a prefix from /${VPC_MIN_PREFIX} to /${VPC_MAX_PREFIX} (GPU pods take many IPs; /16 is best)`);
  } else if (hostBitsSet(vpc)) {
    problem(["vpcCidr"], `${vpc.text} has host bits set; use the network address ${networkText(vpc)}`);
  }
  if (!VPC_PRIVATE_RANGES.some((range) => contains(cidrOf(range)!, vpc)) && !acknowledgedPublic && !acknowledgementMalformed) {
    problem(
      ["vpcCidr"],
      `${vpc.text} is not in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10): the internet addresses it ` +
        `covers would be unreachable from the VPC; use a private range, or set allowPublicVpcCidr: true if this is your own address space`,
    );
  }
  // The pinned service CIDR is chosen apart from the VPC (lib/network-plan.ts serviceCidrFor); this keeps the two honest.
  const service = serviceCidrFor(vpc);
  if (overlaps(vpc, service)) {
    problem(["vpcCidr"], `${vpc.text} overlaps the cluster's Kubernetes service CIDR ${service.text}; use a VPC range outside it`);
  }
}

/**
 * The VPC's AZ IDs (lib/network-plan.ts `vpcZoneIds`): listed ones must be the region's and ones EKS places control
 * planes in; without a list the catalog must know three usable IDs for the region.
 */
function checkZoneIds(doc: Record<string, unknown>, regionName: string | undefined, problem: Report): void {
  const known = regionName === undefined ? undefined : REGION_ZONE_IDS[regionName];
  const excluded = EKS_CONTROL_PLANE_EXCLUDED_ZONE_IDS.join(", ");
  if (doc.availabilityZoneIds === undefined) {
    if (regionName === undefined || vpcZoneIds(regionName) !== undefined) return;
    if (!REQUIRED_REGION_KEYS.every((key) => doc[key] !== undefined)) return;
    problem(
      ["availabilityZoneIds"],
      known
        ? `${regionName} has ${known.filter((id) => !EKS_CONTROL_PLANE_EXCLUDED_ZONE_IDS.includes(id)).join(" and ")} as the only AZ IDs EKS places ` +
            `control planes in (catalog dated ${ZONE_ID_SOURCE.date}; EKS refuses ${excluded}), and FastGPU's VPC spans three: deploy this region's cluster elsewhere`
        : `FastGPU places subnets by AZ ID and the catalog (dated ${ZONE_ID_SOURCE.date}) has none for ${regionName}: set availabilityZoneIds to three of ` +
            `\`aws ec2 describe-availability-zones --region ${regionName} --query "AvailabilityZones[].ZoneId"\`, none of ${excluded}`,
    );
    return;
  }
  const seen = new Map<string, number>();
  for (const { index, value: id } of elementsOf(availabilityZoneId, doc.availabilityZoneIds)) {
    if (EKS_CONTROL_PLANE_EXCLUDED_ZONE_IDS.includes(id)) {
      problem(["availabilityZoneIds", index], `EKS places no control plane in ${id} (it refuses ${excluded}); choose another of the region's AZ IDs`);
    } else if (known && !known.includes(id)) {
      problem(["availabilityZoneIds", index], `${id} is not an AZ ID of ${regionName}; its IDs are ${known.join(", ")} (catalog dated ${ZONE_ID_SOURCE.date})`);
    }
    const previous = seen.get(id);
    if (previous !== undefined) problem(["availabilityZoneIds", index], `${id} is listed twice (also availabilityZoneIds[${previous}]); list three different AZ IDs`);
    else seen.set(id, index);
  }
}

function checkEndpoint(endpoint: Fields<z.output<typeof clusterEndpointSchema>>, vpc: Cidr | undefined, problem: Report): void {
  const at = (...rest: PropertyKey[]) => ["clusterEndpoint", ...rest];
  const publicAccess = endpoint.ok.publicAccess;
  const publicList = listOf(endpoint.raw.publicAccessCidrs);
  const privateList = listOf(endpoint.raw.privateAccessCidrs);

  const publicCidrs = cidrsOf(endpoint.raw.publicAccessCidrs);
  checkCidrList(publicCidrs, at("publicAccessCidrs"), problem);
  const broadAllowed = endpoint.ok.allowBroadPublicAccess === true || endpoint.bad.has("allowBroadPublicAccess");
  for (const { index, cidr: range } of publicCidrs) {
    if (range.prefix < BROAD_RANGE_PREFIX && !broadAllowed) {
      problem(
        at("publicAccessCidrs", index),
        `${range.text} opens the API endpoint to ${range.prefix === 0 ? "the whole internet" : `a /${range.prefix}, a large part of the internet`}, ` +
          `which defeats the allowlist; list your office/VPN egress ranges, or set clusterEndpoint.allowBroadPublicAccess: true to accept it`,
      );
    }
    const nonPublic = NON_PUBLIC_RANGES.find((block) => contains(cidrOf(block.cidr)!, range));
    if (nonPublic) {
      problem(
        at("publicAccessCidrs", index),
        `${range.text} is ${nonPublic.what}: the public endpoint sees only public source addresses, so this entry admits no one; ` +
          `list your public egress ranges here, and networks routed to the VPC under privateAccessCidrs`,
      );
    }
  }
  if (publicList && publicList.length > EKS_MAX_PUBLIC_ACCESS_CIDRS) {
    problem(
      at("publicAccessCidrs"),
      `lists ${publicList.length} ranges; EKS allows at most ${EKS_MAX_PUBLIC_ACCESS_CIDRS} per cluster (service quota "Public endpoint access CIDR ranges per cluster", ` +
        `not adjustable, read 2026-12-01); merge adjacent ranges`,
    );
  }

  const privateCidrs = cidrsOf(endpoint.raw.privateAccessCidrs);
  checkCidrList(privateCidrs, at("privateAccessCidrs"), problem);
  const service = vpc ? serviceCidrFor(vpc) : undefined;
  for (const { index, cidr: range } of privateCidrs) {
    if (range.prefix < BROAD_RANGE_PREFIX) {
      problem(
        at("privateAccessCidrs", index),
        `${range.text} is broader than any VPN or CI network routed to a VPC and would admit nearly any source to the API endpoint; list that network's own range`,
      );
    } else if (vpc && overlaps(range, vpc)) {
      problem(
        at("privateAccessCidrs", index),
        `${range.text} overlaps this region's VPC ${vpc.text}; privateAccessCidrs lists networks outside the VPC that are routed to it (VPN, peered CI), ` +
          `and nodes inside the VPC reach the endpoint anyway`,
      );
    } else if (service && overlaps(range, service)) {
      problem(
        at("privateAccessCidrs", index),
        `${range.text} overlaps ${service.text}, the Kubernetes service CIDR EKS gives a cluster in ${vpc!.text}: nodes and pods could not reach ` +
          `that network's hosts whose addresses are also service IPs; route another range, or move the VPC so EKS picks the other service CIDR ` +
          `(${EKS_DEFAULT_SERVICE_CIDR.vpcInTenSlashEight} for a VPC in 10.0.0.0/8, ${EKS_DEFAULT_SERVICE_CIDR.otherVpc} otherwise)`,
      );
    }
  }

  const gateway = endpoint.raw.privateAccessGatewayId;
  if (privateList && privateList.length > 0 && gateway === undefined) {
    problem(
      at("privateAccessGatewayId"),
      "privateAccessCidrs need a route from the VPC back to them: set privateAccessGatewayId to the transit gateway (tgw-...) or virtual private " +
        "gateway (vgw-...) that connects them, and FastGPU routes them through it from every private route table",
    );
  }
  if (gateway !== undefined && privateList && privateList.length === 0 && publicAccess !== false) {
    problem(at("privateAccessGatewayId"), "has no effect without privateAccessCidrs; list the networks it connects or remove it");
  }
  if (publicAccess === true && publicList && publicList.length === 0) {
    problem(at("publicAccessCidrs"), "a public endpoint needs an allowlist; list your office/VPN CIDRs or set publicAccess: false");
  }
  if (publicAccess === false && privateList && privateList.length === 0) {
    problem(
      at("privateAccessCidrs"),
      "a private-only API endpoint admits only the cluster itself, so `cdktf deploy` could not install the platform stack; " +
        "list the CIDRs of the VPN or CI network routed to this VPC, or set publicAccess: true with an allowlist",
    );
  }
  if (publicAccess === false && publicList && publicList.length > 0) {
    problem(at("publicAccessCidrs"), "has no effect while publicAccess is false; remove it or set publicAccess: true");
  }
}

/** Host bits and duplicates, for any list of CIDRs. */
function checkCidrList(cidrs: readonly { index: number; cidr: Cidr }[], at: readonly PropertyKey[], problem: Report): void {
  const seen = new Map<string, number>();
  for (const { index, cidr: range } of cidrs) {
    if (hostBitsSet(range)) problem([...at, index], `${range.text} has host bits set; use the network address ${networkText(range)}`);
    const key = networkText(range);
    const previous = seen.get(key);
    if (previous !== undefined) problem([...at, index], `${range.text} is listed twice (also [${previous}]); remove the duplicate`);
    else seen.set(key, index);
  }
}

function checkSystemPool(system: Fields<z.output<typeof systemPoolSchema>>, regionName: string | undefined, problem: Report): void {
  const { instanceType, minSize, maxSize } = system.ok;
  if (instanceType !== undefined) {
    const systemType = findInstanceType(instanceType);
    if (!systemType) {
      problem(["systemPool", "instanceType"], `unknown instance type "${instanceType}"; the system pool takes one of: ${cpuTypeNames()}`);
    } else {
      if (systemType.gpu) {
        problem(["systemPool", "instanceType"], `${instanceType} has GPUs; the system pool runs controllers, use a CPU type such as m7i.xlarge`);
      }
      if (regionName !== undefined && system.ok.offeredInRegion !== true && !system.bad.has("offeredInRegion")) {
        const offering = offeringProblem(systemType, regionName, "the system pool");
        if (offering) problem(["systemPool", "instanceType"], offering);
      }
    }
  }
  if (minSize !== undefined && minSize < 1) {
    problem(["systemPool", "minSize"], "the system pool needs at least 1 node (2 for availability): it runs CoreDNS and the autoscaler");
  }
  if (minSize !== undefined && maxSize !== undefined && minSize > maxSize) problem(["systemPool", "minSize"], `minSize ${minSize} is above maxSize ${maxSize}`);
}

function checkGpuPool(pool: Fields<GpuPoolConfig>, index: number, regionName: string | undefined, problem: Report): void {
  const at = (...rest: PropertyKey[]) => ["gpuPools", index, ...rest];
  const { minSize, maxSize, capacityType } = pool.ok;
  if (minSize !== undefined && maxSize !== undefined && minSize > maxSize) problem(at("minSize"), `minSize ${minSize} is above maxSize ${maxSize}`);
  if (maxSize !== undefined && maxSize < 1) problem(at("maxSize"), "maxSize must be at least 1, or remove the pool");

  const zoneList = listOf(pool.raw.availabilityZones);
  if (capacityType === "capacity-block") {
    if (pool.raw.capacityReservationId === undefined) {
      problem(at("capacityReservationId"), "a capacity-block pool needs the Capacity Block's reservation id (cr-...)");
    }
    if (zoneList && zoneList.length !== 1) {
      problem(at("availabilityZones"), "a Capacity Block lives in one AZ: list exactly that AZ, e.g. [us-east-1a]");
    }
  } else if (capacityType !== undefined && pool.raw.capacityReservationId !== undefined) {
    problem(at("capacityReservationId"), `only capacity-block pools take a reservation id; set capacityType: capacity-block or remove it`);
  }
  const seenZones = new Map<string, number>();
  const regionZones = regionName === undefined ? undefined : REGION_AZS[regionName];
  for (const { index: i, value: zone } of elementsOf(availabilityZone, pool.raw.availabilityZones)) {
    if (regionName !== undefined && !isZoneOf(zone, regionName)) {
      problem(at("availabilityZones", i), `${zone} is not an AZ of ${regionName}`);
    } else if (regionZones && !regionZones.includes(zone)) {
      problem(
        at("availabilityZones", i),
        `${regionName} has no AZ ${zone}; its AZs are ${regionZones.join(", ")} (AZ list dated ${AZ_SOURCE.date})`,
      );
    } else if (regionZones && regionName !== undefined && pinnedZoneSlot(zone, regionName) === undefined) {
      problem(
        at("availabilityZones", i),
        `FastGPU gives each pinned AZ its own subnet in one of ${PINNED_ZONE_LETTERS.length} fixed slots, for the letters ` +
          `${PINNED_ZONE_LETTERS[0]} to ${PINNED_ZONE_LETTERS[PINNED_ZONE_LETTERS.length - 1]}; ${zone} has none: pin another AZ, or leave availabilityZones out ` +
          "so the pool uses the VPC's zones that offer its type",
      );
    }
    const previous = seenZones.get(zone);
    if (previous !== undefined) problem(at("availabilityZones", i), `${zone} is listed twice (also availabilityZones[${previous}]); remove the duplicate`);
    else seenZones.set(zone, i);
  }

  if (isRecord(pool.raw.labels)) {
    for (const [key, value] of Object.entries(pool.raw.labels)) {
      if (RESERVED_LABEL_PREFIXES.some((prefix) => key.startsWith(prefix) || key.includes(`.${prefix}`))) {
        problem(at("labels", key), `label prefix is reserved for FastGPU, NVIDIA and Kubernetes; choose your own prefix such as team.example.com/`);
      } else if (!LABEL_KEY.test(key)) {
        problem(at("labels", key), "not a valid Kubernetes label key");
      }
      if (typeof value === "string" && !LABEL_VALUE.test(value)) {
        problem(at("labels", key), `"${value}" is not a valid label value (63 characters of [A-Za-z0-9_.-])`);
      }
    }
  }

  const instanceType = pool.ok.instanceType;
  if (instanceType === undefined) return;
  const type = findInstanceType(instanceType);
  if (!type) {
    problem(at("instanceType"), `unknown instance type "${instanceType}"; GPU types in the catalog: ${gpuTypeNames()}`);
    return;
  }
  if (!type.gpu) {
    problem(at("instanceType"), `${instanceType} has no GPU; pick a GPU type such as g6.xlarge, g6e.xlarge or p5.48xlarge`);
    return;
  }
  if (regionName !== undefined && pool.ok.offeredInRegion !== true && !pool.bad.has("offeredInRegion")) {
    const offering = offeringProblem(type, regionName, "this pool");
    if (offering) problem(at("instanceType"), offering);
  }
  if (type.onDemandUsdPerHour === null && capacityType === "on-demand") {
    problem(at("capacityType"), `${instanceType} is sold only through Capacity Blocks and reservations, not On-Demand; use capacity-block`);
  }

  const sharing = sharingToCheck(pool.raw.sharing);
  if (sharing) {
    const mode = poolSharingMode(sharing, type, type.gpu);
    for (const sharingProblem of mode.problems()) problem(at("sharing", ...sharingProblem.path), sharingProblem.message);
  }
}

/** The sharing mode a pool of this GPU instance type would get: its own checks, and what it advertises. */
function poolSharingMode(sharing: SharingConfig, type: InstanceType, gpuId: string): SharingMode {
  return sharingMode(sharing, { instanceType: type.name, gpu: gpuById(gpuId), physicalGpusPerNode: type.gpuCount });
}

/** `us-east-1a` is a zone of `us-east-1`; `us-east-11a` is not. */
function isZoneOf(zone: string, region: string): boolean {
  return zone.startsWith(region) && /^[a-z]$/.test(zone.slice(region.length));
}

/**
 * The sharing config to check: the whole one when well formed, else for MIG the layout's well-formed profiles
 * (a layout that does not fit never fits with more profiles, so a problem of the part is one of the whole).
 */
function sharingToCheck(raw: unknown): SharingConfig | undefined {
  const sharing = gpuPoolSchema.shape.sharing;
  const whole = wellFormed(sharing, raw);
  if (whole || !isRecord(raw) || !isRecord(raw.layout)) return whole;
  const layout = Object.fromEntries(
    Object.entries(raw.layout).filter(([, count]) => typeof count === "number" && Number.isInteger(count) && count >= 1),
  );
  return Object.keys(layout).length > 0 ? wellFormed(sharing, { mode: raw.mode, layout }) : undefined;
}

/** Why `type` may not be available in `region`, naming the override; undefined when the catalog lists it there. */
function offeringProblem(type: InstanceType, region: string, pool: string): string | undefined {
  if (!(REGION_SOURCE.regionsCovered as readonly string[]).includes(region)) {
    return (
      `${region} is not in the catalog's region list (dated ${REGION_SOURCE.date}, ${REGION_SOURCE.regionsCovered.length} regions), ` +
      `so the catalog cannot tell whether it offers ${type.name}; check the region code, and if ${region} is a real AWS region that offers ` +
      `${type.name}, set offeredInRegion: true on ${pool}`
    );
  }
  if (type.regions.includes(region)) return undefined;
  return (
    `${type.name} is not offered in ${region} per the catalog (${regionSourceNote()}); ` +
    `offered in: ${type.regions.join(", ") || "none listed"}. If AWS has added it, set offeredInRegion: true on ${pool}`
  );
}

function checkBuckets(buckets: Record<string, unknown>, problem: Report): void {
  for (const kind of BUCKET_KINDS) {
    const bucket = fieldsOf(bucketSchema, buckets[kind]);
    if (!bucket) continue;
    const { versioning, expireAfterDays, intelligentTieringAfterDays } = bucket.ok;
    if (versioning === false && bucket.raw.noncurrentVersionExpireAfterDays !== undefined) {
      problem(["buckets", kind, "noncurrentVersionExpireAfterDays"], "noncurrent versions exist only with versioning: true; remove it or enable versioning");
    }
    if (expireAfterDays !== undefined && intelligentTieringAfterDays !== undefined && intelligentTieringAfterDays >= expireAfterDays) {
      problem(["buckets", kind, "intelligentTieringAfterDays"], "objects expire before they would be tiered; lower it below expireAfterDays");
    }
    if (kind === "checkpoints" && versioning === false) {
      problem(["buckets", "checkpoints", "versioning"], "checkpoints must be versioned so an overwritten or deleted checkpoint can be recovered; set versioning: true");
    }
  }
}

/**
 * Checks across region files: VPC ranges must stay apart, since peering and transit gateways route between
 * them. Each overlap is reported once, on the later file.
 */
export function crossCheckRegions(regions: readonly ParsedConfigFile[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen: { label: string; file: string; vpc: Cidr }[] = [];
  for (const { file, raw, locate } of regions) {
    const doc = isRecord(raw) ? raw : {};
    const vpc = cidrOf(doc.vpcCidr);
    // A VPC of a size that does not fit is reported already; where its replacement lands is not known yet.
    if (!vpc || !vpcFits(vpc)) continue;
    const problem = reporter(file, locate, problems);
    for (const other of seen) {
      if (!overlaps(vpc, other.vpc)) continue;
      problem(
        ["vpcCidr"],
        `${vpc.text} overlaps ${other.label}'s vpcCidr ${other.vpc.text} (${path.basename(other.file)}); peering and transit gateways need ` +
          `the regions' VPCs apart: give each region its own range`,
      );
    }
    seen.push({ label: wellFormed(regionCode, doc.region) ?? path.basename(file, ".yaml"), file, vpc });
  }
  return problems;
}

// --- fleet.yaml ---------------------------------------------------------------------------------------------

/**
 * Cross-checks fleet.yaml: unique tenants and their derived names, the names derived from the fleet name in every
 * region, tags, and `regions` naming existing region files; element by element.
 */
export function crossCheckFleet(file: string, raw: unknown, regionFiles: readonly string[], locate: Locate): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = reporter(file, locate, problems);
  const doc = isRecord(raw) ? raw : {};

  const fleetName = wellFormed(fleetSchema.shape.name, doc.name);
  const regionNames = regionFiles.filter((region) => regionCode.safeParse(region).success);
  const selected = elementsOf(regionCode, doc.regions).map(({ value }) => value);
  const deployed = Array.isArray(doc.regions) ? regionNames.filter((region) => selected.includes(region)) : regionNames;
  const partitions = new Map<string, string>();
  for (const region of deployed) if (!partitions.has(partitionOf(region))) partitions.set(partitionOf(region), region);

  if (fleetName !== undefined) checkFleetNames(fleetName, regionNames, problem);

  const tenantIndex = new Map<string, number>();
  const adminOf = new Map<string, string>();
  listOf(doc.tenants)?.forEach((rawTenant, index) => {
    const tenant = fieldsOf(tenantSchema, rawTenant);
    if (!tenant) return;
    const name = tenant.ok.name;
    if (name !== undefined) {
      const previous = tenantIndex.get(name);
      if (previous !== undefined) problem(["tenants", index, "name"], `duplicate tenant "${name}" (also tenants[${previous}])`);
      else tenantIndex.set(name, index);
      if (RESERVED_NAMESPACES.includes(name) || name.startsWith("kube-")) {
        problem(["tenants", index, "name"], `"${name}" is a system namespace; tenants get a namespace of their name, so choose another`);
      }
      if (fleetName !== undefined) {
        const longest = [...regionNames].sort((a, b) => b.length - a.length)[0];
        const roleName = longest === undefined ? undefined : tenantRoleName(fleetName, longest, name);
        if (roleName !== undefined && roleName.length > IAM_ROLE_NAME_MAX) {
          problem(
            ["tenants", index, "name"],
            `the tenant's IAM role ${roleName} would be ${roleName.length} characters, above IAM's ${IAM_ROLE_NAME_MAX}; ` +
              `shorten the tenant name by ${roleName.length - IAM_ROLE_NAME_MAX} or the fleet name`,
          );
        }
      }
    }
    const owner = name ?? (typeof tenant.raw.name === "string" ? tenant.raw.name : `tenants[${index}]`);
    for (const { index: adminIndex, value: arn } of elementsOf(iamPrincipalArn, tenant.raw.admins)) {
      const at = ["tenants", index, "admins", adminIndex];
      const other = adminOf.get(arn);
      if (other === owner) {
        problem(at, `${arn} is listed twice; remove the duplicate`);
      } else if (other !== undefined) {
        problem(at, `${arn} already administers tenant "${other}"; EKS maps one principal to one access entry, so give each tenant its own role`);
      }
      adminOf.set(arn, owner);
      for (const [partition, region] of partitions) {
        const mismatch = partitionMismatch(arn, partition, region);
        if (mismatch) problem(at, mismatch);
      }
    }
  });

  if (isRecord(doc.tags)) checkTags(doc.tags, problem);

  const priorityIndex = new Map<string, number>();
  listOf(doc.priorityClasses)?.forEach((rawClass, index) => {
    const name = fieldsOf(priorityClassSchema, rawClass)?.ok.name;
    if (name === undefined) return;
    const previous = priorityIndex.get(name);
    if (previous !== undefined) {
      problem(["priorityClasses", index, "name"], `duplicate priority class "${name}" (also priorityClasses[${previous}]); names must be unique`);
    } else {
      priorityIndex.set(name, index);
    }
    if (name.startsWith("system-")) {
      problem(["priorityClasses", index, "name"], `"system-" names belong to Kubernetes' own priority classes; rename it`);
    }
  });

  const seen = new Set<string>();
  for (const { index, value: region } of elementsOf(regionCode, doc.regions)) {
    if (seen.has(region)) problem(["regions", index], `${region} is listed twice`);
    seen.add(region);
    if (!regionFiles.includes(region)) {
      problem(["regions", index], `no regions/${region}.yaml; add the file or remove ${region} from regions`);
    }
  }
  if (Array.isArray(doc.regions) && doc.regions.length === 0) problem(["regions"], "lists no region; remove the key to deploy every region file, or list one");
  return problems;
}

/** A 12-digit stand-in for the account id in derived bucket names: only its length matters to S3's rules. */
const ACCOUNT_ID_PLACEHOLDER = "123456789012";

/**
 * Names the fleet name is part of, in every region, checked where they are used: S3 bucket names, the EKS
 * cluster name, the cluster-autoscaler IAM role (the longest fixed role name; the cluster's `-cluster` and
 * `-node` roles are shorter) and the system node group. Each broken rule is reported once.
 */
function checkFleetNames(fleetName: string, regions: readonly string[], problem: Report): void {
  const reported = new Set<string>();
  const report = (key: string, message: string) => {
    if (reported.has(key)) return;
    reported.add(key);
    problem(["name"], message);
  };
  for (const region of regions) {
    for (const kind of BUCKET_KINDS) {
      for (const rule of s3BucketNameProblems(bucketName(fleetName, kind, region, ACCOUNT_ID_PLACEHOLDER))) {
        report(`s3:${rule.replace(/\d+/g, "#")}`, `the ${kind} bucket name ${bucketName(fleetName, kind, region, "<account id>")} ${rule}; choose another (or a shorter) fleet name`);
      }
    }
    const cluster = clusterName(fleetName, region);
    if (cluster.length > EKS_CLUSTER_NAME_MAX || !EKS_NAME.test(cluster)) {
      report("cluster", `the EKS cluster name ${cluster} must have at most ${EKS_CLUSTER_NAME_MAX} letters, digits, '-' and '_'; shorten the fleet name`);
    }
    const role = clusterAutoscalerRoleName(cluster);
    if (role.length > IAM_ROLE_NAME_MAX) {
      report("role", `the cluster-autoscaler IAM role ${role} would be ${role.length} characters, above IAM's ${IAM_ROLE_NAME_MAX}; shorten the fleet name by ${role.length - IAM_ROLE_NAME_MAX}`);
    }
  }
  const systemGroup = nodeGroupName(fleetName, SYSTEM_POOL_NAME);
  if (systemGroup.length > EKS_NODE_GROUP_NAME_MAX || !EKS_NAME.test(systemGroup)) {
    report("nodegroup", `the system node group name ${systemGroup} must have at most ${EKS_NODE_GROUP_NAME_MAX} letters, digits, '-' and '_'; shorten the fleet name`);
  }
}

/** Fleet tags become every resource's provider default tags: one AWS refuses fails every resource at apply. */
function checkTags(tags: Record<string, unknown>, problem: Report): void {
  const maxTags = AWS_TAGS_PER_RESOURCE - FASTGPU_TAGS_PER_RESOURCE;
  const keys = Object.keys(tags);
  if (keys.length > maxTags) {
    problem(
      ["tags"],
      `lists ${keys.length} tags; AWS allows ${AWS_TAGS_PER_RESOURCE} per resource and FastGPU sets up to ${FASTGPU_TAGS_PER_RESOURCE} of its own, so at most ${maxTags}`,
    );
  }
  for (const [key, value] of Object.entries(tags)) {
    const at = ["tags", key];
    const length = [...key].length;
    if (key.toLowerCase().startsWith("aws:")) problem(at, `the "aws:" prefix is reserved for AWS's own tags; rename the key`);
    if (length === 0) problem(at, "a tag key needs at least one character");
    if (length > TAG_KEY_MAX) problem(at, `a tag key has at most ${TAG_KEY_MAX} characters; this one has ${length}`);
    const badKey = disallowedTagCharacters(key);
    if (badKey) problem(at, `a tag key may hold only letters, digits, spaces and _ . : / = + - @ (AWS tag rules); remove ${badKey}`);
    if (key === "Name") {
      problem(at, "a fleet-wide Name tag would replace the names FastGPU gives each resource (VPC, subnets, nodes); remove it");
    } else if (OWN_TAG_KEYS.includes(key) || key === POOL_LABEL) {
      problem(at, "FastGPU sets this tag on every resource itself; remove it or choose another key");
    }
    if (typeof value !== "string") continue;
    const valueLength = [...value].length;
    if (valueLength > TAG_VALUE_MAX) problem(at, `a tag value has at most ${TAG_VALUE_MAX} characters; this one has ${valueLength}`);
    const badValue = disallowedTagCharacters(value);
    if (badValue) problem(at, `a tag value may hold only letters, digits, spaces and _ . : / = + - @ (AWS tag rules); remove ${badValue}`);
  }
}

function disallowedTagCharacters(text: string): string | undefined {
  if (TAG_CHARACTERS.test(text)) return undefined;
  const bad = [...new Set([...text].filter((character) => !TAG_CHARACTERS.test(character)))];
  return bad.map((character) => JSON.stringify(character)).join(", ");
}

/** Namespaces Kubernetes and the platform itself use; a tenant named like one would be given it. */
const RESERVED_NAMESPACES: readonly string[] = [...KUBERNETES_NAMESPACES, ...new Set(Object.values(NAMESPACES))];

// --- Region x fleet -----------------------------------------------------------------------------------------

/** What the region checks read from fleet.yaml itself, as far as it states it well formed. */
interface FleetFacts {
  /** The fleet's limit on GPU nodes per region; undefined when fleet.yaml or its `limits` cannot be read. */
  readonly maxGpuNodesPerRegion: number | undefined;
  readonly fleetName: string | undefined;
}

function fleetFactsOf(raw: unknown): FleetFacts {
  if (!isRecord(raw)) return { maxGpuNodesPerRegion: undefined, fleetName: undefined };
  return {
    maxGpuNodesPerRegion: wellFormed(fleetSchema.shape.limits, raw.limits)?.maxGpuNodesPerRegion,
    fleetName: wellFormed(fleetSchema.shape.name, raw.name),
  };
}

/**
 * Region x fleet checks: quotas name fleet tenants and region pools, limits make sense, a pool's nominal
 * quotas fit what it can advertise at maxSize, the region's GPU pools stay within the fleet's node limit, node
 * group names fit EKS, and cluster admins are not also tenant admins.
 *
 * `tenants` are fleet.yaml's tenants, or undefined when they are not known (then no quota's tenant is called
 * unknown). `fleet` is fleet.yaml as parsed (`raw` undefined when it could not be read), for `limits` and the
 * fleet name; without it the default limits stand in.
 */
export function crossCheckTenancy(
  file: string,
  raw: unknown,
  tenants: readonly TenantConfig[] | undefined,
  locate: Locate,
  fleet?: { readonly raw: unknown },
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = reporter(file, locate, problems);
  const doc = isRecord(raw) ? raw : {};
  const facts: FleetFacts = fleet ? fleetFactsOf(fleet.raw) : { maxGpuNodesPerRegion: DEFAULT_MAX_GPU_NODES_PER_REGION, fleetName: undefined };
  const tenantNames = tenants?.map((tenant) => tenant.name);
  const tenantAdmins = (tenants ?? []).flatMap((tenant) => tenant.admins.map((arn) => ({ tenant: tenant.name, arn })));

  // The pools' names, for the quotas; unknown while a pool's name is malformed: a quota naming another pool
  // may name the one the malformed name was meant to be.
  const rawPools = listOf(doc.gpuPools);
  let poolNames: string[] | undefined = rawPools ? [] : undefined;
  const capacityPools: CapacityPool[] = [];
  const nameCounts = new Map<string, number>();
  const sizes: { name: string; maxSize: number }[] = [];
  (rawPools ?? []).forEach((rawPool, index) => {
    const pool = fieldsOf(gpuPoolSchema, rawPool);
    const name = pool?.ok.name;
    if (name === undefined) poolNames = undefined;
    else {
      poolNames?.push(name);
      nameCounts.set(name, (nameCounts.get(name) ?? 0) + 1);
    }
    if (!pool) return;
    if (pool.ok.maxSize !== undefined) sizes.push({ name: name ?? `gpuPools[${index}]`, maxSize: pool.ok.maxSize });
    const capacity = capacityOf(pool);
    if (capacity) capacityPools.push(capacity);
    if (facts.fleetName !== undefined && pool.ok.name !== undefined) {
      const group = nodeGroupName(facts.fleetName, pool.ok.name);
      if (group.length > EKS_NODE_GROUP_NAME_MAX || !EKS_NAME.test(group)) {
        problem(["gpuPools", index, "name"], `the node group name ${group} must have at most ${EKS_NODE_GROUP_NAME_MAX} letters, digits, '-' and '_'; shorten the pool name`);
      }
    }
  });

  const limit = facts.maxGpuNodesPerRegion;
  const totalNodes = sizes.reduce((sum, pool) => sum + pool.maxSize, 0);
  if (limit !== undefined && totalNodes > limit) {
    problem(
      ["gpuPools"],
      `the GPU pools can scale to ${totalNodes} nodes together (${sizes.map((pool) => `${pool.name} ${pool.maxSize}`).join(", ")}), above the fleet's ` +
        `limit of ${limit} GPU nodes per region; lower a maxSize, or raise limits.maxGpuNodesPerRegion in fleet.yaml if that many is intended`,
    );
  }

  const clusterAdmins = elementsOf(iamPrincipalArn, doc.clusterAdmins);
  const firstIndex = new Map<string, number>();
  for (const { index, value: arn } of clusterAdmins) {
    if (firstIndex.has(arn)) problem(["clusterAdmins", index], `${arn} is listed twice; remove the duplicate`);
    else firstIndex.set(arn, index);
  }
  for (const { tenant, arn } of tenantAdmins) {
    const index = firstIndex.get(arn);
    if (index !== undefined) problem(["clusterAdmins", index], `${arn} also administers tenant "${tenant}"; one principal gets one access entry, so use separate roles`);
  }

  if (!isRecord(doc.quotas)) return problems;
  const knownPools = poolNames === undefined ? undefined : [...new Set<string>(poolNames)];
  const quotas: Record<string, Record<string, PoolQuotaConfig>> = {};
  for (const [tenant, entries] of Object.entries(doc.quotas)) {
    if (tenantNames && !tenantNames.includes(tenant)) {
      problem(["quotas", tenant], `no tenant "${tenant}" in fleet.yaml; add it to tenants or remove these quotas (tenants: ${tenantNames.join(", ") || "none"})`);
    }
    if (!isRecord(entries)) continue;
    quotas[tenant] = {};
    for (const [key, entry] of Object.entries(entries)) {
      const quota = wellFormed(poolQuotaSchema, entry);
      if (quota !== undefined) quotas[tenant][key] = quota;
      if (isTenantLimitKey(key)) {
        if (quota !== undefined && typeof quota !== "number") problem(["quotas", tenant, key], `the tenant-wide ${key} is a number of GPUs, applied to every pool`);
        continue;
      }
      if (knownPools && !knownPools.includes(key)) {
        const limitKey = closestKey(key, TENANT_LIMIT_KEYS);
        if (limitKey) {
          problem(["quotas", tenant, key], `unknown key "${key}": no pool of this region and no tenant-wide limit; did you mean "${limitKey}"?`);
        } else {
          const poolKey = closestKey(key, knownPools);
          problem(
            ["quotas", tenant, key],
            `no GPU pool "${key}" in this region; pools: ${knownPools.join(", ") || "none"}${poolKey ? ` (did you mean "${poolKey}"?)` : ""}`,
          );
        }
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
  for (const pool of capacityPools) {
    if (nameCounts.get(pool.name) !== 1) continue;
    const onPool = resolved.filter((quota) => quota.pool === pool.name);
    const total = onPool.reduce((sum, quota) => sum + quota.nominal, 0);
    const capacity = pool.unitsPerNode * pool.maxSize;
    if (total > capacity && !pool.oversubscriptionAllowed) {
      problem(
        ["quotas"],
        `nominal quotas on pool "${pool.name}" add up to ${total} ${pool.unitPlural} (${onPool.map((q) => `${q.tenant} ${q.nominal}`).join(", ")}) ` +
          `but it advertises ${capacity} at maxSize ${pool.maxSize}; lower them, raise maxSize, or set allowQuotaOversubscription: true on the pool`,
      );
    }
  }
  return problems;
}

interface CapacityPool {
  readonly name: string;
  readonly maxSize: number;
  readonly unitsPerNode: number;
  readonly unitPlural: string;
  readonly oversubscriptionAllowed: boolean;
}

/** What a pool advertises, when every field that decides it is well formed and sound; else undefined. */
function capacityOf(pool: Fields<GpuPoolConfig>): CapacityPool | undefined {
  const { name, instanceType, sharing, maxSize, minSize } = pool.ok;
  if (name === undefined || instanceType === undefined || sharing === undefined || maxSize === undefined) return undefined;
  if (pool.bad.has("allowQuotaOversubscription") || pool.bad.has("minSize") || maxSize < 1 || (minSize !== undefined && minSize > maxSize)) return undefined;
  const type = findInstanceType(instanceType);
  if (!type?.gpu) return undefined;
  const mode = poolSharingMode(sharing, type, type.gpu);
  if (mode.problems().length > 0) return undefined;
  return {
    name,
    maxSize,
    unitsPerNode: mode.quotaUnitsPerNode,
    unitPlural: mode.quotaUnit.plural,
    oversubscriptionAllowed: pool.ok.allowQuotaOversubscription === true,
  };
}

/** Why `arn` cannot be used in `region` (of `partition`); undefined when it can. */
function partitionMismatch(arn: string, partition: string, region: string): string | undefined {
  const arnPartition = arn.split(":")[1];
  if (arnPartition === partition) return undefined;
  return (
    `${arn} is in partition ${arnPartition}, but ${region} is in ${partition}; an IAM principal exists in its own partition only: ` +
    `use arn:${partition}:iam::…, or keep regions of another partition in a fleet config of their own`
  );
}

// --- Helpers ------------------------------------------------------------------------------------------------

function reporter(file: string, locate: Locate, problems: ConfigProblem[]): Report {
  return (path, message) => problems.push({ file, path: formatPath(path), message: `${message}${locate(path)}` });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value parsed by `schema`, or undefined when malformed (the file-level parse already reported it). */
function wellFormed<S extends z.ZodType>(schema: S, value: unknown): z.output<S> | undefined {
  const result = schema.safeParse(value);
  return result.success ? result.data : undefined;
}

/** A list as written: `[]` when absent, undefined when it is not a list (the schema reported that). */
function listOf(value: unknown): readonly unknown[] | undefined {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : undefined;
}

/** Each element of a list that passes `schema`, with its index; none when `value` is not a list. */
function elementsOf<S extends z.ZodType>(schema: S, value: unknown): { index: number; value: z.output<S> }[] {
  if (!Array.isArray(value)) return [];
  const elements: { index: number; value: z.output<S> }[] = [];
  value.forEach((element, index) => {
    const result = schema.safeParse(element);
    if (result.success) elements.push({ index, value: result.data });
  });
  return elements;
}

interface Fields<T> {
  /** Each field that passed its own schema; an absent field takes its default, or stays undefined. */
  readonly ok: Partial<T>;
  /** Fields that are malformed or required but absent: reported by the schema already. */
  readonly bad: ReadonlySet<string>;
  readonly raw: Record<string, unknown>;
}

/** The fields of an object checked one by one against `schema`'s shape; undefined when `value` is no object. */
function fieldsOf<S extends z.ZodObject>(schema: S, value: unknown): Fields<z.output<S>> | undefined {
  if (!isRecord(value)) return undefined;
  const ok: Record<string, unknown> = {};
  const bad = new Set<string>();
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const result = field.safeParse(value[key]);
    if (!result.success) bad.add(key);
    else if (result.data !== undefined) ok[key] = result.data;
  }
  return { ok: ok as Partial<z.output<S>>, bad, raw: value };
}

interface Cidr {
  readonly text: string;
  readonly address: number;
  readonly prefix: number;
}

function cidrOf(value: unknown): Cidr | undefined {
  const text = wellFormed(cidr, value);
  const parsed = text === undefined ? null : parseCidr(text);
  return parsed && text !== undefined ? { text, ...parsed } : undefined;
}

function cidrsOf(value: unknown): { index: number; cidr: Cidr }[] {
  return elementsOf(cidr, value).flatMap(({ index, value: text }) => {
    const range = cidrOf(text);
    return range ? [{ index, cidr: range }] : [];
  });
}

function rangeOf(range: Cidr): { start: number; end: number } {
  const size = 2 ** (32 - range.prefix);
  const start = range.address - (range.address % size);
  return { start, end: start + size };
}

function hostBitsSet(range: Cidr): boolean {
  return rangeOf(range).start !== range.address;
}

function networkText(range: Cidr): string {
  const { start } = rangeOf(range);
  return `${[24, 16, 8, 0].map((shift) => Math.floor(start / 2 ** shift) % 256).join(".")}/${range.prefix}`;
}

function overlaps(a: Cidr, b: Cidr): boolean {
  const x = rangeOf(a);
  const y = rangeOf(b);
  return x.start < y.end && y.start < x.end;
}

function contains(outer: Cidr, inner: Cidr): boolean {
  const x = rangeOf(outer);
  const y = rangeOf(inner);
  return y.start >= x.start && y.end <= x.end;
}

/** The service CIDR the cluster in `vpc` is created with (lib/network-plan.ts `serviceCidrFor`, pinned). */
function serviceCidrFor(vpc: Cidr): Cidr {
  return cidrOf(pinnedServiceCidr(vpc.text))!;
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
