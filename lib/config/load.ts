/**
 * Loads the fleet config directory (`FASTGPU_CONFIG`, default `config`): `fleet.yaml` plus
 * `regions/<region>.yaml`. Parses with the schema, cross-checks against the catalog, and reports every
 * problem at once as a `ConfigError`. Nothing downstream runs on a config with problems.
 *
 * No file-system state throws anything else: a missing, unreadable, oversized, non-UTF-8 or non-regular file
 * (a directory, a FIFO, a dangling symlink) is a problem line naming the file and what was expected, reported
 * together with every parse and cross-check problem of the other files.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CONFIG_DIR_ENV } from "../naming";
import { ConfigError, type ConfigProblem } from "./errors";
import { parseYamlFile, type Locate } from "./parse";
import { fleetSchema, regionSchema, type FleetFile, type RegionFile, type TenantConfig } from "./schema";
import { crossCheckFleet, crossCheckRegion, crossCheckRegions, crossCheckTenancy } from "./validate";

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
  /** `text` is absent when the file could not be read (the reason is in `problems`). */
  readonly fleet: { readonly file: string; readonly text?: string };
  readonly regions: readonly { readonly file: string; readonly text: string }[];
  /** Problems found while reading: naming, file types, permissions, size, encoding. Reported with the rest. */
  readonly problems?: readonly ConfigProblem[];
  /**
   * Regions that have a file in `regions/` that could not be used (misnamed, unreadable): `fleet.regions` may
   * still name them without a second problem.
   */
  readonly unusableRegions?: readonly string[];
}

export const DEFAULT_CONFIG_DIR = "config";

/** The largest config file read: hand-written configs are a few KiB, so anything this big is the wrong file. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
const MAX_CONFIG_FILE_SIZE = "1 MiB";

export function configDirFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env[CONFIG_DIR_ENV];
  return dir && dir.trim() !== "" ? dir : DEFAULT_CONFIG_DIR;
}

/** Names in `regions/` that editors and tools leave behind: ignored, like dotfiles. */
const BACKUP_NAME = /(~|\.(bak|orig|rej|old|swp|swo|tmp|save|dpkg-old|dpkg-new|rpmsave|rpmnew))$|^#.*#$/i;
/** A name whose stem looks like a region code, whatever follows it. */
const REGION_LIKE = /^[a-z]{2}(-[a-z]+)+-\d(\.|$)/i;

/** Reads the directory; every missing, misnamed or unreadable file is reported like any other config problem. */
export function readConfigSource(dir: string): ConfigSource {
  const fleetFile = path.join(dir, "fleet.yaml");
  const regionsDir = path.join(dir, "regions");
  const dirStat = statOf(dir);
  if (!dirStat.stat || !dirStat.stat.isDirectory()) {
    const message = !dirStat.stat && dirStat.code === "ENOENT"
      ? "config directory not found; set FASTGPU_CONFIG to a directory holding fleet.yaml and regions/"
      : dirStat.stat
        ? `is ${kindOf(dirStat.stat)}, not a config directory; set FASTGPU_CONFIG to a directory holding fleet.yaml and regions/`
        : `config directory cannot be read (${describeCode(dirStat.code)}); set FASTGPU_CONFIG to a directory holding fleet.yaml and regions/`;
    throw new ConfigError([{ file: dir, path: "", message }]);
  }

  const problems: ConfigProblem[] = [];
  const unusable: string[] = [];

  const fleet = readConfigFile(fleetFile, "the fleet config (fleet.yaml)");
  if ("problem" in fleet) {
    const hint = fleet.missing ? fleetNameHint(dir) : "";
    problems.push({ file: fleetFile, path: "", message: fleet.missing ? `file not found; every config directory needs a fleet.yaml${hint}` : fleet.problem });
  } else {
    problems.push(...otherFleetFiles(dir));
  }

  const regions: { file: string; text: string }[] = [];
  const regionsStat = statOf(regionsDir);
  if (!regionsStat.stat) {
    problems.push({
      file: regionsDir,
      path: "",
      message: regionsStat.code === "ENOENT" ? "directory not found; add regions/<region>.yaml files" : `cannot be read (${describeCode(regionsStat.code)})`,
    });
  } else if (!regionsStat.stat.isDirectory()) {
    problems.push({ file: regionsDir, path: "", message: `is ${kindOf(regionsStat.stat)}; expected a directory of <region>.yaml files` });
  } else {
    let entries: string[] | undefined;
    try {
      entries = fs.readdirSync(regionsDir).sort();
    } catch (error) {
      problems.push({ file: regionsDir, path: "", message: `directory cannot be listed (${describeCode(errorCode(error))}); make it readable` });
    }
    let candidates = 0;
    const yamlNames = new Set((entries ?? []).filter((entry) => entry.endsWith(".yaml")));
    for (const entry of entries ?? []) {
      if (entry.startsWith(".") || BACKUP_NAME.test(entry)) continue;
      const file = path.join(regionsDir, entry);
      const extension = path.extname(entry);
      const stem = extension ? entry.slice(0, -extension.length) : entry;
      if (extension === ".yaml") {
        candidates++;
        const read = readConfigFile(file, "a region file");
        if ("problem" in read) {
          problems.push({ file, path: "", message: read.problem });
          unusable.push(stem);
        } else {
          regions.push({ file, text: read.text });
        }
        continue;
      }
      const lower = extension.toLowerCase();
      if (lower === ".yaml" || lower === ".yml") {
        candidates++;
        unusable.push(stem);
        const target = `${stem}.yaml`;
        const also = yamlNames.has(target) ? `; ${target} exists too, so merge the two and remove this one` : `; rename it to ${target}`;
        const why =
          extension === ".yml" ? "region files end in .yaml" : `region files end in ${lower === ".yml" ? "" : "lowercase "}.yaml, not ${extension}`;
        problems.push({ file, path: "", message: `${why}${also}` });
      } else if (REGION_LIKE.test(entry)) {
        candidates++;
        const region = /^[a-z]{2}(-[a-z]+)+-\d/i.exec(entry)![0];
        unusable.push(region);
        problems.push({
          file,
          path: "",
          message: `looks like a region file but is not named <region>.yaml; rename it to ${region.toLowerCase()}.yaml, or move it out of regions/ (backups ending in ~ or .bak are ignored)`,
        });
      }
    }
    if (entries && candidates === 0) {
      problems.push({ file: regionsDir, path: "", message: "no region files; add at least one regions/<region>.yaml" });
    }
  }

  return {
    dir,
    fleet: "problem" in fleet ? { file: fleetFile } : { file: fleetFile, text: fleet.text },
    regions,
    problems,
    unusableRegions: unusable,
  };
}

export function loadFleetConfig(dir: string = configDirFromEnv()): FleetConfig {
  return parseFleetConfig(readConfigSource(dir));
}

export function parseFleetConfig(source: ConfigSource): FleetConfig {
  const problems: ConfigProblem[] = [...(source.problems ?? [])];

  const fleetParsed = source.fleet.text === undefined ? undefined : parseYamlFile(source.fleet.file, source.fleet.text, fleetSchema);
  if (fleetParsed) problems.push(...fleetParsed.problems);
  const fileRegions = [...source.regions.map(({ file }) => path.basename(file, ".yaml")), ...(source.unusableRegions ?? [])];
  if (fleetParsed?.raw !== undefined) {
    problems.push(...crossCheckFleet(source.fleet.file, fleetParsed.raw, fileRegions, fleetParsed.locate));
  }

  const tenants = knownTenants(fleetParsed?.raw);
  const regions: RegionConfig[] = [];
  const parsedRegions: { file: string; raw: unknown; locate: Locate }[] = [];
  for (const { file, text } of source.regions) {
    const parsed = parseYamlFile(file, text, regionSchema);
    problems.push(...parsed.problems);
    if (parsed.raw !== undefined) {
      problems.push(...crossCheckRegion(file, parsed.raw, parsed.locate));
      problems.push(...crossCheckTenancy(file, parsed.raw, tenants, parsed.locate, { raw: fleetParsed?.raw }));
      parsedRegions.push({ file, raw: parsed.raw, locate: parsed.locate });
    }
    if (parsed.value) regions.push({ ...parsed.value, file });
  }
  problems.push(...crossCheckRegions(parsedRegions));
  if (source.problems === undefined && source.regions.length === 0) {
    // A source built by hand (readConfigSource reports an empty regions/ itself).
    problems.push({ file: path.join(source.dir, "regions"), path: "", message: "no region files; add at least one regions/<region>.yaml" });
  }

  if (problems.length > 0 || !fleetParsed?.value) throw new ConfigError(problems);
  const fleet = fleetParsed.value;
  const selected = fleet.regions;
  const active = selected ? regions.filter((region) => selected.includes(region.region)) : regions;
  return { dir: source.dir, fleet, regions: [...active].sort((a, b) => a.region.localeCompare(b.region)) };
}

/**
 * The fleet's tenants, or undefined when they are not known: fleet.yaml did not parse, its `tenants` are
 * malformed, or they are absent beside an unknown key that may be them mistyped (`tenant:`). Region checks
 * against tenants then wait, rather than report every quota's tenant as unknown.
 */
function knownTenants(raw: unknown): readonly TenantConfig[] | undefined {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return undefined;
  const record = raw as Record<string, unknown>;
  if (record.tenants === undefined) {
    // An unknown top-level key may be the tenants list under a mistyped name (`tenant:`, `tennats:`).
    const known = Object.keys(fleetSchema.shape);
    if (Object.keys(record).some((key) => !known.includes(key))) return undefined;
  }
  const tenants = fleetSchema.shape.tenants.safeParse(record.tenants);
  return tenants.success ? tenants.data : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading files without throwing

type ReadResult = { readonly text: string } | { readonly problem: string; readonly missing?: boolean };

/** Reads a config file that must be a regular UTF-8 file of at most MAX_CONFIG_FILE_BYTES. */
function readConfigFile(file: string, what: string): ReadResult {
  const { stat, code } = statOf(file);
  if (!stat) {
    if (code === "ENOENT" || code === "ENOTDIR") {
      const link = linkTarget(file);
      if (link !== undefined) return { problem: `is a symlink to ${link}, which does not exist; expected ${what}: fix the link or remove it` };
      return { problem: "file not found", missing: true };
    }
    if (code === "ELOOP") return { problem: `is a symlink that loops back on itself; expected ${what}: fix the link or remove it` };
    return { problem: `cannot be read (${describeCode(code)}); expected ${what}` };
  }
  if (!stat.isFile()) return { problem: `is ${kindOf(stat)}; expected ${what}, a plain YAML file` };
  if (stat.size > MAX_CONFIG_FILE_BYTES) return { problem: tooLarge(stat.size) };

  let bytes: Buffer;
  let fd: number | undefined;
  try {
    // O_NONBLOCK: a file swapped for a FIFO after the stat must not hang the load.
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const opened = fs.fstatSync(fd);
    if (!opened.isFile()) return { problem: `is ${kindOf(opened)}; expected ${what}, a plain YAML file` };
    const buffer = Buffer.alloc(Math.min(opened.size, MAX_CONFIG_FILE_BYTES) + 1);
    let length = 0;
    for (;;) {
      const read = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length === buffer.length) {
        if (length > MAX_CONFIG_FILE_BYTES) return { problem: tooLarge(length, true) };
        break;
      }
    }
    bytes = buffer.subarray(0, length);
  } catch (error) {
    return { problem: `cannot be read (${describeCode(errorCode(error))}); expected ${what}` };
  } finally {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // Closing a read-only descriptor cannot lose data.
      }
    }
  }
  return decodeUtf8(bytes);
}

function tooLarge(size: number, atLeast = false): string {
  return `is ${atLeast ? "more than " : ""}${formatBytes(atLeast ? MAX_CONFIG_FILE_BYTES : size)}, above the ${MAX_CONFIG_FILE_SIZE} limit for a config file; config files are a few KiB, so check that this is the right file`;
}

function formatBytes(size: number): string {
  if (size >= 1024 * 1024) return `${(size / (1024 * 1024)).toFixed(1)} MiB`;
  if (size >= 1024) return `${(size / 1024).toFixed(1)} KiB`;
  return `${size} bytes`;
}

/** Strict UTF-8: invalid bytes are a problem with their line and column, never silently replaced. */
function decodeUtf8(bytes: Buffer): ReadResult {
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
      return { problem: "is UTF-16 text; config files are UTF-8: save it as UTF-8 (line 1)" };
    }
    const offset = firstInvalidUtf8(bytes);
    const before = bytes.subarray(0, offset);
    const line = before.filter((byte) => byte === 0x0a).length + 1;
    const lineStart = before.lastIndexOf(0x0a) + 1;
    const column = new TextDecoder("utf-8").decode(bytes.subarray(lineStart, offset)).length + 1;
    const byte = bytes[offset] === undefined ? "a truncated character at the end" : `byte 0x${bytes[offset].toString(16).padStart(2, "0")}`;
    return {
      problem: `is not valid UTF-8: ${byte} is not part of a UTF-8 character (is the file in another encoding, such as Latin-1?); save it as UTF-8 (line ${line}, column ${column})`,
    };
  }
}

/** The offset of the first byte that is not part of a well-formed UTF-8 sequence (bytes.length if the end is cut). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let min: number;
    if (lead >= 0xc2 && lead <= 0xdf) [length, min] = [2, 0x80];
    else if (lead >= 0xe0 && lead <= 0xef) [length, min] = [3, 0x800];
    else if (lead >= 0xf0 && lead <= 0xf4) [length, min] = [4, 0x10000];
    else return i;
    if (i + length > bytes.length) {
      for (let j = i + 1; j < bytes.length; j++) if ((bytes[j] & 0xc0) !== 0x80) return i;
      return i;
    }
    let code = lead & (0xff >> (length + 1));
    for (let j = 1; j < length; j++) {
      const next = bytes[i + j];
      if ((next & 0xc0) !== 0x80) return i;
      code = (code << 6) | (next & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += length;
  }
  return bytes.length;
}

function statOf(file: string): { stat?: fs.Stats; code?: string } {
  try {
    return { stat: fs.statSync(file) };
  } catch (error) {
    return { code: errorCode(error) };
  }
}

/** The target of a symlink at `file`, or undefined when it is not one. */
function linkTarget(file: string): string | undefined {
  try {
    if (!fs.lstatSync(file).isSymbolicLink()) return undefined;
    return fs.readlinkSync(file);
  } catch {
    return undefined;
  }
}

function kindOf(stat: fs.Stats): string {
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a named pipe (FIFO)";
  if (stat.isSocket()) return "a socket";
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
  if (stat.isFile()) return "a file";
  return "not a regular file";
}

function errorCode(error: unknown): string | undefined {
  return error && typeof error === "object" && "code" in error ? String((error as { code: unknown }).code) : undefined;
}

function describeCode(code: string | undefined): string {
  switch (code) {
    case "EACCES":
    case "EPERM":
      return "permission denied; make it readable";
    case "ENOTDIR":
      return "a part of its path is not a directory";
    case "ENAMETOOLONG":
      return "its path is too long";
    case "EIO":
      return "an I/O error";
    case "EISDIR":
      return "it is a directory";
    case "EMFILE":
    case "ENFILE":
      return "too many open files";
    default:
      return code ?? "unknown error";
  }
}

/** ` (found fleet.yml: rename it to fleet.yaml)` when a near-miss of fleet.yaml is there. */
function fleetNameHint(dir: string): string {
  const near = fleetLikeNames(dir);
  return near.length > 0 ? ` (found ${near.join(", ")}: rename it to fleet.yaml)` : "";
}

/** Near-misses of fleet.yaml next to a real one are reported: they are never read. */
function otherFleetFiles(dir: string): ConfigProblem[] {
  const names = fleetLikeNames(dir, true);
  // On a case-insensitive file system fleet.yaml may be listed as Fleet.yaml: that one is the file just read.
  if (!names.includes("fleet.yaml")) return [];
  return names.filter((name) => name !== "fleet.yaml").map((name) => ({
    file: path.join(dir, name),
    path: "",
    message: "is never read: the fleet config is fleet.yaml; merge it into fleet.yaml and remove it",
  }));
}

function fleetLikeNames(dir: string, includeExact = false): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((name) => (includeExact || name !== "fleet.yaml") && !name.startsWith(".") && /^fleet\.ya?ml$/i.test(name))
      .sort();
  } catch {
    return [];
  }
}
