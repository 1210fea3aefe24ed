/**
 * What changes in one stack, from either Terraform's plan JSON (`terraform show -json plan`) or, without
 * credentials, a resource-level diff of two synth outputs.
 */
import { InputError, isRecord, jsonKind, jsonPath, parseJsonText, type TerraformJson } from "./synth-output";

export type ChangeAction = "create" | "update" | "replace" | "delete";

export interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly action: ChangeAction;
  /** Attribute paths that differ (synth diff), or Terraform's replace_paths (plan). */
  readonly paths: readonly string[];
  /** Synth diff only: the change touches an attribute the provider cannot update in place. */
  readonly likelyReplaced?: boolean;
  /**
   * Plan only: what Terraform's own plan output says of this change, its comment lines without the `# `:
   * `terraform_data.r (deposed object 65b2c137) will be destroyed`, `(left over from a partially-failed
   * replacement of this instance)`, `(moved from terraform_data.a)`, `(imported from "i-0abc")`.
   */
  readonly terraform?: readonly string[];
  /** Plan only: the deposed object's key; the change is to that object, not to the current one at `address`. */
  readonly deposed?: string;
  /** Plan only: the address the object had before a `moved` block. */
  readonly previousAddress?: string;
  /** Plan only: the object is imported first (`import` block), with this ID. */
  readonly importId?: string;
}

/**
 * Plan only: an object Terraform does not create, update, replace or destroy, but moves to a new address,
 * imports as it is, or stops managing (`forget`: a `removed` block with `destroy = false`; the object keeps
 * running and billing, and nothing manages it).
 */
export interface PlanNote {
  readonly address: string;
  readonly type: string;
  readonly kind: "moved" | "imported" | "forget";
  /** Terraform's own words, as in `ResourceChange.terraform`. */
  readonly terraform: readonly string[];
}

export interface StackChanges {
  readonly source: "plan" | "synth";
  readonly changes: readonly ResourceChange[];
  /** Terraform's own summary line (plan), or ours for a synth diff. */
  readonly summary: string;
  /** Plan only: moves, imports without other changes and forgets, in plan order. */
  readonly notes?: readonly PlanNote[];
  /** Plan only: what Terraform warns of besides its summary line, in its words (objects it will forget). */
  readonly warnings?: readonly string[];
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

/** The resources of a stack; a stack read by `readSynthOutput` has the shape, anything else is skipped, not read. */
function resources(json: TerraformJson | undefined): Map<string, { type: string; body: Record<string, unknown> }> {
  const out = new Map<string, { type: string; body: Record<string, unknown> }>();
  const byType: unknown = json?.resource;
  if (!isRecord(byType)) return out;
  for (const [type, byName] of Object.entries(byType)) {
    if (!isRecord(byName)) continue;
    for (const [name, body] of Object.entries(byName)) if (isRecord(body)) out.set(`${type}.${name}`, { type, body });
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


const PLAN_HINT = "pass the output of `terraform show -json <planfile>`";

/** Terraform's actions lists (internal/command/jsonplan: UnmarshalActions), joined with commas. */
type PlanAction = "no-op" | "create" | "read" | "update" | "delete,create" | "create,delete" | "delete" | "forget" | "create,forget" | "open";
const PLAN_ACTIONS: ReadonlySet<string> = new Set<PlanAction>(["no-op", "create", "read", "update", "delete,create", "create,delete", "delete", "forget", "create,forget", "open"]);
const ACTION_OF: Partial<Record<PlanAction, ChangeAction>> = {
  create: "create",
  update: "update",
  "delete,create": "replace",
  "create,delete": "replace",
  delete: "delete",
  // A replacement whose old object is forgotten, not destroyed: one object added, none destroyed.
  "create,forget": "create",
};

/** One entry of `resource_changes`, checked. */
interface PlanEntry {
  readonly address: string;
  readonly type: string;
  readonly name?: string;
  readonly mode: "managed" | "data" | "ephemeral";
  readonly action: PlanAction;
  readonly replacePaths: readonly string[];
  readonly previousAddress?: string;
  readonly deposed?: string;
  readonly importing?: { readonly id?: string };
  readonly generatedConfig: boolean;
  readonly actionReason?: string;
  readonly index?: unknown;
  readonly moduleAddress?: string;
}

/**
 * Parses `terraform show -json <planfile>` output; `origin` names the file in errors. Refused, with an
 * `InputError` naming the file and the JSON path: anything that is not JSON of a plan (state from `terraform
 * show -json` without a plan file included), a plan that errored or is incomplete, entries of the wrong shape
 * and actions this code does not know. Moves, imports, forgets and deposed objects get Terraform's own words,
 * and the summary is the line Terraform prints under its plan.
 */
export function planChanges(text: string, origin: string): StackChanges {
  const plan = parseJsonText(text, origin, PLAN_HINT);
  if (!isRecord(plan)) throw new InputError(`${origin}: not a Terraform plan in JSON (found ${jsonKind(plan)}, not an object); ${PLAN_HINT}`);
  if (typeof plan.format_version !== "string") {
    throw new InputError(`${origin}: not a Terraform plan in JSON (no format_version); ${PLAN_HINT}`);
  }
  if (!/^1\./.test(plan.format_version)) {
    throw new InputError(`${origin}: plan format_version ${plan.format_version} is not supported (expected 1.x)`);
  }
  const bad = (where: string, expected: string, found: unknown): InputError => new InputError(`${origin}: ${where}: expected ${expected}; found ${jsonKind(found)}`);
  if (plan.planned_values === undefined && plan.resource_changes === undefined) {
    const onlyVersions = Object.keys(plan).every((key) => key === "format_version" || key === "terraform_version");
    if (plan.values !== undefined || onlyVersions) {
      throw new InputError(
        `${origin}: Terraform state, not a plan: it has ${plan.values !== undefined ? '"values"' : "no resources"} and no "planned_values" or "resource_changes" ` +
          "(`terraform show -json` without a plan file shows the state); run `terraform plan -out=<planfile>` and pass `terraform show -json <planfile>`",
      );
    }
    throw new InputError(`${origin}: not a Terraform plan: no "planned_values" or "resource_changes"; ${PLAN_HINT}`);
  }
  if (plan.planned_values !== undefined && !isRecord(plan.planned_values)) throw bad("planned_values", "an object", plan.planned_values);
  for (const flag of ["errored", "complete", "applyable"] as const) {
    if (plan[flag] !== undefined && typeof plan[flag] !== "boolean") throw bad(flag, "true or false", plan[flag]);
  }
  // OpenTofu's plan JSON has no applyable/complete (Terraform's has since 1.8), and OpenTofu words a few
  // things its own way; the versions README supports (>= 1.10) tell them apart by that. Without `complete`,
  // OpenTofu's JSON does not say that a plan was made with -target: such a plan cannot be told from a whole one.
  const tofu = plan.applyable === undefined && plan.complete === undefined;
  const tool = tofu ? "OpenTofu" : "Terraform";
  if (plan.errored === true) {
    throw new InputError(
      `${origin}: Cannot apply incomplete plan: ${tool} encountered an error when generating this plan, so it cannot be applied (errored: true), ` +
        `and it may not show every change; fix the error \`${tofu ? "tofu" : "terraform"} plan\` printed and plan again`,
    );
  }
  if (plan.complete === false) {
    const deferred = Array.isArray(plan.deferred_changes) && plan.deferred_changes.length > 0;
    throw new InputError(
      `${origin}: an incomplete plan (complete: false): ` +
        (deferred
          ? "This is a partial plan, parts can only be known in the next plan / apply cycle (changes were deferred); "
          : "the result of this plan may not represent all of the changes requested by the current configuration (a plan made with -target); ") +
        "plan the whole configuration and pass that",
    );
  }
  if (plan.resource_changes !== undefined && !Array.isArray(plan.resource_changes)) {
    throw new InputError(`${origin}: resource_changes is not a list (found ${jsonKind(plan.resource_changes)}); is this a plan rather than state (\`terraform show -json\` of a plan file)?`);
  }

  const entries = ((plan.resource_changes as unknown[] | undefined) ?? []).map((entry, index) => planEntry(entry, `resource_changes[${index}]`, origin, bad));
  const changes: ResourceChange[] = [];
  const notes: PlanNote[] = [];
  const forgotten: string[] = [];
  const counts = new Map<PlanAction, number>();
  let shown = 0;
  let importing = 0;
  for (const entry of entries) {
    // What Terraform's plan renderer lists and counts (internal/command/jsonformat/plan.go renderHuman).
    if (entry.mode === "ephemeral") continue;
    const moved = entry.previousAddress !== undefined && entry.previousAddress !== entry.address;
    if (entry.action === "no-op" && !moved && !entry.importing) continue;
    if (entry.action === "delete" && entry.mode !== "managed") continue;
    shown++;
    if (entry.importing) importing++;
    if (entry.action !== "no-op") counts.set(entry.action, (counts.get(entry.action) ?? 0) + 1);
    if (entry.mode !== "managed") continue; // data sources read during apply: nothing changes
    const terraform = terraformWords(entry, tool);
    const action = ACTION_OF[entry.action];
    if (entry.action === "forget" || entry.action === "create,forget") forgotten.push(entry.deposed ? `${entry.address} (deposed object ${entry.deposed})` : entry.address);
    if (action) {
      changes.push({
        address: entry.address,
        type: entry.type,
        action,
        paths: entry.replacePaths,
        terraform,
        ...(entry.deposed ? { deposed: entry.deposed } : {}),
        ...(moved ? { previousAddress: entry.previousAddress } : {}),
        ...(entry.importing ? { importId: entry.importing.id ?? "" } : {}),
      });
    } else {
      notes.push({ address: entry.address, type: entry.type, kind: entry.action === "forget" ? "forget" : moved ? "moved" : "imported", terraform });
    }
  }

  const count = (...actions: PlanAction[]) => actions.reduce((sum, action) => sum + (counts.get(action) ?? 0), 0);
  const add = count("create", "delete,create", "create,delete", "create,forget");
  const change = count("update");
  const destroy = count("delete", "delete,create", "create,delete");
  const outputs = changedOutputs(plan.output_changes, bad);
  const invocations = Array.isArray(plan.action_invocations) ? plan.action_invocations.length : 0;
  let summary: string;
  if (shown === 0 && invocations === 0) {
    summary =
      outputs.length === 0
        ? "No changes. Your infrastructure matches the configuration."
        : `Changes to Outputs: ${outputs.join(", ")}. You can apply this plan to save these new output values to the ${tool} state, without changing any real infrastructure.`;
  } else {
    const forgets = tofu && count("forget") > 0 ? `, ${count("forget")} to forget` : "";
    summary =
      `Plan: ${importing > 0 ? `${importing} to import, ` : ""}${add} to add, ${change} to change, ${destroy} to destroy${forgets}.` +
      (invocations > 0 ? ` Actions: ${invocations} to invoke.` : "");
  }
  const warnings =
    forgotten.length === 0
      ? []
      : [
          `Some objects will no longer be managed by ${tool}: if you apply this plan, ${tool} will discard its tracking information for ${forgotten.join(", ")}, ` +
            `but it will not delete them. After applying this plan, ${tool} will no longer manage these objects. You will need to import them into ${tool} to manage them again.`,
        ];
  changes.sort((a, b) => a.address.localeCompare(b.address) || (a.deposed ?? "").localeCompare(b.deposed ?? ""));
  return { source: "plan", changes, summary, notes, warnings };
}

function planEntry(entry: unknown, at: string, origin: string, bad: (where: string, expected: string, found: unknown) => InputError): PlanEntry {
  if (!isRecord(entry)) throw bad(at, "a resource change (an object with address, mode, type and change)", entry);
  const { address } = entry;
  if (typeof address !== "string" || address === "") throw bad(`${at}.address`, "the resource's address (a string)", address);
  const optionalString = (key: string, where = `${at}.${key}`): string | undefined => {
    const value = entry[key];
    if (value !== undefined && typeof value !== "string") throw bad(where, "a string", value);
    return value as string | undefined;
  };
  const mode = optionalString("mode") ?? "managed";
  if (mode !== "managed" && mode !== "data" && mode !== "ephemeral") {
    throw new InputError(`${origin}: ${at}.mode (${address}): unknown resource mode "${mode}"; expected "managed" or "data"`);
  }
  const change = entry.change;
  if (!isRecord(change)) throw bad(`${at}.change`, `the change of ${address} (an object with actions)`, change);
  const actions = change.actions;
  if (!Array.isArray(actions) || actions.length === 0 || !actions.every((action) => typeof action === "string")) {
    throw bad(`${at}.change.actions`, `the actions of ${address}, a list such as ["create"]`, actions);
  }
  const key = actions.join(",");
  if (!PLAN_ACTIONS.has(key) || (key === "open" && mode !== "ephemeral")) {
    throw new InputError(
      `${origin}: ${at}.change.actions (${address}): unknown actions ${JSON.stringify(actions)}; Terraform's are ["no-op"], ["create"], ["read"], ["update"], ` +
        `["delete","create"], ["create","delete"], ["delete"], ["forget"] and ["create","forget"]. A plan from a newer Terraform? The preview does not guess what it does`,
    );
  }
  const replace = change.replace_paths;
  let replacePaths: string[] = [];
  if (replace !== undefined && replace !== null) {
    if (!Array.isArray(replace)) throw bad(`${at}.change.replace_paths`, "a list of attribute paths, each a list of steps", replace);
    replacePaths = replace.map((segments, index) => {
      if (!Array.isArray(segments) || !segments.every((step) => typeof step === "string" || typeof step === "number")) {
        throw bad(`${at}.change.replace_paths[${index}]`, 'an attribute path, a list of steps such as ["tags", "Name"]', segments);
      }
      return segments.map(String).join(".");
    });
  }
  const importingValue = change.importing;
  let importing: { id?: string } | undefined;
  if (importingValue !== undefined && importingValue !== null) {
    if (!isRecord(importingValue)) throw bad(`${at}.change.importing`, "an object with the import id", importingValue);
    if (importingValue.id !== undefined && typeof importingValue.id !== "string") throw bad(`${at}.change.importing.id`, "a string", importingValue.id);
    importing = importingValue.id === undefined ? {} : { id: importingValue.id };
  }
  const generated = change.generated_config;
  return {
    address,
    type: optionalString("type") ?? address.replace(/^(module\.[^.]+\.)*(data\.)?/, "").split(".")[0],
    name: optionalString("name"),
    mode,
    action: key as PlanAction,
    replacePaths,
    previousAddress: optionalString("previous_address"),
    deposed: optionalString("deposed"),
    importing,
    generatedConfig: typeof generated === "string" && generated.length > 0,
    actionReason: optionalString("action_reason"),
    index: entry.index,
    moduleAddress: optionalString("module_address"),
  };
}

/**
 * The comment lines Terraform prints above a resource in its plan (jsonformat/plan.go resourceChangeComment),
 * without the `# `. OpenTofu words a forget and a tainted replacement its own way, and names the ID of an
 * import without changes too (checked against both binaries' output: test/fixtures/plans).
 */
function terraformWords(entry: PlanEntry, tool: "Terraform" | "OpenTofu"): string[] {
  const shown = entry.deposed ? `${entry.address} (deposed object ${entry.deposed})` : entry.address;
  const lines: string[] = [];
  const moved = entry.previousAddress !== undefined && entry.previousAddress !== entry.address;
  let printedMoved = false;
  let printedImported = false;
  switch (entry.action) {
    case "create":
      lines.push(`${shown} will be created`);
      break;
    case "update":
      lines.push(`${shown} will be updated in-place`);
      break;
    case "delete,create":
    case "create,delete":
      if (entry.actionReason === "replace_because_tainted") lines.push(`${shown} is tainted, so ${tool === "OpenTofu" ? "it " : ""}must be replaced`);
      else if (entry.actionReason === "replace_by_request") lines.push(`${shown} will be replaced, as requested`);
      else if (entry.actionReason === "replace_by_triggers") lines.push(`${shown} will be replaced due to changes in replace_triggered_by`);
      else lines.push(`${shown} must be replaced`);
      break;
    case "create,forget":
      lines.push(`${shown} must be replaced, but the existing object will not be destroyed`, "(destroy = false is set in the configuration)");
      break;
    case "forget":
      if (tool === "OpenTofu") lines.push(`${shown} will be removed from the OpenTofu state but will not be destroyed`);
      else if (entry.deposed) lines.push(`${shown} will be removed from Terraform state, but will not be destroyed`, "(left over from a partially-failed replacement of this instance)");
      else lines.push(`${shown} will no longer be managed by Terraform, but will not be destroyed`);
      if (tool === "Terraform") lines.push("(destroy = false is set in the configuration)");
      break;
    case "delete": {
      lines.push(`${shown} will be destroyed`);
      const index = entry.index === undefined ? "" : JSON.stringify(entry.index);
      if (entry.actionReason === "delete_because_no_resource_config") lines.push(`(because ${entry.type}.${entry.name ?? entry.address.split(".").pop()} is not in configuration)`);
      else if (entry.actionReason === "delete_because_no_move_target") lines.push(`(because ${entry.previousAddress} was moved to ${entry.address}, which is not in configuration)`);
      else if (entry.actionReason === "delete_because_no_module") lines.push(`(because ${entry.moduleAddress} is not in configuration)`);
      else if (entry.actionReason === "delete_because_wrong_repetition") {
        lines.push(entry.index === undefined ? "(because resource uses count or for_each)" : typeof entry.index === "number" ? "(because resource does not use count)" : "(because resource does not use for_each)");
      } else if (entry.actionReason === "delete_because_count_index") lines.push(`(because index [${index}] is out of range for count)`);
      else if (entry.actionReason === "delete_because_each_key") lines.push(`(because key [${index}] is not in for_each map)`);
      if (entry.deposed) lines.push("(left over from a partially-failed replacement of this instance)");
      break;
    }
    case "no-op":
      if (moved) {
        lines.push(`${entry.previousAddress} has moved to ${shown}`);
        printedMoved = true;
      } else if (entry.importing) {
        lines.push(`${shown} will be imported`);
        if (entry.generatedConfig) lines.push("(config will be generated)");
        printedImported = tool === "Terraform"; // OpenTofu adds the ID below
      }
      break;
    default:
      break;
  }
  if (moved && !printedMoved) lines.push(`(moved from ${entry.previousAddress})`);
  if (entry.importing && !printedImported) lines.push(entry.importing.id ? `(imported from "${entry.importing.id}")` : "(will be imported first)");
  if (entry.importing && (entry.action === "delete,create" || entry.action === "create,delete")) lines.push("Warning: this will destroy the imported resource");
  return lines;
}

/** The outputs a plan changes (anything but a no-op), checked for shape. */
function changedOutputs(value: unknown, bad: (where: string, expected: string, found: unknown) => InputError): string[] {
  if (value === undefined) return [];
  if (!isRecord(value)) throw bad("output_changes", "an object of output changes by name", value);
  const changed: string[] = [];
  for (const [name, change] of Object.entries(value)) {
    const where = jsonPath("output_changes", name);
    if (!isRecord(change) || !Array.isArray(change.actions)) throw bad(`${where}.actions`, 'a list of actions such as ["update"]', isRecord(change) ? change.actions : change);
    if (change.actions.join(",") !== "no-op") changed.push(name);
  }
  return changed.sort();
}
