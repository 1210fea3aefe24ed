/**
 * The one place tests (and tools) find a Terraform-compatible binary. Synth, previews and manifests never need
 * one; deploy and the tests that need a real plan or `local-exec` do. In order:
 *
 *   1. `TERRAFORM_BINARY_NAME`, when set (the variable cdktf reads: a name on PATH or a path),
 *   2. `terraform` on PATH,
 *   3. `tofu` on PATH,
 *   4. the OpenTofu that `npm run toolchain:tofu` built into the cache.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { OPENTOFU } from "../../lib/versions";
import { toolCacheDir } from "./cache";

export interface TerraformBinary {
  /** Absolute path of the executable. */
  readonly path: string;
  /** Where it was found, for messages. */
  readonly from: "TERRAFORM_BINARY_NAME" | "PATH" | "cache";
}

/** Where `npm run toolchain:tofu` puts the pinned OpenTofu. */
export function cachedTofuPath(): string {
  return path.join(toolCacheDir("opentofu", OPENTOFU.version), "tofu");
}

function isExecutable(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `name` resolved as the shell would: a path as is, a bare name through PATH. */
export function whichExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (name.includes("/")) {
    const file = path.resolve(name);
    return isExecutable(file) ? file : undefined;
  }
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    if (isExecutable(file)) return file;
  }
  return undefined;
}

/** The binary to run, or undefined when there is none (see `missingTerraformMessage`). */
export function findTerraform(env: NodeJS.ProcessEnv = process.env): TerraformBinary | undefined {
  const chosen = env.TERRAFORM_BINARY_NAME;
  if (chosen) {
    const file = whichExecutable(chosen, env);
    return file ? { path: file, from: "TERRAFORM_BINARY_NAME" } : undefined;
  }
  for (const name of ["terraform", "tofu"]) {
    const file = whichExecutable(name, env);
    if (file) return { path: file, from: "PATH" };
  }
  const cached = cachedTofuPath();
  return isExecutable(cached) ? { path: cached, from: "cache" } : undefined;
}

export function missingTerraformMessage(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env.TERRAFORM_BINARY_NAME;
  if (chosen) return `TERRAFORM_BINARY_NAME=${chosen} is not an executable (nor a name on PATH)`;
  return `no terraform or tofu on PATH and no cached OpenTofu at ${cachedTofuPath()}: install Terraform >= 1.10 or OpenTofu, or run \`npm run toolchain:tofu\``;
}

/**
 * For a test that needs the binary: where there is none it is skipped, except under `CI=true`, where a missing
 * binary fails the test (the CI image must have one).
 */
export function terraformForTests(env: NodeJS.ProcessEnv = process.env): { binary?: TerraformBinary; run: boolean; missing: string } {
  const binary = findTerraform(env);
  return { binary, run: binary !== undefined || env.CI === "true", missing: missingTerraformMessage(env) };
}
