/**
 * What changes in one stack, from either Terraform's plan JSON (`terraform show -json plan`) or, without
 * credentials, a resource-level diff of two synth outputs.
 */
import { InputError, type TerraformJson } from "./synth-output";

export type ChangeAction = "create" | "update" | "replace" | "delete";

export interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly action: ChangeAction;
  /** Attribute paths that differ (synth diff), or Terraform's replace_paths (plan). */
  readonly paths: readonly string[];
  /** Synth diff only: the change touches an attribute the provider cannot update in place. */
  readonly likelyReplaced?: boolean;
}

export interface StackChanges {
  readonly source: "plan" | "synth";
  readonly changes: readonly ResourceChange[];
  /** Terraform's own summary line (plan), or ours for a synth diff. */
  readonly summary: string;
}

/**
 * Attributes whose change makes the AWS provider replace the resource (ForceNew), for the resource types
 * FastGPU creates. Used to warn in synth-diff mode, where no plan says so.
 */
const FORCE_NEW: Readonly<Record<string, readonly string[]>> = {
  aws_s3_bucket: ["bucket"],
  aws_eks_cluster: ["name"],
  aws_eks_node_group: ["node_group_name", "instance_types", "capacity_type", "ami_type", "subnet_ids", "node_role_arn"],
  aws_ecr_repository: ["name"],
  aws_vpc: ["cidr_block"],
  aws_subnet: ["cidr_block", "availability_zone", "vpc_id"],
  aws_cloudwatch_log_group: ["name"],
  aws_launch_template: ["name"],
  aws_iam_role: ["name"],
  aws_kms_alias: ["name"],
  helm_release: ["name", "namespace"],
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Dotted paths where two JSON values differ (`scaling_config.max_size`, `values[0]`). */
export function differingPaths(before: unknown, after: unknown, prefix = ""): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((key) => key !== "//").sort();
    return keys.flatMap((key) => differingPaths(before[key], after[key], prefix ? `${prefix}.${key}` : key));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, index) => differingPaths(item, after[index], `${prefix}[${index}]`));
  }
  return [prefix || "(whole resource)"];
}

function resources(json: TerraformJson | undefined): Map<string, { type: string; body: Record<string, unknown> }> {
  const out = new Map<string, { type: string; body: Record<string, unknown> }>();
  for (const [type, byName] of Object.entries(json?.resource ?? {})) {
    for (const [name, body] of Object.entries(byName)) out.set(`${type}.${name}`, { type, body });
  }
  return out;
}

export function synthDiff(base: TerraformJson | undefined, head: TerraformJson | undefined): StackChanges {
  const before = resources(base);
  const after = resources(head);
  const changes: ResourceChange[] = [];
  for (const [address, { type, body }] of after) {
    const previous = before.get(address);
    if (!previous) {
      changes.push({ address, type, action: "create", paths: [] });
      continue;
    }
    const paths = differingPaths(previous.body, body);
    if (paths.length === 0) continue;
    const forceNew = FORCE_NEW[type] ?? [];
    const likelyReplaced = paths.some((p) => forceNew.some((attribute) => p === attribute || p.startsWith(`${attribute}.`) || p.startsWith(`${attribute}[`)));
    changes.push({ address, type, action: "update", paths, likelyReplaced });
  }
  for (const [address, { type }] of before) if (!after.has(address)) changes.push({ address, type, action: "delete", paths: [] });
  changes.sort((a, b) => a.address.localeCompare(b.address));
  const count = (action: ChangeAction) => changes.filter((change) => change.action === action).length;
  const summary =
    changes.length === 0
      ? "No resource changes in the synthesized configuration."
      : `Synth diff: ${count("create")} added, ${count("update")} changed, ${count("delete")} removed.`;
  return { source: "synth", changes, summary };
}

interface PlanResourceChange {
  address?: unknown;
  type?: unknown;
  mode?: unknown;
  change?: { actions?: unknown; replace_paths?: unknown };
}

function actionOf(actions: readonly string[]): ChangeAction | undefined {
  const key = actions.join(",");
  if (key === "create") return "create";
  if (key === "update") return "update";
  if (key === "delete") return "delete";
  if (key === "delete,create" || key === "create,delete") return "replace";
  return undefined; // no-op, read
}

/** Parses `terraform show -json <planfile>` output; `origin` names the file in errors. */
export function planChanges(text: string, origin: string): StackChanges {
  let plan: { format_version?: unknown; resource_changes?: unknown };
  try {
    plan = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${origin}: not valid JSON (${(error as Error).message}); pass the output of \`terraform show -json <planfile>\``);
  }
  if (!isRecord(plan) || typeof plan.format_version !== "string") {
    throw new InputError(`${origin}: not a Terraform plan in JSON (no format_version); pass the output of \`terraform show -json <planfile>\``);
  }
  if (!/^1\./.test(plan.format_version)) {
    throw new InputError(`${origin}: plan format_version ${plan.format_version} is not supported (expected 1.x)`);
  }
  if (plan.resource_changes !== undefined && !Array.isArray(plan.resource_changes)) {
    throw new InputError(`${origin}: resource_changes is not a list; is this a plan rather than state (\`terraform show -json\` of a plan file)?`);
  }
  const changes: ResourceChange[] = [];
  for (const entry of (plan.resource_changes ?? []) as PlanResourceChange[]) {
    if (entry.mode === "data") continue;
    const actions = entry.change?.actions;
    if (typeof entry.address !== "string" || !Array.isArray(actions)) {
      throw new InputError(`${origin}: a resource change without address or actions; the file is not a complete plan JSON`);
    }
    const action = actionOf(actions as string[]);
    if (!action) continue;
    const replacePaths = Array.isArray(entry.change?.replace_paths)
      ? (entry.change!.replace_paths as unknown[][]).map((segments) => segments.map(String).join("."))
      : [];
    changes.push({ address: entry.address, type: String(entry.type ?? entry.address.split(".")[0]), action, paths: replacePaths });
  }
  const count = (action: ChangeAction) => changes.filter((change) => change.action === action).length;
  const add = count("create") + count("replace");
  const change = count("update");
  const destroy = count("delete") + count("replace");
  const summary =
    add + change + destroy === 0
      ? "No changes. Your infrastructure matches the configuration."
      : `Plan: ${add} to add, ${change} to change, ${destroy} to destroy.`;
  return { source: "plan", changes, summary };
}
