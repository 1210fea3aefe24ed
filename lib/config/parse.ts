/**
 * YAML text -> schema-checked objects, with every problem located as `<file>: <path>: <message> (line N)`.
 */
import { LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { formatPath, type ConfigProblem } from "./errors";

export type Locate = (path: readonly PropertyKey[]) => string;

/**
 * `value` is set when the whole file passed the schema; `raw` whenever the YAML itself parsed, so
 * cross-checks can still run on the parts that are well-formed. `locate(path)` gives " (line N)".
 */
export interface Parsed<T> {
  readonly value?: T;
  readonly raw?: unknown;
  readonly problems: ConfigProblem[];
  readonly locate: Locate;
}

export function parseYamlFile<S extends z.ZodType>(file: string, text: string, schema: S): Parsed<z.output<S>> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      locate: () => "",
      problems: document.errors.map((error) => {
        const line = error.linePos?.[0].line;
        return { file, path: "", message: `invalid YAML: ${error.message.split("\n")[0]}${line ? ` (line ${line})` : ""}` };
      }),
    };
  }
  const data: unknown = document.toJS() ?? {};
  const locate: Locate = (path) => lineOf(document, lineCounter, path);
  const result = schema.safeParse(data);
  if (result.success) return { value: result.data, raw: data, problems: [], locate };

  const knownKeys = [...collectObjectKeys(schema, new Set<string>())];
  const problems: ConfigProblem[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const suggestion = closestKey(key, knownKeys);
        problems.push({
          file,
          path: formatPath([...issue.path, key]),
          message: `unknown key "${key}"${suggestion ? `; did you mean "${suggestion}"?` : "; remove it"}${lineOf(document, lineCounter, [...issue.path, key])}`,
        });
      }
      continue;
    }
    const missing = issue.path.length > 0 && valueAt(data, issue.path) === undefined;
    const message = missing
      ? `required key "${String(issue.path[issue.path.length - 1])}" is missing`
      : issue.message.replace(/^Invalid input: expected/, "expected");
    problems.push({ file, path: formatPath(issue.path), message: `${message}${lineOf(document, lineCounter, issue.path)}` });
  }
  return { raw: data, problems, locate };
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/** ` (line N)` for the node at `path`, or for its nearest existing parent; empty when unknown. */
export function lineOf(document: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): string {
  for (let depth = path.length; depth >= 1; depth--) {
    const node = document.getIn(path.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === "object" && node.range) {
      return ` (line ${lineCounter.linePos(node.range[0]).line})`;
    }
  }
  return "";
}

function collectObjectKeys(schema: z.ZodType, keys: Set<string>): Set<string> {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  switch (def.type) {
    case "object":
      for (const [key, value] of Object.entries(def.shape as Record<string, z.ZodType>)) {
        keys.add(key);
        collectObjectKeys(value, keys);
      }
      break;
    case "array":
      collectObjectKeys(def.element as z.ZodType, keys);
      break;
    case "optional":
    case "default":
    case "nullable":
    case "prefault":
      collectObjectKeys(def.innerType as z.ZodType, keys);
      break;
    case "union":
      for (const option of def.options as z.ZodType[]) collectObjectKeys(option, keys);
      break;
    case "record":
      collectObjectKeys(def.valueType as z.ZodType, keys);
      break;
    default:
      break;
  }
  return keys;
}

/** The known key within edit distance 2 (case-insensitive), to turn a typo into a fix. */
export function closestKey(key: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}
