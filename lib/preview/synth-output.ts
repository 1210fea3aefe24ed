/**
 * Reading a `cdktf synth` output directory: manifest.json plus stacks/<name>/cdk.tf.json. Every problem is an
 * `InputError` naming the path and what was expected.
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

export function readSynthOutput(dir: string, flag: string): SynthOutput {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new InputError(`${flag} ${dir}: directory not found; pass the output directory of \`cdktf synth\` (e.g. cdktf.out)`);
  }
  const manifestPath = path.join(dir, "manifest.json");
  if (!fs.existsSync(manifestPath)) {
    throw new InputError(`${flag} ${dir}: no manifest.json; is this a cdktf synth output directory?`);
  }
  let manifest: { stacks?: Record<string, { synthesizedStackPath?: string }> };
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  } catch (error) {
    throw new InputError(`${manifestPath}: not valid JSON (${(error as Error).message})`);
  }
  if (!manifest.stacks || typeof manifest.stacks !== "object") {
    throw new InputError(`${manifestPath}: no "stacks" object; is this a cdktf synth output directory?`);
  }
  const stacks = new Map<string, TerraformJson>();
  for (const [name, stack] of Object.entries(manifest.stacks).sort(([a], [b]) => a.localeCompare(b))) {
    const file = path.join(dir, stack.synthesizedStackPath ?? path.join("stacks", name, "cdk.tf.json"));
    if (!fs.existsSync(file)) throw new InputError(`${file}: listed in ${manifestPath} but missing; synth again`);
    try {
      stacks.set(name, JSON.parse(fs.readFileSync(file, "utf8")));
    } catch (error) {
      throw new InputError(`${file}: not valid JSON (${(error as Error).message})`);
    }
  }
  return { dir, stacks };
}

/** `fastgpu-us-east-1-infra` -> {region: "us-east-1", kind: "infra"}; other names keep their full name. */
export function stackParts(name: string): { region: string; kind: string } {
  return parseStackName(name) ?? { region: "", kind: name };
}
