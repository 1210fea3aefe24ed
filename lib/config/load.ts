/**
 * Loads the fleet config directory (`FASTGPU_CONFIG`, default `config`): `fleet.yaml` plus
 * `regions/<region>.yaml`. Parses with the schema, cross-checks against the catalog, and reports every
 * problem at once as a `ConfigError`. Nothing downstream runs on a config with problems.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CONFIG_DIR_ENV } from "../naming";
import { ConfigError, type ConfigProblem } from "./errors";
import { parseYamlFile } from "./parse";
import { fleetSchema, regionSchema, type FleetFile, type RegionFile } from "./schema";
import { crossCheckFleet, crossCheckRegion, crossCheckTenancy } from "./validate";

export interface RegionConfig extends RegionFile {
  /** The file this region came from, for messages. */
  readonly file: string;
}

export interface FleetConfig {
  readonly dir: string;
  readonly fleet: FleetFile;
  /** Active regions, sorted by region code. */
  readonly regions: readonly RegionConfig[];
}

export interface ConfigSource {
  readonly dir: string;
  readonly fleet: { readonly file: string; readonly text: string };
  readonly regions: readonly { readonly file: string; readonly text: string }[];
}

export const DEFAULT_CONFIG_DIR = "config";

export function configDirFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env[CONFIG_DIR_ENV];
  return dir && dir.trim() !== "" ? dir : DEFAULT_CONFIG_DIR;
}

/** Reads the directory; a missing directory or file is reported like any other config problem. */
export function readConfigSource(dir: string): ConfigSource {
  const fleetFile = path.join(dir, "fleet.yaml");
  const regionsDir = path.join(dir, "regions");
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new ConfigError([
      { file: dir, path: "", message: "config directory not found; set FASTGPU_CONFIG to a directory holding fleet.yaml and regions/" },
    ]);
  }
  const problems: ConfigProblem[] = [];
  if (!fs.existsSync(fleetFile)) {
    problems.push({ file: fleetFile, path: "", message: "file not found; every config directory needs a fleet.yaml" });
  }
  const regionFiles: string[] = [];
  if (!fs.existsSync(regionsDir)) {
    problems.push({ file: regionsDir, path: "", message: "directory not found; add regions/<region>.yaml files" });
  } else {
    for (const entry of fs.readdirSync(regionsDir).sort()) {
      const file = path.join(regionsDir, entry);
      if (entry.endsWith(".yaml")) regionFiles.push(file);
      else if (entry.endsWith(".yml")) {
        problems.push({ file, path: "", message: `region files end in .yaml; rename it to ${entry.replace(/\.yml$/, ".yaml")}` });
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    dir,
    fleet: { file: fleetFile, text: fs.readFileSync(fleetFile, "utf8") },
    regions: regionFiles.map((file) => ({ file, text: fs.readFileSync(file, "utf8") })),
  };
}

export function loadFleetConfig(dir: string = configDirFromEnv()): FleetConfig {
  return parseFleetConfig(readConfigSource(dir));
}

export function parseFleetConfig(source: ConfigSource): FleetConfig {
  const problems: ConfigProblem[] = [];

  const fleetParsed = parseYamlFile(source.fleet.file, source.fleet.text, fleetSchema);
  problems.push(...fleetParsed.problems);
  const fileRegions = source.regions.map(({ file }) => path.basename(file, ".yaml"));
  if (fleetParsed.raw !== undefined) {
    problems.push(...crossCheckFleet(source.fleet.file, fleetParsed.raw, fileRegions, fleetParsed.locate));
  }

  const tenants = fleetParsed.raw !== undefined ? fleetSchema.shape.tenants.safeParse((fleetParsed.raw as { tenants?: unknown }).tenants) : undefined;
  const regions: RegionConfig[] = [];
  for (const { file, text } of source.regions) {
    const parsed = parseYamlFile(file, text, regionSchema);
    problems.push(...parsed.problems);
    if (parsed.raw !== undefined) {
      problems.push(...crossCheckRegion(file, parsed.raw, parsed.locate));
      problems.push(...crossCheckTenancy(file, parsed.raw, tenants?.success ? tenants.data : undefined, parsed.locate));
    }
    if (parsed.value) regions.push({ ...parsed.value, file });
  }
  if (source.regions.length === 0) {
    problems.push({ file: path.join(source.dir, "regions"), path: "", message: "no region files; add at least one regions/<region>.yaml" });
  }

  if (problems.length > 0 || !fleetParsed.value) throw new ConfigError(problems);
  const fleet = fleetParsed.value;
  const selected = fleet.regions;
  const active = selected ? regions.filter((region) => selected.includes(region.region)) : regions;
  return { dir: source.dir, fleet, regions: [...active].sort((a, b) => a.region.localeCompare(b.region)) };
}
