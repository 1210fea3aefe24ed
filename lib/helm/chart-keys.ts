/**
 * The value keys each pinned Helm chart version defines, read from the carried key files in schemas/helm/
 * (written by scripts/chart-value-keys.mjs from that version's values.yaml, with its source and SHA-256) and
 * looked up by the pin itself (lib/versions.ts, CHARTS): bumping a pin without a key file for the new version
 * fails loudly instead of checking our values against the old version's keys.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { HelmChartPin } from "../versions";

export interface ChartValueKeys {
  readonly chart: string;
  readonly version: string;
  /** Where the values.yaml was read: a GitHub repository, the tag of this chart version, the file's path. */
  readonly source: { readonly repo: string; readonly tag: string; readonly path: string };
  /** SHA-256 of that values.yaml; null only where the input could not be had, with `note` saying why. */
  readonly inputSha256: string | null;
  readonly note?: string;
  /** YYYY-MM-DD. */
  readonly generatedAt: string;
  readonly generator: string;
  /** How the generator decided `openPaths`, in words. */
  readonly openPathRule: string;
  /** Every key path the chart's values.yaml defines, dotted. */
  readonly paths: readonly string[];
  /** Paths whose content is free-form: any key below them is accepted. */
  readonly openPaths: readonly string[];
}

/** Where the key files live, relative to the repository root. */
export const CHART_KEYS_DIR = "schemas/helm";

export const CHART_KEYS_GENERATOR = "scripts/chart-value-keys.mjs";

/** The key file's name for a chart version: `<chart>-<version>.keys.json`. */
export function chartKeysFileName(pin: Pick<HelmChartPin, "chart" | "version">): string {
  return `${pin.chart}-${pin.version}.keys.json`;
}

/**
 * The repository's schemas/helm: the nearest one above this module's directory, which is lib/helm under tsx
 * and jest, or <outDir>/lib/helm when compiled (dist/ from tsconfig.build.json). The JSON is not copied into
 * the build output, so a build inside the repository reads the repository's files, as bench/synth-bench.ts does.
 */
export function chartKeysDir(moduleDir: string = __dirname): string {
  for (let dir = path.resolve(moduleDir); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, CHART_KEYS_DIR);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new Error(`Helm chart key files not found: no ${CHART_KEYS_DIR} in ${path.resolve(moduleDir)} or any directory above it`);
}

/** What is wrong with a parsed key file's shape (empty when it is well-formed). */
export function chartKeysFileProblems(data: unknown): string[] {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return ["not a JSON object"];
  const file = data as Record<string, unknown>;
  const problems: string[] = [];
  const strings = (value: unknown) => Array.isArray(value) && value.every((item) => typeof item === "string");
  for (const field of ["chart", "version", "generator", "openPathRule"]) {
    if (typeof file[field] !== "string" || file[field] === "") problems.push(`${field} must be a non-empty string`);
  }
  if (typeof file.generatedAt !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(file.generatedAt)) problems.push("generatedAt must be a date, YYYY-MM-DD");
  const source = file.source as Record<string, unknown> | undefined;
  if (!source || typeof source !== "object" || ["repo", "tag", "path"].some((field) => typeof source[field] !== "string" || source[field] === "")) {
    problems.push("source must be { repo, tag, path }, all non-empty strings");
  }
  if (file.inputSha256 === null) {
    if (typeof file.note !== "string" || file.note === "") problems.push("inputSha256 is null without a note saying why");
  } else if (typeof file.inputSha256 !== "string" || !/^[0-9a-f]{64}$/.test(file.inputSha256)) {
    problems.push("inputSha256 must be 64 lowercase hex digits, or null with a note");
  }
  if (!strings(file.paths) || (file.paths as string[]).length === 0) problems.push("paths must be a non-empty list of strings");
  if (!strings(file.openPaths)) problems.push("openPaths must be a list of strings");
  else if (strings(file.paths)) {
    const paths = new Set(file.paths as string[]);
    const stray = (file.openPaths as string[]).filter((open) => !paths.has(open));
    if (stray.length) problems.push(`openPaths not in paths: ${stray.join(", ")}`);
  }
  return problems;
}

const cache = new Map<string, ChartValueKeys>();
let repoKeysDir: string | undefined;
const defaultDir = () => (repoKeysDir ??= chartKeysDir());

/** The command that writes a chart version's key file, filled in from a key file of another version if there is one. */
export function chartKeysCommand(pin: Pick<HelmChartPin, "chart" | "version">, dir: string = defaultDir()): string {
  let repo = "<owner/name>";
  let tag = "<git tag of that version>";
  let inRepo = "<values.yaml's path in that repo>";
  const names = fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name.startsWith(`${pin.chart}-`) && name.endsWith(".keys.json")) : [];
  for (const name of names.sort().reverse()) {
    try {
      const other = JSON.parse(fs.readFileSync(path.join(dir, name), "utf8")) as ChartValueKeys;
      if (other.chart !== pin.chart || !other.source) continue;
      repo = other.source.repo;
      inRepo = other.source.path;
      if (other.source.tag.includes(other.version)) tag = other.source.tag.replace(other.version, pin.version);
      break;
    } catch {
      // A broken key file only costs the hints.
    }
  }
  return `node ${CHART_KEYS_GENERATOR} <values.yaml> --chart ${pin.chart} --version ${pin.version} --repo ${repo} --tag ${tag} --path ${inRepo}`;
}

/** The value keys of a pinned chart version; throws when the pin has no (well-formed, matching) key file. */
export function chartValueKeys(pin: Pick<HelmChartPin, "chart" | "version">, dir: string = defaultDir()): ChartValueKeys {
  const file = path.join(dir, chartKeysFileName(pin));
  const cached = cache.get(file);
  if (cached) return cached;
  const shown = path.join(CHART_KEYS_DIR, chartKeysFileName(pin));
  if (!fs.existsSync(file)) {
    throw new Error(
      `No value keys for Helm chart ${pin.chart} ${pin.version} (its pin in lib/versions.ts): expected ${shown}. ` +
        `Generate it from that version's values.yaml, then delete the previous version's key file:\n  ${chartKeysCommand(pin, dir)}`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${shown}: not valid JSON (${(error as Error).message})`);
  }
  const problems = chartKeysFileProblems(data);
  const keys = data as ChartValueKeys;
  if (problems.length === 0 && (keys.chart !== pin.chart || keys.version !== pin.version)) {
    problems.push(`holds keys of ${keys.chart} ${keys.version}, not ${pin.chart} ${pin.version}`);
  }
  if (problems.length) {
    throw new Error(`${shown}: ${problems.join("; ")}. Regenerate it:\n  ${chartKeysCommand(pin, dir)}`);
  }
  cache.set(file, keys);
  return keys;
}
