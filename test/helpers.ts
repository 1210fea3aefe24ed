import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";

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
