/**
 * What can go wrong when a change is applied, named before anything else in the preview: the dangers of a
 * change between base and head, each with its region, the pool, bucket or object it touches and the field.
 *
 * Three classes, in the order a reviewer must weigh them:
 * - data: state that is lost or orphaned (a moved state backend, a region that leaves the app, a removed
 *   tenant, shorter retention, suspended versioning, destroyed or replaced buckets and keys);
 * - capacity: what stops or rolls running work (Kubernetes upgrades, launch-template and node-group rollouts,
 *   impossible downgrades, a minSize the apply will reject, a VPC CIDR change and what hangs on it, Spot for
 *   training, fewer NAT gateways, quotas that now guarantee fewer GPUs);
 * - cost: spend that moves a lot, new regions, Capacity Blocks (committed spend).
 *
 * Inputs are what every preview has: per stack its changes (a plan or a synth diff) and per region the
 * `fastgpu_region` facts of both sides. With the two synth outputs as well (`synth`), Helm values are
 * compared object by object, backends are compared directly and synth-diff replacements are followed through
 * references.
 */
import { parse } from "yaml";
import { isTrainingPool, regionCost, type MinMax } from "../cost";
import type { BucketConfig, FleetFile } from "../config/schema";
import { usd } from "../format";
import { buildPoolModels } from "../model/region";
import type { PoolModel } from "../model/pool";
import { clusterName, KEEP_ON_REMOVAL, nodeGroupName, platformStackName, infraStackName, SYSTEM_POOL_NAME } from "../naming";
import { localQueue } from "../tenancy/kueue";
import { tenantNamespaceObjects } from "../tenancy/namespace";
import { resolveTenantQuotas } from "../tenancy/quotas";
import type { ResourceChange, StackChanges } from "./changes";
import type { RegionFacts } from "./region-facts";
import { statefulReason } from "./stateful";
import type { TerraformJson } from "./synth-output";

export interface StackPreview {
  readonly name: string;
  readonly region: string;
  readonly kind: string;
  readonly changes: StackChanges;
}

export type FactsSide = { readonly facts: RegionFacts } | { readonly error: string } | { readonly absent: true };

export interface RegionPreview {
  readonly region: string;
  readonly before: FactsSide;
  readonly after: FactsSide;
}

/** Both synth outputs, stack name -> Terraform JSON. */
export interface SynthPair {
  readonly base: ReadonlyMap<string, TerraformJson>;
  readonly head: ReadonlyMap<string, TerraformJson>;
}

export interface DangerInput {
  readonly stacks: readonly StackPreview[];
  readonly regions: readonly RegionPreview[];
  readonly synth?: SynthPair;
}

export const DANGER_CLASSES = ["data", "capacity", "cost"] as const;
export type DangerClass = (typeof DANGER_CLASSES)[number];

export interface Danger {
  readonly class: DangerClass;
  /** The region it happens in; "" for the whole fleet. */
  readonly region: string;
  /** What kind of danger, for tests and labels: `state-moved`, `region-unmanaged`, `tenant-removed`, ... */
  readonly kind: string;
  /** The pool, bucket, tenant, object or stack it touches. */
  readonly subject: string;
  /** The config key or Terraform attribute that changes. */
  readonly field?: string;
  /** One line of Markdown, without the region (the preview groups by region). */
  readonly message: string;
  /** Order within a class: lower first. */
  readonly rank: number;
}

// --- helpers --------------------------------------------------------------------------------------------

function factsOf(side: FactsSide | undefined): RegionFacts | undefined {
  return side && "facts" in side ? side.facts : undefined;
}

const code = (text: string) => `\`${text}\``;

function list(items: readonly string[], max = 6): string {
  if (items.length <= max) return items.join(", ");
  return `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
}

function range(cost: MinMax | null | undefined): string {
  if (!cost) return "n/a";
  return `${usd(cost.min)}-${usd(cost.max)}`;
}

/** The monthly cost of a facts side, or undefined when the side cannot be priced (older base, unknown type). */
export function factsCost(facts: RegionFacts | undefined): MinMax | null | undefined {
  if (!facts) return undefined;
  try {
    return regionCost({ ...facts, pools: buildPoolModels(facts.gpuPools) }).totalMonthlyUsd;
  } catch {
    return undefined;
  }
}

function poolModels(facts: RegionFacts | undefined): PoolModel[] | undefined {
  if (!facts) return undefined;
  try {
    return buildPoolModels(facts.gpuPools);
  } catch {
    return undefined;
  }
}

function minor(version: string): number | undefined {
  const match = /^1\.(\d+)$/.exec(version.trim());
  return match ? Number(match[1]) : undefined;
}

/** The pool a node-pool resource belongs to, from its synthesized address (`gpu-pool-<pool>_...`, `system-pool_...`). */
export function poolOfAddress(address: string): string | undefined {
  const name = address.slice(address.indexOf(".") + 1);
  const gpu = /^gpu-pool-(.+?)_(?:node-group|launch-template|asg-tag-)/.exec(name);
  if (gpu) return gpu[1];
  if (/^system-pool_/.test(name)) return SYSTEM_POOL_NAME;
  return undefined;
}

/** The bucket kind a storage resource belongs to (`bucket-<kind>_...`). */
function bucketOfAddress(address: string): string | undefined {
  return /\.bucket-([a-z]+)_/.exec(address)?.[1];
}

const IGNORED_PATHS = /^(lifecycle\.|depends_on|\/\/)/;

function fieldsOf(change: ResourceChange): string[] {
  return change.paths.filter((path) => !IGNORED_PATHS.test(path));
}

function stacksOfRegion(input: DangerInput, region: string): StackPreview[] {
  return input.stacks.filter((stack) => stack.region === region);
}

// --- Helm values, object by object ---------------------------------------------------------------------

export interface ObjectChange {
  /** `Kind/namespace/name` or `Kind/name`. */
  readonly object: string;
  readonly action: "added" | "removed" | "changed";
  /** Fields that differ (changed objects). */
  readonly fields: readonly string[];
  /** A removed object Helm leaves in place (`helm.sh/resource-policy: keep`). */
  readonly kept: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Dotted paths where two JSON values differ. */
export function valuePaths(before: unknown, after: unknown, prefix = ""): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (isRecord(before) && isRecord(after)) {
    return [...new Set([...Object.keys(before), ...Object.keys(after)])].sort().flatMap((key) => valuePaths(before[key], after[key], prefix ? `${prefix}.${key}` : key));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, index) => valuePaths(item, after[index], `${prefix}[${index}]`));
  }
  return [prefix || "(whole value)"];
}

function parseValues(values: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(values)) return undefined;
  const merged: Record<string, unknown> = {};
  for (const text of values) {
    if (typeof text !== "string") return undefined;
    try {
      const parsed = parse(text);
      if (isRecord(parsed)) Object.assign(merged, parsed);
    } catch {
      return undefined; // values with Terraform expressions are not YAML we can read
    }
  }
  return merged;
}

function objectKey(object: Record<string, unknown>): string {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  return [String(object.kind), metadata.namespace, metadata.name].filter((part) => typeof part === "string").join("/");
}

function keptOnRemoval(object: Record<string, unknown>): boolean {
  const annotations = isRecord(object.metadata) && isRecord(object.metadata.annotations) ? object.metadata.annotations : {};
  return Object.entries(KEEP_ON_REMOVAL).every(([key, value]) => annotations[key] === value);
}

/**
 * What a release's values change: for our charts (values `{objects: [...]}`) the objects added, removed and
 * changed by kind/namespace/name, for upstream charts the value paths. Undefined when a side is unreadable.
 */
export function helmValueChanges(before: unknown, after: unknown): { objects: ObjectChange[] } | { paths: string[] } | undefined {
  const old = parseValues(before);
  const now = parseValues(after);
  if (!old || !now) return undefined;
  if (Array.isArray(old.objects) && Array.isArray(now.objects)) {
    const byKey = (objects: unknown[]) => new Map(objects.filter(isRecord).map((object) => [objectKey(object), object]));
    const a = byKey(old.objects);
    const b = byKey(now.objects);
    const changes: ObjectChange[] = [];
    for (const [key, object] of a) {
      const next = b.get(key);
      if (!next) changes.push({ object: key, action: "removed", fields: [], kept: keptOnRemoval(object) });
      else {
        const fields = valuePaths(object, next);
        if (fields.length > 0) changes.push({ object: key, action: "changed", fields, kept: false });
      }
    }
    for (const key of b.keys()) if (!a.has(key)) changes.push({ object: key, action: "added", fields: [], kept: false });
    return { objects: changes };
  }
  return { paths: valuePaths(old, now) };
}

/** The helm_release body of a change's address in a synth output. */
function releaseBody(json: TerraformJson | undefined, address: string): Record<string, unknown> | undefined {
  const [type, name] = [address.slice(0, address.indexOf(".")), address.slice(address.indexOf(".") + 1)];
  return json?.resource?.[type]?.[name];
}

/** Per-object lines for the details of a helm_release change, when both synth outputs are at hand. */
export function helmChangeLines(change: ResourceChange, stack: string, synth: SynthPair | undefined): string[] | undefined {
  if (change.type !== "helm_release" || change.action !== "update" || !synth) return undefined;
  const before = releaseBody(synth.base.get(stack), change.address);
  const after = releaseBody(synth.head.get(stack), change.address);
  const diff = helmValueChanges(before?.values, after?.values);
  if (!diff) return undefined;
  if ("paths" in diff) return diff.paths.length > 0 ? [`values: ${list(diff.paths.map(code), 8)}`] : [];
  return diff.objects.map((object) => {
    if (object.action === "removed") return object.kept ? `kept ${code(object.object)} (removed from the chart; \`helm.sh/resource-policy: keep\` leaves it in the cluster)` : `deletes ${code(object.object)}`;
    if (object.action === "added") return `creates ${code(object.object)}`;
    return `changes ${code(object.object)}: ${list(object.fields.map(code), 6)}`;
  });
}

// --- references (synth mode) ----------------------------------------------------------------------------

/**
 * Attributes that replace a resource when the resource they refer to is replaced (its id or name changes):
 * the AWS provider's ForceNew arguments among those FastGPU sets from references.
 */
const REPLACED_BY_REFERENCE: Readonly<Record<string, readonly string[]>> = {
  aws_subnet: ["vpc_id"],
  aws_route_table: ["vpc_id"],
  aws_security_group: ["vpc_id"],
  aws_vpc_endpoint: ["vpc_id"],
  aws_nat_gateway: ["subnet_id"],
  aws_route_table_association: ["subnet_id"],
  aws_route: ["route_table_id"],
  aws_vpc_security_group_ingress_rule: ["security_group_id"],
  // A cluster cannot move to subnets of another VPC.
  aws_eks_cluster: ["vpc_config.subnet_ids", "role_arn", "encryption_config.provider.key_arn"],
  aws_eks_node_group: ["cluster_name", "subnet_ids", "node_role_arn"],
  aws_eks_addon: ["cluster_name"],
  aws_eks_access_entry: ["cluster_name"],
  aws_eks_access_policy_association: ["cluster_name"],
  aws_eks_pod_identity_association: ["cluster_name"],
  aws_autoscaling_group_tag: ["autoscaling_group_name"],
  aws_s3_bucket_versioning: ["bucket"],
  aws_s3_bucket_lifecycle_configuration: ["bucket"],
  aws_s3_bucket_policy: ["bucket"],
  aws_s3_bucket_public_access_block: ["bucket"],
  aws_s3_bucket_ownership_controls: ["bucket"],
  aws_s3_bucket_server_side_encryption_configuration: ["bucket"],
};

const REFERENCE = /(?<![\w.])((?:aws|helm|kubernetes|terraform)_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.[a-z_]/g;

/** Every `${type.name.attr}` reference in a resource body, with the attribute path it sits at. */
function references(body: unknown, prefix = ""): { path: string; target: string }[] {
  if (typeof body === "string") {
    if (!body.includes("${")) return [];
    return [...body.matchAll(REFERENCE)].map((match) => ({ path: prefix, target: `${match[1]}.${match[2]}` }));
  }
  if (Array.isArray(body)) return body.flatMap((item) => references(item, prefix));
  if (isRecord(body)) {
    return Object.entries(body)
      .filter(([key]) => key !== "//" && key !== "depends_on" && key !== "lifecycle")
      .flatMap(([key, value]) => references(value, prefix ? `${prefix}.${key}` : key));
  }
  return [];
}

/** Resources replaced and updated through references when `seeds` are replaced, in one synthesized stack. */
export function followReferences(json: TerraformJson | undefined, seeds: readonly string[]): { replaced: Map<string, string>; updated: Set<string> } {
  const replaced = new Map<string, string>(seeds.map((seed) => [seed, seed]));
  const updated = new Set<string>();
  const bodies: { address: string; type: string; refs: { path: string; target: string }[] }[] = [];
  for (const [type, byName] of Object.entries(json?.resource ?? {})) {
    for (const [name, body] of Object.entries(byName)) bodies.push({ address: `${type}.${name}`, type, refs: references(body) });
  }
  let grew = true;
  while (grew) {
    grew = false;
    for (const { address, type, refs } of bodies) {
      if (replaced.has(address)) continue;
      const hits = refs.filter((ref) => replaced.has(ref.target));
      if (hits.length === 0) continue;
      const forcing = REPLACED_BY_REFERENCE[type] ?? [];
      const cause = hits.find((hit) => forcing.some((attribute) => hit.path === attribute || hit.path.startsWith(`${attribute}.`)));
      if (cause) {
        replaced.set(address, `${cause.path} -> ${cause.target}`);
        updated.delete(address);
        grew = true;
      } else updated.add(address);
    }
  }
  for (const seed of seeds) replaced.delete(seed);
  return { replaced, updated };
}

function describeAddresses(addresses: readonly string[]): string {
  const byType = new Map<string, number>();
  for (const address of addresses) {
    const type = address.slice(0, address.indexOf("."));
    byType.set(type, (byType.get(type) ?? 0) + 1);
  }
  return [...byType.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([type, count]) => `${count} ${type}`)
    .join(", ");
}

// --- the classes -----------------------------------------------------------------------------------------

/** Both sides' facts per region, to size a pool that exists on one side only. */
type FactsByRegion = Map<string, { before?: RegionFacts; after?: RegionFacts }>;

/** The most nodes a pool runs: its maxSize in the head, else in the base. */
function poolMax(facts: FactsByRegion, region: string, pool: string): number | undefined {
  const both = facts.get(region);
  for (const side of [both?.after, both?.before]) {
    if (!side) continue;
    const max = pool === SYSTEM_POOL_NAME ? side.systemPool.maxSize : side.gpuPools.find((candidate) => candidate.name === pool)?.maxSize;
    if (max !== undefined) return max;
  }
  return undefined;
}

const upTo = (max: number | undefined) => (max === undefined ? "all of its" : `up to ${max}`);

interface RegionSides {
  readonly region: string;
  readonly before?: RegionFacts;
  readonly after?: RegionFacts;
  readonly beforeAbsent: boolean;
  readonly afterAbsent: boolean;
}

function sides(region: RegionPreview): RegionSides {
  return {
    region: region.region,
    before: factsOf(region.before),
    after: factsOf(region.after),
    beforeAbsent: "absent" in region.before,
    afterAbsent: "absent" in region.after,
  };
}

function backendOf(json: TerraformJson | undefined): string | undefined {
  const backend = json?.terraform?.backend;
  if (!isRecord(backend)) return "local state (terraform.<stack>.tfstate next to the stack)";
  const [kind, settings] = Object.entries(backend)[0] ?? [];
  if (kind === "s3" && isRecord(settings)) return `s3://${String(settings.bucket)}/${String(settings.key)} (${String(settings.region)})`;
  return `${String(kind)} backend ${JSON.stringify(settings)}`;
}

function stateOf(facts: RegionFacts): string {
  const state = facts.fleet?.state;
  return state ? `s3://${state.bucket}/${state.key} (${state.region})` : "local state files";
}

/** Stacks whose state location moves: from the synthesized backends, else from the facts. */
function stateMoves(input: DangerInput, region: RegionSides): { stacks: string[]; from: string; to: string } | undefined {
  if (!region.before || !region.after) return undefined;
  if (input.synth) {
    const moved = stacksOfRegion(input, region.region).filter((stack) => {
      const base = input.synth!.base.get(stack.name);
      const head = input.synth!.head.get(stack.name);
      return base && head && JSON.stringify(base.terraform?.backend ?? null) !== JSON.stringify(head.terraform?.backend ?? null);
    });
    if (moved.length === 0) return undefined;
    const infra = moved.find((stack) => stack.kind === "infra") ?? moved[0];
    return { stacks: moved.map((stack) => stack.name), from: backendOf(input.synth.base.get(infra.name))!, to: backendOf(input.synth.head.get(infra.name))! };
  }
  const before = region.before.fleet;
  const after = region.after.fleet;
  if (!before || !after || JSON.stringify(before.state) === JSON.stringify(after.state)) return undefined;
  return { stacks: stacksOfRegion(input, region.region).map((stack) => stack.name), from: stateOf(region.before), to: stateOf(region.after) };
}

function regionRemoved(input: DangerInput, region: RegionSides): StackPreview[] | undefined {
  const stacks = stacksOfRegion(input, region.region);
  const gone = input.synth ? stacks.filter((stack) => input.synth!.base.has(stack.name) && !input.synth!.head.has(stack.name)) : region.afterAbsent && !region.beforeAbsent ? stacks : [];
  return gone.length > 0 ? gone : undefined;
}

function tenantObjects(tenant: string): { deleted: string[]; kept: string[] } {
  const fleet = { tenants: [{ name: tenant, admins: [] }] } as unknown as FleetFile;
  const objects = [...tenantNamespaceObjects(fleet), localQueue(tenant), { kind: "ClusterQueue", metadata: { name: tenant } }];
  const deleted: string[] = [];
  const kept: string[] = [];
  for (const object of objects) (keptOnRemoval(object as Record<string, unknown>) ? kept : deleted).push(objectKey(object as Record<string, unknown>));
  return { deleted, kept };
}

function tenancyReleaseChange(input: DangerInput, region: string): { objects: ObjectChange[] } | undefined {
  if (!input.synth) return undefined;
  for (const stack of stacksOfRegion(input, region)) {
    for (const change of stack.changes.changes) {
      if (change.type !== "helm_release" || change.action !== "update") continue;
      const before = releaseBody(input.synth.base.get(stack.name), change.address);
      const after = releaseBody(input.synth.head.get(stack.name), change.address);
      if (String(before?.name) !== "fastgpu-tenancy") continue;
      const diff = helmValueChanges(before?.values, after?.values);
      if (diff && "objects" in diff) return diff;
    }
  }
  return undefined;
}

function tenantDangers(input: DangerInput, region: RegionSides): Danger[] {
  const before = region.before?.tenants;
  const after = region.after?.tenants;
  const removedByFacts = before && after ? before.filter((tenant) => !after.includes(tenant)) : [];
  const release = tenancyReleaseChange(input, region.region);
  // Without facts on both sides, a removed Namespace in the release's values says the same.
  const removed = new Set(removedByFacts);
  for (const object of release?.objects ?? []) {
    const namespace = /^Namespace\/([^/]+)$/.exec(object.object);
    if (namespace && object.action === "removed") removed.add(namespace[1]);
  }
  const dangers: Danger[] = [];
  for (const tenant of [...removed].sort()) {
    let deleted: string[];
    let kept: string[];
    if (release) {
      const mine = release.objects.filter((object) => object.action === "removed" && (object.object.split("/").length === 3 ? object.object.split("/")[1] === tenant : object.object.endsWith(`/${tenant}`)));
      deleted = mine.filter((object) => !object.kept).map((object) => object.object);
      kept = mine.filter((object) => object.kept).map((object) => object.object);
    } else ({ deleted, kept } = tenantObjects(tenant));
    dangers.push({
      class: "data",
      region: region.region,
      kind: "tenant-removed",
      subject: tenant,
      field: "tenants",
      rank: 2,
      message:
        `tenant ${code(tenant)} removed: the \`fastgpu-tenancy\` release deletes ${list(deleted.map(code), 8)}: Kueue admits none of its queued jobs again and its ` +
        `admins lose their RoleBinding. It keeps ${kept.length > 0 ? list(kept.map(code), 6) : "nothing"} (\`helm.sh/resource-policy: keep\`), so the tenant's running pods, ` +
        `PVCs and Secrets stay until someone deletes the namespace; Terraform destroys the tenant's IAM role, pod identity association and access entry (its pods lose S3 access)`,
    });
  }
  return dangers;
}

const BUCKET_FIELDS: readonly { key: keyof BucketConfig; what: string }[] = [
  { key: "expireAfterDays", what: "objects older than {n} days are deleted" },
  { key: "noncurrentVersionExpireAfterDays", what: "overwritten and deleted versions older than {n} days are deleted" },
  { key: "abortIncompleteMultipartUploadAfterDays", what: "multipart uploads still open after {n} days are dropped" },
];

function bucketDangers(input: DangerInput, region: RegionSides): Danger[] {
  const dangers: Danger[] = [];
  const before = region.before?.buckets;
  const after = region.after?.buckets;
  if (before && after) {
    for (const kind of Object.keys(after).sort() as (keyof typeof after)[]) {
      const old = before[kind];
      const now = after[kind];
      if (!old || !now) continue;
      if (old.versioning && !now.versioning) {
        dangers.push({
          class: "data",
          region: region.region,
          kind: "versioning-off",
          subject: `${kind} bucket`,
          field: `buckets.${kind}.versioning`,
          rank: 3,
          message: `${kind} bucket: ${code(`buckets.${kind}.versioning`)} true -> false: Terraform destroys its \`aws_s3_bucket_versioning\`, which suspends versioning; from the apply on, an overwritten or deleted object is gone for good`,
        });
      }
      for (const { key, what } of BUCKET_FIELDS) {
        const a = old[key] as number | undefined;
        const b = now[key] as number | undefined;
        if (b === undefined || (a !== undefined && b >= a)) continue;
        if (key === "noncurrentVersionExpireAfterDays" && !now.versioning) continue;
        dangers.push({
          class: "data",
          region: region.region,
          kind: "retention-cut",
          subject: `${kind} bucket`,
          field: `buckets.${kind}.${key}`,
          rank: key === "abortIncompleteMultipartUploadAfterDays" ? 5 : 3,
          message: `${kind} bucket: ${code(`buckets.${kind}.${key}`)} ${a ?? "(none)"} -> ${b}: ${what.replace("{n}", String(b))} by the lifecycle rule within a day or two of the apply`,
        });
      }
    }
  }
  // The storage resources' own changes: what a plan says, and all an older base without bucket facts has.
  const named = new Set(dangers.map((danger) => `${danger.kind}|${danger.subject}`));
  for (const stack of stacksOfRegion(input, region.region)) {
    for (const change of stack.changes.changes) {
      const kind = bucketOfAddress(change.address) ?? change.address;
      if (change.type === "aws_s3_bucket_versioning" && change.action === "delete" && !named.has(`versioning-off|${kind} bucket`)) {
        dangers.push({ class: "data", region: region.region, kind: "versioning-off", subject: `${kind} bucket`, field: "versioning_configuration", rank: 3, message: `${kind} bucket: ${code(change.address)} destroyed, which suspends versioning; overwritten or deleted objects are gone for good` });
      }
      if (change.type === "aws_s3_bucket_lifecycle_configuration" && change.action !== "create" && !named.has(`retention-cut|${kind} bucket`) && !(before && after)) {
        const fields = fieldsOf(change).filter((path) => /expiration|noncurrent/.test(path));
        if (fields.length > 0 || change.action === "delete" || change.action === "replace") {
          dangers.push({ class: "data", region: region.region, kind: "retention-cut", subject: `${kind} bucket`, field: fields[0], rank: 4, message: `${kind} bucket: lifecycle expiration changes (${list(fields.map(code)) || change.action}); check the new retention before merging: a shorter one deletes objects` });
        }
      }
    }
  }
  return dangers;
}

function statefulDangers(input: DangerInput, superseded: ReadonlySet<string>, facts: FactsByRegion, handled: Map<string, Set<string>>): Danger[] {
  const dangers: Danger[] = [];
  for (const stack of input.stacks) {
    if (superseded.has(stack.name)) continue;
    for (const change of stack.changes.changes) {
      if (handled.get(stack.name)?.has(change.address)) continue;
      // A deposed object is the leftover of a failed replacement; destroying it is the clean-up, not a loss.
      if (change.deposed) continue;
      const reason = statefulReason(change.type);
      const destructive = change.action === "delete" || change.action === "replace" || change.likelyReplaced === true;
      if (!reason || !destructive) continue;
      const data = ["aws_s3_bucket", "aws_kms_key", "aws_cloudwatch_log_group", "aws_ecr_repository"].includes(change.type);
      const pool = poolOfAddress(change.address);
      const bucket = change.type === "aws_s3_bucket" ? bucketOfAddress(change.address) : undefined;
      const subject = pool ? `pool ${pool}` : bucket ? `${bucket} bucket` : change.address;
      const fields = fieldsOf(change);
      const verb =
        change.action === "delete"
          ? "destroyed"
          : change.action === "replace"
            ? `replaced${fields.length > 0 ? ` (${list(fields.map(code), 3)})` : ""}`
            : `likely replaced: ${list(fields.map(code), 3)} cannot change in place`;
      let impact = reason;
      if (change.type === "aws_eks_node_group") {
        impact = `EKS drains and deletes ${upTo(pool ? poolMax(facts, stack.region, pool) : undefined)} node(s); running jobs are evicted`;
        if (pool === SYSTEM_POOL_NAME) impact += "; CoreDNS, Kueue, Cluster Autoscaler and the GPU operator run there and move with it";
      }
      dangers.push({
        class: data ? "data" : "capacity",
        region: stack.region,
        kind: "stateful-destroy",
        subject,
        field: fields[0],
        rank: data ? (change.type === "aws_s3_bucket" || change.type === "aws_kms_key" ? 1 : 6) : change.type === "aws_eks_cluster" || change.type === "aws_vpc" ? 0 : 3,
        message: `${pool || bucket ? `${subject}: ` : ""}${code(change.address)} ${verb}: ${impact}`,
      });
    }
  }
  return dangers;
}

function kubernetesDangers(input: DangerInput, region: RegionSides): Danger[] {
  const { before, after } = region;
  if (!before || !after || before.kubernetesVersion === after.kubernetesVersion) return [];
  const from = minor(before.kubernetesVersion);
  const to = minor(after.kubernetesVersion);
  const field = "kubernetesVersion";
  const change = `${code(field)} ${before.kubernetesVersion} -> ${after.kubernetesVersion}`;
  if (from === undefined || to === undefined) return [];
  if (to < from) {
    return [{ class: "capacity", region: region.region, kind: "k8s-downgrade", subject: "cluster", field, rank: 0, message: `${change}: EKS cannot downgrade a cluster; the apply fails. Revert the version` }];
  }
  if (to > from + 1) {
    return [{ class: "capacity", region: region.region, kind: "k8s-skip", subject: "cluster", field, rank: 0, message: `${change}: EKS upgrades one minor version at a time; the apply fails. Go through 1.${from + 1} first` }];
  }
  const pools = [
    ...after.gpuPools.map((pool) => `${code(pool.name)} up to ${pool.maxSize}`),
    `${code(SYSTEM_POOL_NAME)} up to ${after.systemPool.maxSize}`,
  ];
  const infra = input.synth?.head.get(infraStackName(region.region));
  const addons = Object.values(infra?.resource?.aws_eks_addon ?? {}).map((addon) => String(addon.addon_name)).sort();
  return [
    {
      class: "capacity",
      region: region.region,
      kind: "k8s-upgrade",
      subject: "cluster",
      field,
      rank: 1,
      message:
        `${change}: the control plane upgrades (irreversible: EKS cannot downgrade), then every node group rolls onto the new AMI one node at a time ` +
        `(maxUnavailable 1; running jobs on each node are drained): ${list(pools, 12)} node(s); ` +
        `${addons.length > 0 ? `the managed add-ons ${list(addons.map(code))} move` : "every EKS managed add-on moves"} to the new version's default`,
    },
  ];
}

/** Objects a plan stops managing without destroying them (`removed { destroy = false }`): orphans. */
function forgetDangers(input: DangerInput, superseded: ReadonlySet<string>): Danger[] {
  return input.stacks.flatMap((stack) =>
    superseded.has(stack.name)
      ? []
      : (stack.changes.notes ?? [])
          .filter((note) => note.kind === "forget")
          .map((note) => ({
            class: "data" as const,
            region: stack.region,
            kind: "forgotten",
            subject: note.address,
            rank: statefulReason(note.type) ? 1 : 5,
            message: `${code(note.address)}: ${note.terraform.join("; ") || "removed from state"}: nothing destroys it, so it keeps running and billing with nothing managing it${statefulReason(note.type) ? ` (${statefulReason(note.type)})` : ""}`,
          })),
  );
}

/** Launch-template changes roll a pool's nodes: the node group follows the template's latest version. */
function rolloutDangers(input: DangerInput, superseded: ReadonlySet<string>, facts: FactsByRegion): Danger[] {
  const byPool = new Map<string, { region: string; pool: string; fields: Set<string>; address: string }>();
  for (const stack of input.stacks) {
    if (superseded.has(stack.name)) continue;
    for (const change of stack.changes.changes) {
      if (change.type !== "aws_launch_template" || (change.action !== "update" && change.action !== "replace")) continue;
      const pool = poolOfAddress(change.address);
      if (!pool) continue;
      const key = `${stack.region}/${pool}`;
      const entry = byPool.get(key) ?? { region: stack.region, pool, fields: new Set<string>(), address: change.address };
      for (const field of fieldsOf(change)) entry.fields.add(field.replace(/\[\d+\]/g, "[]").replace(/^(tag_specifications\[\]\.tags)\..*$/, "$1"));
      byPool.set(key, entry);
    }
  }
  return [...byPool.values()].map(({ region, pool, fields, address }) => {
    const max = poolMax(facts, region, pool);
    return {
      class: "capacity" as const,
      region,
      kind: "rollout",
      subject: `pool ${pool}`,
      field: [...fields][0],
      rank: 2,
      message: `pool ${code(pool)}: its launch template changes (${list([...fields].sort().map(code), 4) || code(address)}): EKS rolls ${upTo(max)} node(s) of the pool onto the new template version, one at a time (maxUnavailable 1), draining the jobs on each`,
    };
  });
}

function scalingDangers(region: RegionSides): Danger[] {
  const { before, after } = region;
  if (!before || !after) return [];
  const cluster = after.fleet ? clusterName(after.fleet.name, region.region) : `<cluster>`;
  const dangers: Danger[] = [];
  const pools = [
    ...after.gpuPools.map((pool) => ({ name: pool.name, now: pool, old: before.gpuPools.find((candidate) => candidate.name === pool.name) })),
    { name: SYSTEM_POOL_NAME, now: after.systemPool, old: before.systemPool },
  ];
  for (const { name, now, old } of pools) {
    if (!old) continue;
    const group = after.fleet ? nodeGroupName(after.fleet.name, name) : `<node group of ${name}>`;
    if (now.minSize > old.minSize) {
      dangers.push({
        class: "capacity",
        region: region.region,
        kind: "min-above-desired",
        subject: `pool ${name}`,
        field: "minSize",
        rank: 1,
        message:
          `pool ${code(name)}: ${code("minSize")} ${old.minSize} -> ${now.minSize}: the apply fails unless the node group already runs ${now.minSize} or more nodes. ` +
          `Terraform leaves \`desired_size\` to Cluster Autoscaler (\`ignore_changes\`, constructs/node-pool.ts) and EKS rejects a minimum above the desired size ` +
          `("Minimum capacity ${now.minSize} can't be greater than desired size"). Raise it first: ` +
          `\`aws eks update-nodegroup-config --cluster-name ${cluster} --nodegroup-name ${group} --scaling-config minSize=${old.minSize},maxSize=${Math.max(old.maxSize, now.minSize)},desiredSize=${now.minSize}\``,
      });
    }
    if (now.maxSize < old.maxSize) {
      dangers.push({
        class: "capacity",
        region: region.region,
        kind: "max-below-desired",
        subject: `pool ${name}`,
        field: "maxSize",
        rank: 4,
        message: `pool ${code(name)}: ${code("maxSize")} ${old.maxSize} -> ${now.maxSize}: the apply fails if the group runs more than ${now.maxSize} node(s) then (EKS rejects a maximum below the desired size); scale it down first`,
      });
    }
  }
  return dangers;
}

function cidrDangers(input: DangerInput, region: RegionSides, handled: Map<string, Set<string>>): Danger[] {
  const { before, after } = region;
  if (!before?.vpcCidr || !after?.vpcCidr || before.vpcCidr === after.vpcCidr) return [];
  const infra = infraStackName(region.region);
  const json = input.synth?.head.get(infra);
  const mine = handled.get(infra) ?? new Set<string>();
  handled.set(infra, mine);
  // The VPC's own change is this danger; so is every replacement that follows from it.
  for (const change of input.stacks.find((stack) => stack.name === infra)?.changes.changes ?? []) if (change.type === "aws_vpc") mine.add(change.address);
  let dependents: string;
  if (json) {
    const vpc = Object.keys(json.resource?.aws_vpc ?? {}).map((name) => `aws_vpc.${name}`);
    const { replaced, updated } = followReferences(json, vpc);
    for (const address of [...vpc, ...replaced.keys()]) mine.add(address);
    dependents = `through references it also replaces ${describeAddresses([...replaced.keys()])}${updated.size > 0 ? ` and updates ${updated.size} more` : ""}`;
  } else {
    dependents = "it also replaces the subnets, NAT gateways, route tables, endpoints and security group in it, and every node group (`subnet_ids`)";
  }
  return [
    {
      class: "capacity",
      region: region.region,
      kind: "cidr-change",
      subject: "VPC",
      field: "vpcCidr",
      rank: 0,
      message:
        `${code("vpcCidr")} ${before.vpcCidr} -> ${after.vpcCidr}: the VPC is replaced (\`cidr_block\` cannot change in place); ${dependents}. ` +
        `The EKS cluster cannot move to another VPC, so it is replaced too, with every workload, and the platform stack installs everything anew. Buckets are not in the VPC and stay`,
    },
  ];
}

/** Dependents that follow a replacement without being worth a line of their own. */
const TRIVIAL_DEPENDENTS = new Set(["aws_autoscaling_group_tag", "aws_route_table_association", "aws_route"]);

/** Synth-diff replacements followed through references (a plan already says this itself). */
function referenceDangers(input: DangerInput, superseded: ReadonlySet<string>, handled: Map<string, Set<string>>): Danger[] {
  if (!input.synth) return [];
  const dangers: Danger[] = [];
  for (const stack of input.stacks) {
    if (stack.changes.source !== "synth" || superseded.has(stack.name)) continue;
    const skip = handled.get(stack.name) ?? new Set<string>();
    const seeds = stack.changes.changes.filter((change) => (change.action === "replace" || change.likelyReplaced) && !skip.has(change.address)).map((change) => change.address);
    if (seeds.length === 0) continue;
    const json = input.synth.head.get(stack.name);
    const flagged = new Set(stack.changes.changes.filter((change) => change.action === "replace" || change.likelyReplaced).map((change) => change.address));
    for (const seed of seeds) {
      const { replaced } = followReferences(json, [seed]);
      const hidden = [...replaced.keys()].filter((address) => !flagged.has(address) && !TRIVIAL_DEPENDENTS.has(address.slice(0, address.indexOf("."))));
      if (hidden.length === 0) continue;
      dangers.push({
        class: "capacity",
        region: stack.region,
        kind: "replaced-by-reference",
        subject: poolOfAddress(seed) ? `pool ${poolOfAddress(seed)}` : seed,
        rank: 3,
        message: `${code(seed)} is replaced, so through references ${describeAddresses(hidden)} ${hidden.length === 1 ? "is" : "are"} replaced too (${list(hidden.map((address) => `${code(address)} via ${code(replaced.get(address)!.split(" -> ")[0])}`), 3)})`,
      });
    }
  }
  return dangers;
}

function poolDangers(region: RegionSides): Danger[] {
  const { before, after } = region;
  if (!after) return [];
  const dangers: Danger[] = [];
  const oldModels = poolModels(before);
  const newModels = poolModels(after);
  for (const pool of after.gpuPools) {
    const old = before?.gpuPools.find((candidate) => candidate.name === pool.name);
    if (pool.capacityType === "spot" && isTrainingPool(pool) && !(old && old.capacityType === "spot" && isTrainingPool(old))) {
      dangers.push({
        class: "capacity",
        region: region.region,
        kind: "spot-training",
        subject: `pool ${pool.name}`,
        field: "capacityType",
        rank: 2,
        message: `pool ${code(pool.name)} (${pool.instanceType}) is a training pool on Spot: AWS reclaims a Spot node with a two-minute notice, and a multi-node job then stops on every node and restarts from its last checkpoint${/^p[456]/.test(pool.instanceType) ? "; P-family Spot capacity is often not there at all" : ""}`,
      });
    }
    if (pool.capacityType === "capacity-block" && (!old || old.capacityType !== "capacity-block" || old.capacityReservationId !== pool.capacityReservationId)) {
      dangers.push({
        class: "cost",
        region: region.region,
        kind: "capacity-block",
        subject: `pool ${pool.name}`,
        field: "capacityReservationId",
        rank: 2,
        message: `pool ${code(pool.name)} runs in Capacity Block ${code(pool.capacityReservationId ?? "(no reservation id)")}: committed spend, paid up front when the block was bought (not in the monthly totals); its dates, instance count and fee are not in the config, and the nodes stop when the block ends`,
      });
    }
    if (!old) continue;
    const a = oldModels?.find((model) => model.pool.name === pool.name);
    const b = newModels?.find((model) => model.pool.name === pool.name);
    if (!a || !b) continue;
    const lost = Object.keys(a.advertisedPerNode).filter((name) => !(name in b.advertisedPerNode));
    const unitChanged = a.sharing.quotaUnit.plural !== b.sharing.quotaUnit.plural || a.sharing.quotaUnitsPerNode !== b.sharing.quotaUnitsPerNode;
    if (!unitChanged && lost.length > 0) {
      dangers.push({
        class: "capacity",
        region: region.region,
        kind: "resources-removed",
        subject: `pool ${pool.name}`,
        field: "sharing",
        rank: 3,
        message: `pool ${code(pool.name)}: sharing ${a.sharing.summary} -> ${b.sharing.summary}: its nodes stop advertising ${list(lost.map(code))}, so jobs that request ${lost.length === 1 ? "it" : "them"} can no longer land on the pool`,
      });
    }
    if (unitChanged) {
      const quotas = after.quotas ? resolveTenantQuotas(after.quotas).filter((quota) => quota.pool === pool.name) : [];
      const oldQuotas = before?.quotas ? resolveTenantQuotas(before.quotas).filter((quota) => quota.pool === pool.name) : [];
      const guarantees = quotas.map((quota) => {
        const was = oldQuotas.find((candidate) => candidate.tenant === quota.tenant);
        const gpus = (model: PoolModel, units: number) => Math.round(((units * model.physicalGpusPerNode) / model.sharing.quotaUnitsPerNode) * 1000) / 1000;
        return `${quota.tenant} ${was ? `${gpus(a, was.nominal)} -> ` : ""}${gpus(b, quota.nominal)} GPUs`;
      });
      dangers.push({
        class: "capacity",
        region: region.region,
        kind: "quota-unit-changed",
        subject: `pool ${pool.name}`,
        field: "sharing",
        rank: 3,
        message:
          `pool ${code(pool.name)}: sharing ${a.sharing.summary} -> ${b.sharing.summary}: a quota unit is now ${b.sharing.quotaUnit.meaning} (${b.sharing.quotaUnitsPerNode} per node, was ${a.sharing.quotaUnitsPerNode} ${a.sharing.quotaUnit.plural}); ` +
          `the same quota numbers now guarantee ${guarantees.length > 0 ? list(guarantees, 6) : "different physical GPUs"}` +
          (lost.length > 0 ? `; jobs requesting ${list(lost.map(code))} can no longer land on the pool` : ""),
      });
    }
  }
  if (before && before.natGateways === "one-per-az" && after.natGateways === "single") {
    dangers.push({
      class: "capacity",
      region: region.region,
      kind: "nat-single",
      subject: "NAT gateways",
      field: "natGateways",
      rank: 5,
      message: `${code("natGateways")} one-per-az -> single: two NAT gateways and their public IPs are destroyed; an outage of the remaining gateway's AZ cuts egress for the whole region, and egress IPs that allowlists know change`,
    });
  }
  return dangers;
}

function quotaDangers(region: RegionSides): Danger[] {
  const { before, after } = region;
  if (!before?.quotas || !after?.quotas) return [];
  const oldModels = poolModels(before);
  const newModels = poolModels(after);
  if (!oldModels || !newModels) return [];
  const dangers: Danger[] = [];
  const old = resolveTenantQuotas(before.quotas);
  for (const quota of resolveTenantQuotas(after.quotas)) {
    const was = old.find((candidate) => candidate.tenant === quota.tenant && candidate.pool === quota.pool);
    const a = oldModels.find((model) => model.pool.name === quota.pool);
    const b = newModels.find((model) => model.pool.name === quota.pool);
    if (!was || !a || !b || a.sharing.summary !== b.sharing.summary) continue; // a sharing change is reported with the pool
    if (quota.nominal >= was.nominal) continue;
    const gpus = (model: PoolModel, units: number) => Math.round(((units * model.physicalGpusPerNode) / model.sharing.quotaUnitsPerNode) * 1000) / 1000;
    dangers.push({
      class: "capacity",
      region: region.region,
      kind: "quota-cut",
      subject: `tenant ${quota.tenant}`,
      field: `quotas.${quota.tenant}.${quota.pool}`,
      rank: 4,
      message: `tenant ${code(quota.tenant)} on ${code(quota.pool)}: quota ${was.nominal} -> ${quota.nominal} ${b.sharing.quotaUnit.plural} (${gpus(a, was.nominal)} -> ${gpus(b, quota.nominal)} guaranteed GPUs); running jobs above the new quota can be preempted when others reclaim`,
    });
  }
  return dangers;
}

/** A region's cost moving by at least this much is named as a danger (the cost section shows every change). */
const COST_DANGER = { minUsd: 1_000, maxUsd: 10_000, maxShare: 0.2 } as const;

function costDangers(region: RegionSides, unmanaged: boolean, moved: boolean): Danger[] {
  if (unmanaged || moved) return [];
  const before = factsCost(region.before);
  const after = factsCost(region.after);
  if (region.beforeAbsent && after) {
    return [{ class: "cost", region: region.region, kind: "region-added", subject: "region", rank: 1, message: `new region: a cluster, its node pools and buckets are created; +${range(after)} per month (at min-max size)` }];
  }
  if (!before || !after) return [];
  const dangers: Danger[] = [];
  const minDelta = after.min - before.min;
  const maxDelta = after.max - before.max;
  const share = before.max > 0 ? maxDelta / before.max : Infinity;
  const percent = (delta: number, base: number) => (base > 0 ? ` (${delta >= 0 ? "+" : ""}${((delta / base) * 100).toFixed(0)}%)` : "");
  if (minDelta >= COST_DANGER.minUsd) {
    dangers.push({ class: "cost", region: region.region, kind: "cost-floor", subject: "region", rank: 0, message: `always-on cost (at min size) rises by ${usd(minDelta)}${percent(minDelta, before.min)} per month, to ${usd(after.min)}: paid whether or not anything runs` });
  }
  if (maxDelta >= COST_DANGER.maxUsd && share >= COST_DANGER.maxShare) {
    dangers.push({ class: "cost", region: region.region, kind: "cost-ceiling", subject: "region", rank: 1, message: `cost at max size rises by ${usd(maxDelta)}${percent(maxDelta, before.max)} per month, to ${usd(after.max)}` });
  }
  return dangers;
}

// --- all of them -----------------------------------------------------------------------------------------

function order(a: Danger, b: Danger): number {
  const cls = DANGER_CLASSES.indexOf(a.class) - DANGER_CLASSES.indexOf(b.class);
  if (cls !== 0) return cls;
  if (a.region !== b.region) return a.region < b.region ? -1 : 1;
  if (a.rank !== b.rank) return a.rank - b.rank;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/** Every danger of the change, ordered data -> capacity -> cost, then by region, then by rank. */
export function classifyDangers(input: DangerInput): Danger[] {
  const dangers: Danger[] = [];
  const superseded = new Set<string>();
  const facts: FactsByRegion = new Map();
  const regionNames = [...new Set([...input.regions.map((region) => region.region), ...input.stacks.map((stack) => stack.region).filter(Boolean)])].sort();
  const handled = new Map<string, Set<string>>();
  for (const name of regionNames) {
    const preview = input.regions.find((region) => region.region === name) ?? { region: name, before: { absent: true as const }, after: { absent: true as const } };
    const region = sides(preview);
    facts.set(name, { before: region.before, after: region.after });
    const removed = regionRemoved(input, region);
    const moved = removed ? undefined : stateMoves(input, region);
    if (removed) {
      for (const stack of removed) superseded.add(stack.name);
      const cost = factsCost(region.before);
      const names = removed.map((stack) => stack.name).sort((a, b) => (a.includes("platform") ? -1 : b.includes("platform") ? 1 : 0));
      dangers.push({
        class: "data",
        region: name,
        kind: "region-unmanaged",
        subject: "region",
        rank: 0,
        message:
          `region removed from the config: no longer managed — destroy its stacks before merging. Merging drops ${list(names.map(code))} from the app; ` +
          `nothing is destroyed: the cluster, node pools, buckets and keys keep running and billing (${range(cost)} per month, at min-max size) with nothing managing them, ` +
          `and \`cdktf destroy\` can no longer target them. Run \`npx cdktf destroy ${[platformStackName(name), infraStackName(name)].filter((stack) => names.includes(stack)).join(" ")}\` ` +
          `on the base branch first. The preview's totals drop by ${range(cost)}; the bill does not until they are destroyed`,
      });
    }
    if (moved) {
      for (const stack of moved.stacks) superseded.add(stack);
      const old = factsCost(region.before);
      const now = factsCost(region.after);
      const both = old && now ? { min: old.min + now.min, max: old.max + now.max } : undefined;
      dangers.push({
        class: "data",
        region: name,
        kind: "state-moved",
        subject: "state backend",
        field: "name / state",
        rank: 0,
        message:
          `state moves for ${list(moved.stacks.map(code))}: ${moved.from} -> ${moved.to}. Terraform starts from empty state, so the apply builds a second copy of the region ` +
          `(cluster, node pools, buckets, keys) beside the first, and the first keeps running, unmanaged. Cost of both: ${range(old)} (old, still running) + ${range(now)} (new) = ${range(both)} per month. ` +
          `Move the state first (copy the state objects to the new keys, or \`terraform init -migrate-state\` per stack), or keep the old name and bucket`,
      });
    }
    if (!removed) {
      dangers.push(...tenantDangers(input, region), ...bucketDangers(input, region));
      if (!moved) {
        dangers.push(...kubernetesDangers(input, region), ...scalingDangers(region), ...cidrDangers(input, region, handled), ...poolDangers(region), ...quotaDangers(region));
      }
    }
    dangers.push(...costDangers(region, removed !== undefined, moved !== undefined));
  }
  dangers.push(...statefulDangers(input, superseded, facts, handled), ...forgetDangers(input, superseded), ...rolloutDangers(input, superseded, facts), ...referenceDangers(input, superseded, handled));
  // The same resource named twice (a bucket fact and its versioning resource, say) reads as one.
  const seen = new Set<string>();
  return dangers
    .filter((danger) => {
      const key = `${danger.class}|${danger.region}|${danger.kind}|${danger.subject}|${danger.field ?? ""}|${danger.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort(order);
}

/** Danger counts by class, for the comment's machine-readable line and the PR label. */
export function dangerCounts(dangers: readonly Danger[]): Record<DangerClass, number> {
  return Object.fromEntries(DANGER_CLASSES.map((cls) => [cls, dangers.filter((danger) => danger.class === cls).length])) as Record<DangerClass, number>;
}
