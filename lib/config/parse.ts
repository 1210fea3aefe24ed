/**
 * YAML text -> schema-checked objects, with every problem located as `<file>: <path>: <message> (line N)`.
 *
 * Nothing here throws on bad input: YAML syntax errors (with line and column, the first of each document only,
 * so one mistake is one line), multi-document files, control characters, alias bombs and circular aliases all
 * become problems, and zod's issues are reworded for a person (the limit, what was found, the fix).
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, visit, type Document, type YAMLError } from "yaml";
import type { z } from "zod";
import { formatPath, type ConfigProblem } from "./errors";

export type Locate = (path: readonly PropertyKey[]) => string;

/**
 * `value` is set when the whole file passed the schema; `raw` whenever the YAML itself parsed to a mapping, so
 * cross-checks can still run on the parts that are well-formed. `locate(path)` gives " (line N)".
 */
export interface Parsed<T> {
  readonly value?: T;
  readonly raw?: unknown;
  readonly problems: ConfigProblem[];
  readonly locate: Locate;
}

/** Aliases (`*name`) one document may expand; far above what a hand-written config uses, far below a bomb. */
export const MAX_YAML_ALIASES = 100;

/** YAML errors that do not derail the parser, so the ones after them are real too (all reported). */
const INDEPENDENT_YAML_ERRORS = new Set(["DUPLICATE_KEY", "TAG_RESOLVE_FAILED"]);

export function parseYamlFile<S extends z.ZodType>(file: string, text: string, schema: S): Parsed<z.output<S>> {
  const noLocation: Locate = () => "";
  const fail = (...messages: string[]): Parsed<z.output<S>> => ({
    locate: noLocation,
    problems: messages.map((message) => ({ file, path: "", message })),
  });
  try {
    return parseChecked(file, text, schema, fail);
  } catch (error) {
    // The YAML library and zod are not supposed to throw on any input; if one does, it is still this file's problem.
    const reason = error instanceof RangeError ? "it nests too deeply or is too large to parse" : `the YAML parser failed (${describeThrown(error)})`;
    return fail(`cannot be read as a config file: ${reason}; check that this is the right file`);
  }
}

function parseChecked<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S,
  fail: (...messages: string[]) => Parsed<z.output<S>>,
): Parsed<z.output<S>> {
  const lineCounter = new LineCounter();
  const control = firstControlCharacter(text);
  if (control) {
    const { line, col } = positionOf(text, control.index);
    return fail(
      `holds the control character ${control.code} (not allowed in YAML); is this a text file? Remove the character (line ${line}, column ${col})`,
    );
  }
  const documents = parseAllDocuments(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    // YAML 1.1 tags such as !!binary, !!set or !!timestamp become unresolved-tag problems, not JS objects.
    resolveKnownTags: false,
    // Problems are reported here, never as process warnings on stderr.
    logLevel: "error",
  });
  const docs = Array.isArray(documents) ? documents : [];
  if (docs.length > 1) {
    const starts = docs.slice(1).map((doc) => lineCounter.linePos(doc.range[0]).line);
    return fail(
      `holds ${docs.length} YAML documents (another starts with "---" at line${starts.length > 1 ? "s" : ""} ${starts.join(", ")}); ` +
        `a config file holds one: remove the extra "---" line or move that document to its own file`,
    );
  }
  const document = docs[0];
  if (!document) return fail(emptyFileMessage(schema));

  const yamlErrors = firstErrors([...document.errors, ...document.warnings.filter((warning) => warning.code === "TAG_RESOLVE_FAILED")]);
  if (yamlErrors.length > 0) return fail(...yamlErrors.map((error) => yamlErrorMessage(error, text, lineCounter, document)));

  const nodeProblem = checkAliases(document, lineCounter) ?? checkKeys(document, lineCounter);
  if (nodeProblem) return fail(nodeProblem);

  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    if (error instanceof ReferenceError && /alias count/i.test(error.message)) {
      return fail(
        `expands YAML aliases (*name) more than ${MAX_YAML_ALIASES} times, the limit that guards against alias bombs; write the values out instead`,
      );
    }
    throw error;
  }
  if (data === null || data === undefined) return fail(emptyFileMessage(schema));

  const locate: Locate = (path) => lineOf(document, lineCounter, path);
  if (typeof data !== "object" || Array.isArray(data)) {
    return {
      locate,
      problems: [
        {
          file,
          path: "",
          message: `must be a mapping of keys (such as ${exampleKey(schema)}), not ${describeValue(data)}${lineOf(document, lineCounter, [])}`,
        },
      ],
    };
  }

  const result = schema.safeParse(data, { error: (issue) => defaultMessage(issue as unknown as RawIssue) });
  if (result.success) return { value: result.data, raw: data, problems: [], locate };
  return { raw: data, problems: describeIssues(file, schema, data, result.error.issues, locate), locate };
}

// ---------------------------------------------------------------------------------------------------------------
// YAML syntax

/**
 * The errors worth reporting: every independent error (duplicate keys, unknown tags) up to and including the
 * first error that derails the parser; what comes after that is mostly its echo.
 */
function firstErrors(errors: readonly YAMLError[]): YAMLError[] {
  const sorted = [...errors].sort((a, b) => a.pos[0] - b.pos[0]);
  const kept: YAMLError[] = [];
  for (const error of sorted) {
    kept.push(error);
    if (!INDEPENDENT_YAML_ERRORS.has(error.code)) break;
  }
  return kept;
}

function yamlErrorMessage(error: YAMLError, text: string, lineCounter: LineCounter, document: Document): string {
  const library = error.message.split("\n")[0].replace(/\.$/, "");
  const unclosed = /^Flow (sequence|map|mapping) in block collection must be sufficiently indented and end with a ([\]}])/.exec(library);
  if (error.code === "BAD_INDENT" && unclosed) {
    // Point at the bracket that is never closed, not at the line where the parser noticed.
    const close = unclosed[2];
    const open = close === "]" ? "[" : "{";
    const start = unclosedFlowStart(document, text, error.pos[0], open, close) ?? error.pos[0];
    const { line, col } = lineCounter.linePos(start);
    return `invalid YAML: this "${open}" is never closed with "${close}" (or a line inside it is not indented enough) (line ${line}, column ${col})`;
  }
  let offset = error.pos[0];
  if (error.code === "BAD_INDENT") {
    // The parser points at the indentation; the misaligned key or item starts after it.
    while (text[offset] === " ") offset++;
  }
  const { line, col } = lineCounter.linePos(offset);
  return `invalid YAML: ${yamlWords(error, library, text, lineCounter, document)} (line ${line}, column ${col})`;
}

/** The start of the innermost flow collection opened with `open` before `offset` that does not end with `close`. */
function unclosedFlowStart(document: Document, text: string, offset: number, open: string, close: string): number | undefined {
  let best: number | undefined;
  visit(document, {
    Collection(_key, node) {
      const range = node.range;
      if (!node.flow || !range || range[0] > offset || text[range[0]] !== open) return;
      if (text.slice(range[0], range[1]).trimEnd().endsWith(close)) return;
      if (best === undefined || range[0] > best) best = range[0];
    },
  });
  return best;
}

function yamlWords(error: YAMLError, library: string, text: string, lineCounter: LineCounter, document: Document): string {
  switch (error.code) {
    case "DUPLICATE_KEY": {
      const key = duplicatedKey(document, error.pos[0]);
      const first = key?.firstAt === undefined ? "" : ` (first at line ${lineCounter.linePos(key.firstAt).line})`;
      const name = key ? `"${key.name}"` : `"${text.slice(error.pos[0], error.pos[1])}"`;
      return `duplicate key ${name}${first}; a key may appear once in a mapping, so remove or merge one of them`;
    }
    case "TAB_AS_INDENT":
      return "a tab indents this line; YAML indents with spaces only";
    case "TAG_RESOLVE_FAILED": {
      const tag = library.replace(/^Unresolved tag: /, "").replace(/^tag:yaml\.org,2002:/, "!!");
      return `the YAML tag ${tag} is not supported; config values are plain text, numbers, true/false, lists and mappings, so remove the tag`;
    }
    case "RESOURCE_EXHAUSTION":
      return "collections nest too deeply for the YAML parser; a config needs only a few levels (is a ] or } missing?)";
    case "BAD_DQ_ESCAPE":
      return `${library} in a double-quoted value; use single quotes, or write a backslash as \\\\`;
    case "MULTILINE_IMPLICIT_KEY":
      return 'a key runs over more than one line; is a ":" missing, or a quote not closed, on the line above?';
    case "BLOCK_AS_IMPLICIT_KEY":
      return /compact/.test(library)
        ? 'a plain value runs into "key: value" (on this line, or on a more indented line after it); line up the keys of one mapping at the same column, or quote the value'
        : "a list cannot be a key; check the indentation";
    case "MISSING_CHAR":
      if (/Implicit map keys need to be followed by map values/.test(library)) return 'a line without "key: value"; add the ":" or fix the indentation';
      if (/Missing closing ['"]quote/.test(library)) return `a quoted value is not closed; add the closing ${/'quote/.test(library) ? "'" : '"'}`;
      return library;
    case "BAD_INDENT":
      if (/All mapping items must start at the same column/.test(library)) {
        return "this key is not aligned with the keys above it; indent the keys of one mapping by the same number of spaces";
      }
      if (/All sequence items must start at the same column/.test(library)) {
        return 'this "-" item is not aligned with the items above it; indent the items of one list by the same number of spaces';
      }
      return library;
    case "BAD_SCALAR_START":
      return `${library}; quote the value`;
    default:
      return library;
  }
}

/** The key of the duplicate pair that starts at `offset`, and where its first occurrence is. */
function duplicatedKey(document: Document, offset: number): { name: string; firstAt?: number } | undefined {
  let found: { name: string; firstAt?: number } | undefined;
  visit(document, {
    Map(_key, map) {
      if (found) return visit.BREAK;
      const keyOf = (item: unknown) => (isPair(item) && isScalar(item.key) ? item.key : undefined);
      const index = map.items.findIndex((item) => {
        const key = keyOf(item);
        const range = key?.range;
        return range ? range[0] <= offset && offset < Math.max(range[1], range[0] + 1) : false;
      });
      if (index < 0) return undefined;
      const key = keyOf(map.items[index])!;
      const first = map.items.slice(0, index).map(keyOf).find((other) => other !== undefined && other.value === key.value);
      found = { name: String(key.value), firstAt: first?.range?.[0] };
      return visit.BREAK;
    },
  });
  return found;
}

/** Aliases that name no anchor before them, or that sit inside the node they name (a cycle), as one problem. */
function checkAliases(document: Document, lineCounter: LineCounter): string | undefined {
  let problem: string | undefined;
  visit(document, {
    Alias(_key, alias) {
      const at = alias.range ? ` (line ${lineCounter.linePos(alias.range[0]).line}, column ${lineCounter.linePos(alias.range[0]).col})` : "";
      const target = alias.resolve(document);
      if (!target) {
        problem = `invalid YAML: the alias *${alias.source} names no anchor &${alias.source} before it; define the anchor first or write the value out${at}`;
        return visit.BREAK;
      }
      if (target.range && alias.range && target.range[0] <= alias.range[0] && alias.range[1] <= target.range[2]) {
        problem = `invalid YAML: the alias *${alias.source} sits inside the value it names, which makes the config circular; write the value out${at}`;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return problem;
}

/** A key that is itself a list or mapping (`? [a, b]`): JavaScript would turn it into text; config keys are names. */
function checkKeys(document: Document, lineCounter: LineCounter): string | undefined {
  let problem: string | undefined;
  visit(document, {
    Pair(_key, pair) {
      if (!isMap(pair.key) && !isSeq(pair.key)) return undefined;
      const range = (pair.key as { range?: [number, number, number] }).range;
      const at = range ? ` (line ${lineCounter.linePos(range[0]).line}, column ${lineCounter.linePos(range[0]).col})` : "";
      problem = `invalid YAML: a key that is a ${isMap(pair.key) ? "mapping" : "list"}; config keys are plain names such as minSize${at}`;
      return visit.BREAK;
    },
  });
  return problem;
}

/** The first character YAML does not allow in a stream (C0 controls other than tab, LF, CR; DEL; U+FFFE/FFFF). */
function firstControlCharacter(text: string): { index: number; code: string } | undefined {
  // eslint-disable-next-line no-control-regex
  const match = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]/.exec(text);
  if (!match) return undefined;
  return { index: match.index, code: `U+${match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}` };
}

function positionOf(text: string, index: number): { line: number; col: number } {
  const before = text.slice(0, index);
  const line = before.split("\n").length;
  return { line, col: index - (before.lastIndexOf("\n") + 1) + 1 };
}

function emptyFileMessage(schema: z.ZodType): string {
  const required = requiredKeys(schema);
  return `is empty; ${required.length > 0 ? `it needs at least: ${required.join(", ")}` : "add its settings or remove the file"}`;
}

function exampleKey(schema: z.ZodType): string {
  const required = requiredKeys(schema);
  return required.length > 0 ? `${required[0]}: ...` : "key: value";
}

function requiredKeys(schema: z.ZodType): string[] {
  const def = defOf(unwrap(schema));
  if (def.type !== "object") return [];
  return Object.entries(def.shape as Record<string, z.ZodType>)
    .filter(([, value]) => !isOptional(value))
    .map(([key]) => key);
}

function isOptional(schema: z.ZodType): boolean {
  const type = defOf(schema).type;
  return type === "optional" || type === "default" || type === "prefault";
}

function describeThrown(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0] : String(error);
}

// ---------------------------------------------------------------------------------------------------------------
// Schema issues, in our words

/** What zod hands an error map (the subset we read). */
interface RawIssue {
  readonly code: string;
  readonly input?: unknown;
  readonly path?: readonly PropertyKey[];
  readonly expected?: string;
  readonly origin?: string;
  readonly minimum?: number | bigint;
  readonly maximum?: number | bigint;
  readonly inclusive?: boolean;
  readonly values?: readonly unknown[];
  readonly format?: string;
  readonly divisor?: number;
  readonly keys?: readonly string[];
}

/** Our wording for an issue whose schema gave no message of its own (zod's defaults are never shown). */
function defaultMessage(issue: RawIssue): string {
  const input = issue.input;
  switch (issue.code) {
    case "invalid_type":
      return invalidTypeMessage(issue.expected ?? "", input);
    case "too_small":
      return rangeMessage("small", issue);
    case "too_big":
      return rangeMessage("big", issue);
    case "invalid_value": {
      const values = issue.values ?? [];
      if (values.length === 1 && values[0] === true) {
        return input === false ? "false is the default: remove the key (only true may be set)" : `only true may be set, not ${describeValue(input)}; remove the key to leave it off`;
      }
      return `must be one of: ${values.map((value) => String(value)).join(", ")}; not ${describeValue(input)}`;
    }
    case "invalid_format":
      return `${describeValue(input)} is not in the expected format${issue.format && issue.format !== "regex" ? ` (${issue.format})` : ""}`;
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}, not ${describeValue(input)}`;
    case "invalid_union":
      return `${describeValue(input)} is none of the accepted forms here`;
    case "invalid_key":
      return "has a key that is not allowed here";
    case "invalid_element":
      return "has an entry that is not allowed here";
    case "unrecognized_keys":
      return `unknown key${(issue.keys ?? []).length === 1 ? "" : "s"} ${(issue.keys ?? []).map((key) => `"${key}"`).join(", ")}`;
    default:
      return `${describeValue(input)} is not accepted here`;
  }
}

const TYPE_WORDS: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a mapping (key: value lines)",
  array: "a list ([a, b], or one \"- item\" line each)",
  record: "a mapping (key: value lines)",
  null: "empty",
};

function invalidTypeMessage(expected: string, input: unknown): string {
  const want = TYPE_WORDS[expected] ?? expected;
  if (input === undefined) return "required key is missing";
  if (input === null) return `has no value; expected ${want}`;
  if (expected === "int" && typeof input === "number" && Number.isFinite(input)) return `must be a whole number, not ${describeValue(input)}`;
  if (typeof input === "number" && !Number.isFinite(input)) return `must be ${want}, not ${describeValue(input)}`;
  let hint = "";
  if (expected === "string" && (typeof input === "number" || typeof input === "boolean")) hint = `; quote it ("${String(input)}") if that is the value`;
  if ((expected === "number" || expected === "int") && typeof input === "string" && input.trim() !== "" && Number.isFinite(Number(input))) {
    hint = "; remove the quotes";
  }
  if (expected === "boolean" && typeof input === "string") {
    hint = /^(yes|no|on|off|y|n)$/i.test(input) ? `; YAML reads ${input} as text, so write true or false` : "; write true or false";
  }
  return `must be ${want}, not ${describeValue(input)}${hint}`;
}

function rangeMessage(direction: "small" | "big", issue: RawIssue): string {
  const limit = direction === "small" ? issue.minimum : issue.maximum;
  const inclusive = issue.inclusive !== false;
  const input = issue.input;
  const found = (count: number, unit: string) => ` (it has ${count} ${unit}${count === 1 ? "" : "s"})`;
  switch (issue.origin) {
    case "string": {
      const length = typeof input === "string" ? input.length : undefined;
      if (direction === "small" && Number(limit) === 1) return "must not be empty";
      return `must be ${direction === "small" ? "at least" : "at most"} ${limit} characters long${length === undefined ? "" : found(length, "character")}`;
    }
    case "array":
    case "set": {
      const length = Array.isArray(input) ? input.length : undefined;
      if (direction === "small" && Number(limit) === 1) return "must list at least one item";
      return `must list ${direction === "small" ? "at least" : "at most"} ${limit} items${length === undefined ? "" : found(length, "item")}`;
    }
    default: {
      if (typeof input === "number" && !Number.isSafeInteger(input) && Number.isInteger(input) && isSafeIntegerBound(limit)) {
        return unsafeIntegerMessage(input);
      }
      const words = direction === "small" ? (inclusive ? "at least" : "more than") : inclusive ? "at most" : "less than";
      return `must be ${words} ${limit}${typeof input === "number" ? `, not ${describeValue(input)}` : ""}`;
    }
  }
}

function isSafeIntegerBound(limit: number | bigint | undefined): boolean {
  return limit !== undefined && Math.abs(Number(limit)) === Number.MAX_SAFE_INTEGER;
}

function unsafeIntegerMessage(input: number): string {
  return input > 0
    ? `${describeValue(input)} is too large: a whole number here can be at most ${Number.MAX_SAFE_INTEGER}`
    : `${describeValue(input)} is too small: a whole number here can be at least -${Number.MAX_SAFE_INTEGER}`;
}

/** A value as a person would name it in a message. */
function describeValue(value: unknown): string {
  if (value === null) return "an empty value";
  if (value === undefined) return "nothing";
  if (typeof value === "string") return value === "" ? "empty text" : `the text ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  if (typeof value === "number") {
    if (Number.isNaN(value)) return ".nan (not a number)";
    if (!Number.isFinite(value)) return `${value > 0 ? "" : "minus "}infinity (.inf, or a number too large for YAML)`;
    return Number.isSafeInteger(value) || !Number.isInteger(value) ? String(value) : BigInt(value).toString();
  }
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return typeof value;
}

/** zod issues -> problems: unknown keys with suggestions valid at their path, our wording everywhere, no duplicates. */
function describeIssues(
  file: string,
  schema: z.ZodType,
  data: unknown,
  issues: readonly z.core.$ZodIssue[],
  locate: Locate,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  const push = (path: readonly PropertyKey[], message: string) => {
    const problem = { file, path: formatPath(path), message: `${message}${locate(path)}` };
    const id = `${problem.path}\u0000${problem.message}`;
    if (seen.has(id)) return;
    seen.add(id);
    problems.push(problem);
  };
  const pathId = (path: readonly PropertyKey[]) => formatPath(path);

  for (const issue of issues) {
    const path = issue.path as readonly PropertyKey[];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) push([...path, key], unknownKeyMessage(schema, data, path, key));
      continue;
    }
    const value = valueAt(data, path);
    const parent = path.length > 0 ? valueAt(data, path.slice(0, -1)) : undefined;
    if (path.length > 0 && value === undefined && isRecordLike(parent)) {
      push(path, `required key "${String(path[path.length - 1])}" is missing`);
      continue;
    }
    let message = issue.message;
    if ((issue.code === "too_big" || issue.code === "too_small") && typeof value === "number" && Number.isInteger(value) && !Number.isSafeInteger(value)) {
      const limit = issue.code === "too_big" ? issue.maximum : issue.minimum;
      if (isSafeIntegerBound(limit as number | bigint)) {
        // zod's safe-integer check; a real bound at the same path says it better.
        const other = issues.some((o) => o !== issue && o.code === issue.code && pathId(o.path as PropertyKey[]) === pathId(path));
        if (other) continue;
        message = unsafeIntegerMessage(value);
      }
    } else if (typeof value === "number" && !Number.isFinite(value) && issue.code === "invalid_type") {
      if (!message.includes("infinity") && !message.includes(".nan")) message = `${message.replace(/\.$/, "")}; found ${describeValue(value)}`;
    } else if (value === null && issue.code === "invalid_type" && !message.startsWith("has no value")) {
      message = `has no value (nothing after "${String(path[path.length - 1])}:"); ${message}`;
    } else if ((issue.code === "invalid_value" || issue.code === "invalid_union") && typeof value === "string") {
      const options = issue.code === "invalid_value" ? issue.values : discriminatorOptions(issue);
      const suggestion = options ? closestValue(value, options.filter((option): option is string => typeof option === "string")) : undefined;
      if (suggestion && suggestion !== value && !message.includes("did you mean")) message = `${message}; did you mean "${suggestion}"?`;
    }
    push(path, message);
  }
  return problems;
}

function discriminatorOptions(issue: z.core.$ZodIssue): readonly unknown[] | undefined {
  const options = (issue as unknown as { options?: unknown }).options;
  return Array.isArray(options) ? options : undefined;
}

function isRecordLike(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current = data;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

// ---------------------------------------------------------------------------------------------------------------
// Unknown keys: suggestions only from the keys valid at that path (and that branch of a union)

interface ZodDef extends Record<string, unknown> {
  readonly type: string;
}

function defOf(schema: z.ZodType): ZodDef {
  return (schema as unknown as { _zod: { def: ZodDef } })._zod.def;
}

/** Strips the wrappers that do not change which keys an object takes. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let depth = 0; depth < 32; depth++) {
    const def = defOf(current);
    if (["optional", "default", "nullable", "prefault", "readonly", "catch", "nonoptional"].includes(def.type)) current = def.innerType as z.ZodType;
    else if (def.type === "pipe") current = def.in as z.ZodType;
    else if (def.type === "lazy") current = (def.getter as () => z.ZodType)();
    else return current;
  }
  return current;
}

/** The object schemas a value at this level may be checked against; a discriminated union narrows to its branch. */
function alternatives(schema: z.ZodType, value: unknown, narrow: boolean): z.ZodType[] {
  const inner = unwrap(schema);
  const def = defOf(inner);
  if (def.type !== "union") return [inner];
  const options = def.options as z.ZodType[];
  const discriminator = def.discriminator as string | undefined;
  if (narrow && discriminator && isRecordLike(value)) {
    const chosen = options.filter((option) => discriminatorValues(option, discriminator).includes(value[discriminator]));
    if (chosen.length > 0) return chosen.flatMap((option) => alternatives(option, value, narrow));
  }
  return options.flatMap((option) => alternatives(option, value, narrow));
}

function discriminatorValues(option: z.ZodType, discriminator: string): unknown[] {
  const def = defOf(unwrap(option));
  if (def.type !== "object") return [];
  const field = (def.shape as Record<string, z.ZodType>)[discriminator];
  if (!field) return [];
  const fieldDef = defOf(unwrap(field));
  if (fieldDef.type === "literal") return [...(fieldDef.values as unknown[])];
  if (fieldDef.type === "enum") return Object.values(fieldDef.entries as Record<string, unknown>);
  return [];
}

/** Object schemas that apply at `path` (following `data` through discriminated unions). */
function objectsAt(schema: z.ZodType, data: unknown, path: readonly PropertyKey[], narrow: boolean): z.ZodType[] {
  let current = [schema];
  let value = data;
  for (const segment of path) {
    const next: z.ZodType[] = [];
    for (const candidate of current.flatMap((option) => alternatives(option, value, narrow))) {
      const def = defOf(candidate);
      if (def.type === "object") {
        const field = (def.shape as Record<string, z.ZodType>)[String(segment)];
        if (field) next.push(field);
      } else if (def.type === "array" && (typeof segment === "number" || /^\d+$/.test(String(segment)))) {
        next.push(def.element as z.ZodType);
      } else if (def.type === "record") {
        next.push(def.valueType as z.ZodType);
      }
    }
    value = isRecordLike(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[segment] : undefined;
    current = next;
  }
  return current.flatMap((option) => alternatives(option, value, narrow)).filter((option) => defOf(option).type === "object");
}

function keysOf(objects: readonly z.ZodType[]): string[] {
  return [...new Set(objects.flatMap((object) => Object.keys(defOf(object).shape as Record<string, unknown>)))];
}

function unknownKeyMessage(schema: z.ZodType, data: unknown, path: readonly PropertyKey[], key: string): string {
  const here = objectsAt(schema, data, path, true);
  const known = keysOf(here).filter((candidate) => candidate !== key);
  const suggestion = closestKey(key, known);
  if (suggestion) return `unknown key ${JSON.stringify(key)}; did you mean "${suggestion}"?`;

  // Valid in another branch of a discriminated union (e.g. `replicas` with mode: exclusive): say which.
  const everywhere = objectsAt(schema, data, path, false).filter((object) => key in (defOf(object).shape as Record<string, unknown>));
  const owner = valueAt(data, path);
  for (const object of everywhere) {
    for (const [field, fieldSchema] of Object.entries(defOf(object).shape as Record<string, z.ZodType>)) {
      const fieldDef = defOf(unwrap(fieldSchema));
      if (fieldDef.type !== "literal" || !isRecordLike(owner) || owner[field] === undefined) continue;
      const values = (fieldDef.values as unknown[]).map(String);
      if (!values.includes(String(owner[field]))) {
        return `unknown key ${JSON.stringify(key)} with ${field}: ${String(owner[field])}; only ${field}: ${values.join(" or ")} takes ${JSON.stringify(key)}, so remove it or change ${field}`;
      }
    }
  }
  return `unknown key ${JSON.stringify(key)}; ${known.length > 0 ? `keys here: ${known.join(", ")}; ` : ""}remove it`;
}

/**
 * The known key closest to `key`, to turn a typo into a fix: a match ignoring case, '-' and '_' first, else
 * the nearest within edit distance 2 (1 for keys of 4 characters or fewer). Never `key` itself.
 */
export function closestKey(key: string, candidates: readonly string[]): string | undefined {
  const normalize = (value: string) => value.toLowerCase().replace(/[-_\s]/g, "");
  const others = candidates.filter((candidate) => candidate !== key);
  const loose = others.find((candidate) => normalize(candidate) === normalize(key));
  if (loose) return loose;
  const limit = key.length <= 4 ? 1 : 2;
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of others) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/** The accepted value a mistyped one most likely means: a match ignoring case, '-' and '_', or a near miss of a longer value. */
function closestValue(value: string, options: readonly string[]): string | undefined {
  const suggestion = closestKey(value, options);
  if (!suggestion) return undefined;
  const normalize = (text: string) => text.toLowerCase().replace(/[-_\s]/g, "");
  return normalize(suggestion) === normalize(value) || value.length >= 5 ? suggestion : undefined;
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

// ---------------------------------------------------------------------------------------------------------------
// Lines

/**
 * ` (line N)` for the node at `path`: the line of its key when it is a mapping entry, else of the node itself;
 * the nearest existing parent when the node is absent; empty when unknown.
 */
export function lineOf(document: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): string {
  const at = (offset: number) => ` (line ${lineCounter.linePos(offset).line})`;
  for (let depth = path.length; depth >= 1; depth--) {
    const parent = depth === 1 ? document.contents : document.getIn(path.slice(0, depth - 1) as unknown[], true);
    const segment = path[depth - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      const keyRange = pair && isScalar(pair.key) ? pair.key.range : undefined;
      if (keyRange) return at(keyRange[0]);
    } else if (isSeq(parent) && typeof segment === "number") {
      const item = parent.items[segment] as { range?: [number, number, number] } | undefined;
      if (item && typeof item === "object" && item.range) return at(item.range[0]);
    }
  }
  const root = document.contents as { range?: [number, number, number] } | null;
  return path.length === 0 && root?.range ? at(root.range[0]) : "";
}
