/**
 * Reading a `cdktf synth` output directory: manifest.json plus stacks/<name>/cdk.tf.json. Every problem is an
 * `InputError` naming the file, the JSON path with the wrong shape, and what was expected, so that nothing the
 * preview reads later can crash on it or read a broken stack as an empty one (every resource destroyed).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { EXIT, UserError } from "../errors";
import { parseStackName } from "../naming";

/** A synth output directory or plan JSON the preview cannot read: bad input. */
export class InputError extends UserError {
  readonly exitCode = EXIT.badInput;
}

export interface TerraformJson {
  readonly terraform?: {
    readonly required_providers?: Readonly<Record<string, { readonly version?: string }>>;
    readonly backend?: unknown;
  };
  readonly resource?: Readonly<Record<string, Readonly<Record<string, Record<string, unknown>>>>>;
  readonly output?: Readonly<Record<string, { readonly value?: unknown }>>;
}

export interface SynthOutput {
  readonly dir: string;
  /** Stack name -> synthesized Terraform JSON. */
  readonly stacks: ReadonlyMap<string, TerraformJson>;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What a JSON value is, for messages: `null`, `a list`, `a string ("x")`, `an object`. */
export function jsonKind(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)})`;
  if (typeof value === "object") return "an object";
  return `a ${typeof value} (${String(value)})`;
}

/** `parent` extended by one key, as a JSON path: `resource.aws_vpc`, `stacks["fastgpu-us-east-1-infra"]`, `x[0]`. */
export function jsonPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

/**
 * The text of a file the user named (`what` says what it should be, for messages): an `InputError` naming the
 * file when it is missing, a directory, unreadable or empty.
 */
export function readInputFile(file: string, what: string): string {
  let text: string;
  try {
    if (fs.statSync(file).isDirectory()) throw new InputError(`${file}: is a directory; expected ${what}`);
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new InputError(`${file}: not found; expected ${what}`);
    throw new InputError(`${file}: cannot be read (${code ?? (error as Error).message}); expected ${what}`);
  }
  if (text.trim() === "") throw new InputError(`${file}: empty; expected ${what}`);
  return text;
}

/** JSON text parsed, or an `InputError` that names `origin` and says whether the text was cut short. */
export function parseJsonText(text: string, origin: string, hint: string): unknown {
  if (text.trim() === "") throw new InputError(`${origin}: empty; ${hint}`);
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = Number(/at position (\d+)/.exec(message)?.[1] ?? Number.NaN);
    const atEnd = /end of (JSON )?input/i.test(message) || position >= text.trimEnd().length;
    const truncated = atEnd ? "; the file ends early (truncated?)" : "";
    throw new InputError(`${origin}: not valid JSON (${message})${truncated}; ${hint}`);
  }
}

const SYNTH_HINT = "synthesize again (`cdktf synth`)";

export function readSynthOutput(dir: string, flag: string): SynthOutput {
  let isDirectory: boolean;
  try {
    isDirectory = fs.statSync(dir).isDirectory();
  } catch {
    throw new InputError(`${flag} ${dir}: directory not found; pass the output directory of \`cdktf synth\` (e.g. cdktf.out)`);
  }
  if (!isDirectory) throw new InputError(`${flag} ${dir}: not a directory; pass the output directory of \`cdktf synth\` (e.g. cdktf.out)`);
  const manifestPath = path.join(dir, "manifest.json");
  if (!fs.existsSync(manifestPath)) {
    throw new InputError(`${flag} ${dir}: no manifest.json; is this a cdktf synth output directory?`);
  }
  const manifest = parseJsonText(readInputFile(manifestPath, "the cdktf manifest (JSON)"), manifestPath, SYNTH_HINT);
  if (!isRecord(manifest)) throw new InputError(`${manifestPath}: expected the cdktf manifest, a JSON object with "stacks"; found ${jsonKind(manifest)}`);
  if (manifest.stacks === undefined) {
    throw new InputError(`${manifestPath}: no "stacks" object; is this a cdktf synth output directory?`);
  }
  if (!isRecord(manifest.stacks)) throw new InputError(`${manifestPath}: stacks: expected an object of stacks by name; found ${jsonKind(manifest.stacks)}`);
  const stacks = new Map<string, TerraformJson>();
  const root = path.resolve(dir);
  for (const [name, entry] of Object.entries(manifest.stacks).sort(([a], [b]) => a.localeCompare(b))) {
    const where = jsonPath("stacks", name);
    if (!isRecord(entry)) throw new InputError(`${manifestPath}: ${where}: expected a stack entry (an object with synthesizedStackPath); found ${jsonKind(entry)}`);
    const relative = entry.synthesizedStackPath ?? path.join("stacks", name, "cdk.tf.json");
    if (typeof relative !== "string" || relative === "") {
      throw new InputError(`${manifestPath}: ${where}.synthesizedStackPath: expected a path inside ${dir}; found ${jsonKind(relative)}`);
    }
    const file = path.join(dir, relative);
    const inside = path.relative(root, path.resolve(file));
    if (inside.startsWith("..") || path.isAbsolute(inside)) {
      throw new InputError(`${manifestPath}: ${where}.synthesizedStackPath: "${relative}" points outside ${dir}`);
    }
    if (!fs.existsSync(file)) throw new InputError(`${file}: listed in ${manifestPath} but missing; synth again`);
    stacks.set(name, checkStack(parseJsonText(readInputFile(file, "a synthesized stack (cdk.tf.json)"), file, SYNTH_HINT), file));
  }
  return { dir, stacks };
}

/**
 * A synthesized stack, checked for the blocks every FastGPU stack has (`terraform`, `resource`) and for the
 * shape of everything the preview reads from it: a stack that is `null`, `{}` or cut short is refused, never
 * read as a stack without resources.
 */
export function checkStack(json: unknown, file: string): TerraformJson {
  const fail = (where: string, expected: string, found: unknown): never => {
    throw new InputError(`${file}: ${where}: expected ${expected}; found ${jsonKind(found)}`);
  };
  if (!isRecord(json)) {
    throw new InputError(`${file}: expected a synthesized stack, a JSON object with "terraform" and "resource" blocks; found ${jsonKind(json)}; ${SYNTH_HINT}`);
  }
  for (const block of ["terraform", "resource"]) {
    if (json[block] === undefined) {
      throw new InputError(`${file}: no "${block}" block, which every synthesized FastGPU stack has; ${SYNTH_HINT}`);
    }
  }
  const terraform = json.terraform;
  if (!isRecord(terraform)) fail("terraform", "an object (required_providers, backend)", terraform);
  const providers = (terraform as Record<string, unknown>).required_providers;
  if (providers !== undefined) {
    if (!isRecord(providers)) fail("terraform.required_providers", "an object of providers by name", providers);
    for (const [name, provider] of Object.entries(providers as Record<string, unknown>)) {
      const where = jsonPath("terraform.required_providers", name);
      if (!isRecord(provider)) fail(where, "an object with source and version", provider);
      const version = (provider as Record<string, unknown>).version;
      if (version !== undefined && typeof version !== "string") fail(`${where}.version`, "a version constraint string", version);
    }
  }
  const resource = json.resource;
  if (!isRecord(resource)) fail("resource", "an object of resource types", resource);
  for (const [type, byName] of Object.entries(resource as Record<string, unknown>)) {
    const typePath = jsonPath("resource", type);
    if (!isRecord(byName)) fail(typePath, `an object of ${type} resources by name`, byName);
    for (const [name, body] of Object.entries(byName as Record<string, unknown>)) {
      const where = jsonPath(typePath, name);
      if (!isRecord(body)) fail(where, "a resource's arguments (an object)", body);
      const values = (body as Record<string, unknown>).values;
      if (type === "helm_release" && values !== undefined && !(Array.isArray(values) && values.every((item) => typeof item === "string"))) {
        fail(`${where}.values`, "a list of YAML strings", values);
      }
    }
  }
  const output = json.output;
  if (output !== undefined) {
    if (!isRecord(output)) fail("output", "an object of outputs by name", output);
    for (const [name, entry] of Object.entries(output as Record<string, unknown>)) {
      if (!isRecord(entry)) fail(jsonPath("output", name), "an output (an object with value)", entry);
    }
  }
  return json as TerraformJson;
}

/** `fastgpu-us-east-1-infra` -> {region: "us-east-1", kind: "infra"}; other names keep their full name. */
export function stackParts(name: string): { region: string; kind: string } {
  return parseStackName(name) ?? { region: "", kind: name };
}
