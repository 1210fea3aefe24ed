import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { evaluate } from "@marcbachmann/cel-js";
import { parseDocument } from "yaml";
import type { GpuPoolConfig } from "../lib/config/schema";
import type { KubeObject } from "../lib/k8s/object";
import type { PoolModel } from "../lib/model/pool";
import { buildPoolModels, loadFleetModel, type FleetModel } from "../lib/model/region";
import { synthFleet } from "../stacks/fleet";

export const REPO_ROOT = path.resolve(__dirname, "..");
export const DEFAULT_CONFIG_DIR = path.join(REPO_ROOT, "config");

export function tempDir(prefix = "fastgpu-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A copy of the default config directory to break in one test. */
export function copyDefaultConfig(): string {
  const dir = tempDir("fastgpu-config-");
  fs.cpSync(DEFAULT_CONFIG_DIR, dir, { recursive: true });
  return dir;
}

/** Edits one YAML file of a config copy through the YAML document model (comments and order kept). */
export function editYaml(file: string, edit: (doc: ReturnType<typeof parseDocument>) => void): void {
  const doc = parseDocument(fs.readFileSync(file, "utf8"));
  edit(doc);
  fs.writeFileSync(file, doc.toString());
}

/** Every file under `dir`, relative path -> contents. */
export function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(path.relative(dir, full), fs.readFileSync(full, "utf8"));
    }
  };
  walk(dir);
  return files;
}

/**
 * Runs scripts/validate-k8s-objects.mjs (Kubernetes OpenAPI models + carried Kueue v1beta2 CRD schemas) on
 * objects. It is an ES module (its schema library is ESM-only), so it runs in its own Node process.
 */
export function validateObjects(objects: readonly unknown[]): { status: number | null; problems: string[] } {
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, "scripts/validate-k8s-objects.mjs")], {
    input: JSON.stringify(objects),
    encoding: "utf8",
  });
  return { status: result.status, problems: result.stdout.split("\n").filter(Boolean) };
}

export interface AdmissionPolicy {
  metadata: { name: string };
  spec: {
    failurePolicy: string;
    matchConditions?: { expression: string }[];
    matchConstraints: { resourceRules: { resources: string[]; operations: string[] }[]; namespaceSelector: unknown };
    validations: { expression: string; message: string }[];
  };
}

/** The ValidatingAdmissionPolicy among `objects` that matches `resource` (e.g. "pods", "jobs"). */
export function admissionPolicyFor(objects: readonly KubeObject[], resource: string): AdmissionPolicy {
  const policies = objects.filter((object) => object.kind === "ValidatingAdmissionPolicy") as unknown as AdmissionPolicy[];
  const policy = policies.find((candidate) => candidate.spec.matchConstraints.resourceRules.some((rule) => rule.resources.includes(resource)));
  if (!policy) throw new Error(`no ValidatingAdmissionPolicy matches ${resource}`);
  return policy;
}

/**
 * The policy's verdict on a request, with a CEL engine standing in for the API server's (same semantics, no
 * schema type checking): a request its match conditions exclude is admitted; otherwise every validation must hold.
 * Quantities are strings, as the API server presents them.
 */
export function admits(policy: AdmissionPolicy, object: unknown, oldObject: unknown = null, operation = oldObject === null ? "CREATE" : "UPDATE"): boolean {
  const context = { object, oldObject, request: { operation } };
  if (!(policy.spec.matchConditions ?? []).every((condition) => evaluate(condition.expression, context) === true)) return true;
  return policy.spec.validations.every((validation) => evaluate(validation.expression, context) === true);
}

/** The default config's model, as every entry point builds it. */
export function defaultModel(): FleetModel {
  return loadFleetModel(DEFAULT_CONFIG_DIR);
}

/** The model of one pool config. */
export function poolModel(pool: GpuPoolConfig): PoolModel {
  return buildPoolModels([pool])[0];
}

/**
 * Runs `fn` with V8's own stack formatting in place of jest's source-mapped one, and gives back its result.
 * cdktf records where every token was made (`creationStack`: `Error.captureStackTrace` with no depth limit,
 * formatted at once); through jest's source-map formatter that is over half of a synth's time in a test, for
 * stacks only an unresolvable token's error message shows. The synth output is the same; an error thrown in
 * `fn` still gets source-mapped frames, since V8 formats a stack when it is first read.
 */
export function withPlainStackTraces<T>(fn: () => T): T {
  const previous = Error.prepareStackTrace;
  Error.prepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => `${error}${frames.map((frame) => `\n    at ${frame}`).join("")}`;
  try {
    return fn();
  } finally {
    Error.prepareStackTrace = previous;
  }
}

/** Synthesizes a copy of the default config, edited, into a fresh directory. */
export function synthOf(edit?: (dir: string) => void): string {
  const config = copyDefaultConfig();
  edit?.(config);
  const out = path.join(tempDir(), "cdktf.out");
  withPlainStackTraces(() => synthFleet(loadFleetModel(config), out));
  return out;
}
