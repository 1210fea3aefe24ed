/**
 * The shape of `config/fleet.yaml` and `config/regions/<region>.yaml`. Objects are strict, so a typo in a
 * key is an error, never a silently ignored setting. Cross-checks against the catalog live in `validate.ts`.
 */
import { z } from "zod";
import { DEFAULT_VALIDATION_IMAGE_TAG, KUBERNETES_VERSIONS } from "../versions";

/** Replicas above this share one GPU so thinly that jobs mostly wait; it is almost always a typo. */
export const MAX_TIME_SLICING_REPLICAS = 32;

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

const dnsName = (what: string, maxLength: number) =>
  z
    .string()
    .max(maxLength, { error: `${what} must be at most ${maxLength} characters` })
    .regex(DNS_LABEL, {
      error: `${what} must be a DNS label: lowercase letters, digits and '-', starting with a letter`,
    });

const REGION_CODE = /^[a-z]{2}(-[a-z]+)+-\d$/;
export const regionCode = z.string().regex(REGION_CODE, { error: "must be an AWS region code such as us-east-1" });

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/**
 * `a.b.c.d/n` with every number in range and written without leading zeros: AWS and Terraform reject
 * `010.0.0.0/16` (some tools read a leading zero as octal), so it is not a CIDR here either.
 */
export function parseCidr(value: string): { address: number; prefix: number } | null {
  const match = IPV4_CIDR.exec(value);
  if (!match) return null;
  if (match.slice(1, 6).some((part) => part.length > 1 && part.startsWith("0"))) return null;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefix > 32) return null;
  const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  return { address, prefix };
}

export const cidr = z.string({ error: "must be an IPv4 CIDR such as 10.0.0.0/16" }).superRefine((value, ctx) => {
  if (parseCidr(value) !== null) return;
  const match = IPV4_CIDR.exec(value);
  const withoutZeros = match ? `${match.slice(1, 5).map(Number).join(".")}/${Number(match[5])}` : undefined;
  ctx.addIssue({
    code: "custom",
    message:
      withoutZeros !== undefined && withoutZeros !== value && parseCidr(withoutZeros) !== null
        ? `${value} has a leading zero, which AWS and Terraform reject (some tools read it as octal); write ${withoutZeros}`
        : "must be an IPv4 CIDR such as 10.0.0.0/16",
  });
});

/** AWS partitions and their ARN prefix; `partitionOf` (lib/catalog/regions.ts) maps a region to its partition. */
const AWS_PARTITIONS = ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f"] as const;

export const iamPrincipalArn = z
  .string()
  .regex(new RegExp(`^arn:(${AWS_PARTITIONS.join("|")}):iam::\\d{12}:(role|user)/[\\w+=,.@/-]+$`), {
    error: "must be an IAM role or user ARN such as arn:aws:iam::123456789012:role/platform-admin",
  });

/**
 * A whole number in [min, max] with one message per way of missing it: "whole number" only for a fraction (not
 * for a number too large to be exact), and the bound with its reason for one out of range.
 */
function wholeNumber(what: string, bounds: { readonly min: number; readonly max?: number; readonly unit?: string; readonly aboveMax?: (value: number) => string }) {
  const subject = what ? `${what} ` : "";
  const unit = bounds.unit ? ` of ${bounds.unit}` : "";
  const range = bounds.max === undefined ? `${bounds.min} or more` : `from ${bounds.min} to ${bounds.max}`;
  const notWhole = `${subject}must be a whole number${unit} (${range})`;
  return z.number({ error: notWhole }).superRefine((value, ctx) => {
    const fail = (message: string) => ctx.addIssue({ code: "custom", message });
    if (bounds.max !== undefined && value > bounds.max) {
      fail(bounds.aboveMax ? bounds.aboveMax(value) : `${subject}${value} is above the maximum of ${bounds.max}${unit ? ` ${bounds.unit}` : ""}`);
    } else if (value < bounds.min) {
      fail(`${subject}must be ${range}${bounds.unit ? ` ${bounds.unit}` : ""}; ${value} is too small`);
    } else if (!Number.isInteger(value)) {
      fail(notWhole);
    } else if (!Number.isSafeInteger(value)) {
      fail(`${subject}${value} is too large to be exact; use a smaller whole number`);
    }
  });
}

/**
 * EKS quota "Nodes per managed node group": 450 in each Region (Amazon EKS User Guide, "View and manage Amazon
 * EKS and Fargate service quotas", docs.aws.amazon.com/eks/latest/userguide/service-quotas.html, read
 * 2026-12-01). AWS lists it as adjustable; we hold pools to the default, since a bigger pool can always be
 * split in two (same instance type) while a raised quota is per account and invisible here.
 */
const EKS_MAX_NODES_PER_NODE_GROUP = 450;

/**
 * Fleet-wide default of `limits.maxGpuNodesPerRegion`: the GPU pools of one region may together scale to this
 * many nodes. 1000 p5.48xlarge are 8000 H100s (about $55,000 an hour On-Demand) and far beyond a new account's
 * EC2 GPU vCPU quotas, so a sum above it is almost always a typo (an extra zero in a maxSize); a fleet that
 * means it raises the limit in fleet.yaml.
 */
export const DEFAULT_MAX_GPU_NODES_PER_REGION = 1000;

const count = (what: string, fix: string) =>
  wholeNumber(what, {
    min: 0,
    max: EKS_MAX_NODES_PER_NODE_GROUP,
    aboveMax: (value) =>
      `${what} ${value} is above EKS's limit of ${EKS_MAX_NODES_PER_NODE_GROUP} nodes per managed node group ` +
      `(EKS service quota "Nodes per managed node group", read 2026-12-01); ${fix}`,
  });
const SPLIT_POOL = "split the pool into two pools of the same instance type";

const days = wholeNumber("", { min: 1, unit: "days" });

/** A flag that is either set to true or absent: `false` would read as "off" yet mean nothing. */
const trueFlag = (name: string) =>
  z.literal(true, { error: `${name} takes only the value true: set it to true or remove it` }).optional();

const sharingSchema = z.discriminatedUnion(
  "mode",
  [
    z.strictObject({ mode: z.literal("exclusive") }),
    z.strictObject({
      mode: z.literal("time-slicing"),
      replicas: z
        .number()
        .int({ error: "replicas must be a whole number" })
        .min(2, { error: "time-slicing needs replicas >= 2 (1 replica is exclusive mode: use {mode: exclusive})" })
        .max(MAX_TIME_SLICING_REPLICAS, {
          error: `replicas above ${MAX_TIME_SLICING_REPLICAS} leave each job a sliver of a GPU; lower it`,
        }),
    }),
    z.strictObject({
      mode: z.literal("mig"),
      layout: z.record(
        z.string(),
        z.number().int({ error: "a MIG profile count must be a whole number" }).min(1, {
          error: "a MIG profile count must be at least 1 (remove the profile instead)",
        }),
        { error: 'layout must map MIG profiles to counts per GPU, e.g. {"3g.40gb": 1, "1g.10gb": 4}' },
      ),
    }),
  ],
  { error: "sharing.mode must be one of: exclusive, time-slicing, mig" },
);

export const availabilityZone = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, { error: "must be an AZ name such as us-east-1a" });

/** An AZ ID such as use1-az1: the same physical zone in every account, unlike an AZ name in the oldest regions. */
export const availabilityZoneId = z.string().regex(/^[a-z]{2,5}\d-az\d+$/, { error: "must be an AZ ID such as use1-az1" });

export const CAPACITY_TYPES = ["on-demand", "spot", "capacity-block"] as const;

/** `one-per-az` survives an AZ outage; `single` saves two NAT gateways for dev regions. */
export const NAT_GATEWAY_MODES = ["one-per-az", "single"] as const;

export const gpuPoolSchema = z.strictObject({
  name: dnsName("a pool name", 24),
  instanceType: z.string().min(1),
  capacityType: z.enum(CAPACITY_TYPES, { error: `capacityType must be one of: ${CAPACITY_TYPES.join(", ")}` }),
  /** EC2 Capacity Block reservation (`cr-...`); required with capacityType capacity-block. */
  capacityReservationId: z
    .string()
    .regex(/^cr-[0-9a-f]{8,17}$/, { error: "must be a capacity reservation id such as cr-0123456789abcdef0" })
    .optional(),
  /** Restrict the pool to these AZs (a Capacity Block lives in exactly one). Default: every AZ offering the type. */
  availabilityZones: z.array(availabilityZone).min(1, { error: "list at least one AZ, or remove availabilityZones to use every AZ" }).optional(),
  minSize: count("minSize", SPLIT_POOL),
  maxSize: count("maxSize", SPLIT_POOL),
  sharing: sharingSchema,
  /** Root volume for container images and scratch; GPU images are large. */
  rootVolumeGiB: wholeNumber("rootVolumeGiB", { min: 50, max: 16384, unit: "GiB" }).default(200),
  /** Extra node labels for tenant scheduling; `fastgpu.io/*` and `nvidia.com/*` are reserved. */
  labels: z.record(z.string(), z.string()).default({}),
  /**
   * Set when AWS has added this instance type to the region after the catalog's region list was dated:
   * the region check is skipped for this pool.
   */
  offeredInRegion: trueFlag("offeredInRegion"),
  /** Let tenants' nominal quotas on this pool add up to more than it can advertise at maxSize. */
  allowQuotaOversubscription: trueFlag("allowQuotaOversubscription"),
});

export const systemPoolSchema = z.strictObject({
  instanceType: z.string().min(1),
  minSize: count("minSize", "the system pool runs controllers: a few nodes are enough"),
  maxSize: count("maxSize", "the system pool runs controllers: a few nodes are enough"),
  /** As on a GPU pool: the type is offered in this region although the catalog's region list does not say so. */
  offeredInRegion: trueFlag("offeredInRegion"),
});

export const bucketSchema = z.strictObject({
  versioning: z.boolean(),
  /** Delete current objects this many days after creation. */
  expireAfterDays: days.optional(),
  /** Delete superseded versions this many days after they became noncurrent (needs versioning). */
  noncurrentVersionExpireAfterDays: days.optional(),
  /** Move objects to S3 Intelligent-Tiering this many days after creation. */
  intelligentTieringAfterDays: wholeNumber("intelligentTieringAfterDays", { min: 0, unit: "days" }).optional(),
  abortIncompleteMultipartUploadAfterDays: days.default(7),
});

export const BUCKET_KINDS = ["datasets", "checkpoints", "artifacts"] as const;

const wholeGpus = z
  .number({ error: "a quota must be a number of GPUs" })
  .int({ error: "a quota must be a whole number of GPUs" })
  .min(0, { error: "a quota must be 0 or more" });

/** A tenant's quota on one pool: a number (nominal) or the nominal with its own borrowing/lending limits. */
export const poolQuotaSchema = z.union(
  [
    wholeGpus,
    z.strictObject({ nominal: wholeGpus, borrowingLimit: wholeGpus.optional(), lendingLimit: wholeGpus.optional() }),
  ],
  { error: "a pool quota is a whole number of GPUs, or {nominal, borrowingLimit?, lendingLimit?}" },
);

/** Per tenant: `<pool>: quota`, plus optional `borrowingLimit`/`lendingLimit` applied to every pool. */
export const tenantQuotasSchema = z.record(z.string(), poolQuotaSchema, {
  error: "quotas of a tenant map pool names to GPU counts, e.g. {train-h100: 8, borrowingLimit: 8}",
});

export const TENANT_LIMIT_KEYS = ["borrowingLimit", "lendingLimit"] as const;

export const clusterEndpointSchema = z.strictObject({
  publicAccess: z.boolean().default(false),
  publicAccessCidrs: z.array(cidr).default([]),
  /** Accept public-access ranges broader than /8 (0.0.0.0/0 included): the whole internet may try the API. */
  allowBroadPublicAccess: trueFlag("allowBroadPublicAccess"),
  /**
   * Networks routed to the VPC (VPN, peered CI runners) that may reach the private endpoint on 443. EKS's
   * cluster security group admits only the cluster itself, so a private-only cluster needs at least one.
   */
  privateAccessCidrs: z.array(cidr).default([]),
  /**
   * The transit gateway (tgw-...) or virtual private gateway (vgw-...) that connects privateAccessCidrs to the VPC:
   * every private route table gets a route to each of them through it. Required with privateAccessCidrs.
   */
  privateAccessGatewayId: z
    .string()
    .regex(/^(tgw|vgw)-[0-9a-f]{8,17}$/, { error: "must be a transit gateway (tgw-...) or virtual private gateway (vgw-...) id" })
    .optional(),
});

export const bucketsSchema = z.strictObject({
  datasets: bucketSchema,
  checkpoints: bucketSchema,
  artifacts: bucketSchema,
});

export const regionSchema = z.strictObject({
  region: regionCode,
  kubernetesVersion: z.enum(Object.keys(KUBERNETES_VERSIONS) as [string, ...string[]], {
    error: `kubernetesVersion must be one of: ${Object.keys(KUBERNETES_VERSIONS).join(", ")} (quote it: "1.35")`,
  }),
  vpcCidr: cidr,
  /** Accept a VPC range outside the private ranges (RFC 1918, 100.64.0.0/10): those internet addresses become unreachable. */
  allowPublicVpcCidr: trueFlag("allowPublicVpcCidr"),
  /** `one-per-az` survives an AZ outage; `single` saves two NAT gateways for dev regions. */
  natGateways: z.enum(NAT_GATEWAY_MODES).default("one-per-az"),
  /** The VPC's three AZs by ID (lib/network-plan.ts `vpcZoneIds`); default: the catalog's first three EKS accepts. */
  availabilityZoneIds: z.array(availabilityZoneId).length(3, { error: "list exactly three AZ IDs, or remove availabilityZoneIds for the default" }).optional(),
  clusterEndpoint: clusterEndpointSchema.default({ publicAccess: false, publicAccessCidrs: [], privateAccessCidrs: [] }),
  /** IAM principals granted cluster-admin through EKS access entries. */
  clusterAdmins: z.array(iamPrincipalArn).default([]),
  systemPool: systemPoolSchema,
  gpuPools: z.array(gpuPoolSchema),
  buckets: bucketsSchema,
  /** `{<tenant>: {<pool>: <GPUs>, borrowingLimit?, lendingLimit?}}`: each tenant's guaranteed share of each pool. */
  quotas: z.record(z.string(), tenantQuotasSchema).default({}),
});


export const tenantSchema = z.strictObject({
  name: dnsName("a tenant name", 40),
  /** IAM roles or users that administer the tenant: edit rights in its namespace, nothing cluster-wide. */
  admins: z.array(iamPrincipalArn).default([]),
});

export const priorityClassSchema = z.strictObject({
  name: dnsName("a priority class name", 63),
  value: z
    .number()
    .int({ error: "a priority value must be a whole number" })
    .min(-2147483648)
    .max(1000000000, { error: "priority values above 1000000000 are reserved for system-critical classes" }),
  description: z.string().max(2048).default(""),
});

export const DEFAULT_PRIORITY_CLASSES = [
  { name: "production", value: 1000, description: "Production training and serving: preempts lower priorities within the tenant's queue." },
  // Kueue gives a job without a priority-class label priority 0, so "standard" is what such a job gets anyway.
  { name: "standard", value: 0, description: "Routine jobs; the same priority as a job that names no class." },
  { name: "best-effort", value: -100, description: "Experiments and sweeps: the first to be preempted." },
];

export const VALIDATION_PROFILES = ["quick", "full"] as const;

const validationSchema = z.strictObject({
  /** gpu-validate profile: `quick` (about a minute per node) or `full` (a stress run under 10 minutes). */
  profile: z.enum(VALIDATION_PROFILES, { error: "validation.profile must be quick or full" }).default("quick"),
  /** Validate every node of every pool with minSize >= 1 during `cdktf deploy`; a failing node fails the deploy. */
  deployGate: z.boolean().default(true),
  /** Keep every newly joined GPU node tainted until it passes the quick suite. */
  joinGate: z.boolean().default(true),
  /** How long the deploy gate waits for every node's result. */
  deployGateTimeoutMinutes: z.number().int().min(5).max(180).default(40),
  image: z
    .strictObject({
      /** Tag of the validation image in the region's ECR repository `<fleet>/gpu-validate` (immutable tags). */
      tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { error: "must be an image tag such as 0.1.0" }),
    })
    .default({ tag: DEFAULT_VALIDATION_IMAGE_TAG }),
});

/**
 * S3's rules for general purpose bucket names (Amazon S3 User Guide, "General purpose bucket naming rules",
 * docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html, read 2026-12-01): each broken rule, in
 * words, or none.
 */
export function s3BucketNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length < 3 || name.length > 63) problems.push(`is ${name.length} characters; S3 bucket names have 3 to 63`);
  if (!/^[a-z0-9.-]*$/.test(name)) problems.push("may hold only lowercase letters, digits, '.' and '-' (S3 bucket name)");
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) problems.push("must begin and end with a lowercase letter or digit (S3 bucket name)");
  if (name.includes("..")) problems.push("must not hold two adjacent periods (S3 bucket name)");
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) problems.push("must not be formatted as an IP address (S3 bucket name)");
  const prefix = S3_RESERVED_PREFIXES.find((reserved) => name.startsWith(reserved));
  if (prefix) problems.push(`must not start with "${prefix}", which S3 reserves`);
  const suffix = S3_RESERVED_SUFFIXES.find((reserved) => name.endsWith(reserved));
  if (suffix) problems.push(`must not end with "${suffix}", which S3 reserves for access point and bucket aliases`);
  return problems;
}

const S3_RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const S3_RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3"];

const limitsSchema = z.strictObject({
  /** The most nodes the GPU pools of one region may scale to together (sum of their maxSize). */
  maxGpuNodesPerRegion: wholeNumber("limits.maxGpuNodesPerRegion", { min: 1 }).default(DEFAULT_MAX_GPU_NODES_PER_REGION),
});

export const fleetSchema = z.strictObject({
  name: dnsName("the fleet name", 20),
  tags: z.record(z.string(), z.string()).default({}),
  state: z
    .strictObject({
      bucket: z.string({ error: "must be an S3 bucket name" }).superRefine((name, ctx) => {
        for (const message of s3BucketNameProblems(name)) ctx.addIssue({ code: "custom", message });
      }),
      region: regionCode,
    })
    .optional(),
  tenants: z.array(tenantSchema).default([]),
  /** Kueue WorkloadPriorityClasses, selected by a Job's `kueue.x-k8s.io/priority-class` label. */
  priorityClasses: z.array(priorityClassSchema).default(DEFAULT_PRIORITY_CLASSES),
  regions: z.array(regionCode).optional(),
  /** Soft limits on the fleet's size that catch typos; raise one explicitly when a bigger fleet is intended. */
  limits: limitsSchema.default({ maxGpuNodesPerRegion: DEFAULT_MAX_GPU_NODES_PER_REGION }),
  /** GPU validation after deploys and on every joining node (kernels-image/gpu-validate). */
  validation: validationSchema.default({ profile: "quick", deployGate: true, joinGate: true, deployGateTimeoutMinutes: 40, image: { tag: DEFAULT_VALIDATION_IMAGE_TAG } }),
});

export type FleetFile = z.output<typeof fleetSchema>;
export type ValidationConfig = z.output<typeof validationSchema>;
export type TenantConfig = z.output<typeof tenantSchema>;
export type PriorityClassConfig = z.output<typeof priorityClassSchema>;
export type PoolQuotaConfig = z.output<typeof poolQuotaSchema>;
export type RegionFile = z.output<typeof regionSchema>;
export type GpuPoolConfig = z.output<typeof gpuPoolSchema>;
export type SystemPoolConfig = z.output<typeof systemPoolSchema>;
export type SharingConfig = z.output<typeof sharingSchema>;
export type BucketConfig = z.output<typeof bucketSchema>;
export type BucketKind = (typeof BUCKET_KINDS)[number];
export type CapacityType = (typeof CAPACITY_TYPES)[number];
export type NatGatewayMode = (typeof NAT_GATEWAY_MODES)[number];
