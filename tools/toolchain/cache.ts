/**
 * Where the project's own install steps keep what they build or assemble (CUDA toolkit, OpenTofu, the twin's
 * binaries): one folder per tool and version, so a version bump builds anew and a rerun reuses the last build.
 * `FASTGPU_CACHE` moves it; the default survives a fresh clone on the same machine.
 */
import os from "node:os";
import path from "node:path";
import { EXIT, UserError } from "../../lib/errors";

/** A toolchain step that cannot finish (a tool missing, a download or build failing): one line saying what failed and the fix. */
export class ToolchainError extends UserError {
  readonly exitCode: typeof EXIT.unavailable = EXIT.unavailable;
}

export function cacheRoot(): string {
  return process.env.FASTGPU_CACHE ?? path.join(os.homedir(), ".cache", "fastgpu");
}

/** The cache folder of one tool at one version, e.g. `~/.cache/fastgpu/opentofu-1.10.10`. */
export function toolCacheDir(tool: string, version: string): string {
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(tool) || !/^[A-Za-z0-9][A-Za-z0-9.+_-]*$/.test(version)) {
    throw new Error(`toolCacheDir: "${tool}" / "${version}" is not a safe cache folder name`);
  }
  return path.join(cacheRoot(), `${tool}-${version}`);
}
