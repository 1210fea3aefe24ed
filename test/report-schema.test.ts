/**
 * The gpu-validate report schema exists once: kernels-image/schema/report.schema.json. The TS reader
 * (lib/validation/results.ts) validates with that file and has its types generated from it; these tests
 * fail when the generated types drift from the schema, and pin that the reader rejects what the schema
 * rejects, with a message that names the pod or node and the field.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseReport, ReportError } from "../lib/validation/results";
import { expectedResultsSource, renderReportTypes, SCHEMA_FILE } from "../scripts/report-types";
import { REPO_ROOT } from "./helpers";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { [keyword: string]: any };

const FIXTURES = path.join(REPO_ROOT, "kernels-image/tests/fixtures/reports");
const fixtureNames = fs.readdirSync(FIXTURES).filter((name) => name.endsWith(".json")).sort();
const fixture = (name: string): { [key: string]: Json } => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8"));
const schema: Schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8"));

/** The error parseReport throws for `report` (fails the test when it throws none, or another kind). */
function rejection(report: unknown, origin = "pod smoke-x"): string {
  try {
    parseReport(JSON.stringify(report), origin);
  } catch (error) {
    expect(error).toBeInstanceOf(ReportError);
    return (error as Error).message;
  }
  throw new Error("parseReport accepted the report");
}

/** A copy of `report` with `edit` applied to the object at `at` (a path of keys and indices). */
function edited(report: { [key: string]: Json }, at: (string | number)[], edit: (parent: any, key: string | number) => void): { [key: string]: Json } {
  const copy = structuredClone(report);
  let parent: any = copy;
  for (const key of at.slice(0, -1)) parent = parent[key];
  edit(parent, at[at.length - 1]);
  return copy;
}

function resolve(node: Schema): Schema {
  return typeof node.$ref === "string" ? resolve(schema.$defs[node.$ref.replace("#/$defs/", "")]) : node;
}

/** The branch of a `oneOf` a value takes (the schema's branches differ by type: null or an object). */
function branchFor(node: Schema, value: Json): Schema {
  const resolved = resolve(node);
  if (!resolved.oneOf) return resolved;
  const kind = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  return resolve(resolved.oneOf.map(resolve).find((branch: Schema) => [branch.type].flat().includes(kind)));
}

/**
 * Every required field the schema names, at its first occurrence in `report` (first array item only):
 * the path of keys and indices to it, and its dotted name as the reader's errors spell it.
 */
function requiredFields(node: Schema, value: Json, at: (string | number)[] = []): (string | number)[][] {
  const branch = branchFor(node, value);
  if (Array.isArray(value)) return value.length > 0 && branch.items ? requiredFields(branch.items, value[0], [...at, 0]) : [];
  if (value === null || typeof value !== "object" || !branch.properties) return [];
  const found: (string | number)[][] = [];
  for (const key of branch.required ?? []) if (key in value) found.push([...at, key]);
  for (const [key, child] of Object.entries(branch.properties as Record<string, Schema>)) {
    if (key in value) found.push(...requiredFields(child, value[key], [...at, key]));
  }
  return found;
}

// One case per required field of the schema (paths with their indices dropped), from the first fixture that has it.
const requiredCases = new Map<string, { name: string; at: (string | number)[] }>();
for (const name of fixtureNames) {
  for (const at of requiredFields(schema, fixture(name))) {
    const generic = at.filter((key) => typeof key === "string").join(".");
    if (!requiredCases.has(generic)) requiredCases.set(generic, { name, at });
  }
}

describe("the report schema has one source", () => {
  it("results.ts carries exactly the types scripts/report-types.ts generates from report.schema.json", () => {
    // On a difference: node --import tsx scripts/report-types.ts, and review the diff.
    const { current, expected } = expectedResultsSource();
    expect(current).toEqual(expected);
  });

  it("the types follow a schema change (they are derived, not a copy)", () => {
    const renamed = structuredClone(schema);
    const check = renamed.$defs.check;
    check.properties.duration = check.properties.durationSeconds;
    delete check.properties.durationSeconds;
    check.required = check.required.map((key: string) => (key === "durationSeconds" ? "duration" : key));
    const block = renderReportTypes(renamed);
    expect(block).toMatch(/export interface ReportCheck \{[^}]*\n {2}duration: number;/);
    expect(block).not.toMatch(/export interface ReportCheck \{[^}]*durationSeconds/);
    // A keyword the generator does not know stops it, rather than being dropped from the types.
    const unknownKeyword = structuredClone(schema);
    unknownKeyword.$defs.check.additionalProperties = false;
    expect(() => renderReportTypes(unknownKeyword)).toThrow(/keyword "additionalProperties" at #\/\$defs\/check is not known/);
  });
});

describe("the TS reader validates with the schema", () => {
  it("accepts every committed fixture", () => {
    expect(fixtureNames.length).toBeGreaterThanOrEqual(6);
    for (const name of fixtureNames) {
      const report = parseReport(fs.readFileSync(path.join(FIXTURES, name), "utf8"), name);
      expect(report).toEqual(fixture(name));
    }
  });

  it("finds a case for every required field, nested ones included", () => {
    const cases = [...requiredCases.keys()];
    for (const field of ["schemaVersion", "tool.cublas", "node.name", "software.nvml.available", "summary.error", "gpus.sku.matchedBy", "gpus.context.sharing", "gpus.checks.durationSeconds", "gpus.checks.threshold.unit", "nodeChecks.status"]) {
      expect(cases).toContain(field);
    }
    expect(cases.length).toBeGreaterThan(60);
  });

  it.each([...requiredCases.values()].map(({ name, at }) => [at.join("."), name, at] as const))("rejects a report without %s (%s), naming the node and the field", (field, name, at) => {
    const report = fixture(name);
    const node = (report.node as { name: string }).name;
    // The node is named from the report itself, so not when its name is the missing field.
    const origin = field === "node" || field === "node.name" ? "pod smoke-x" : `pod smoke-x (node ${node})`;
    const expected = `${origin}: not a gpu-validate report (schemaVersion 1): ${field}: required field missing`;
    const missing = edited(report, at, (parent, key) => delete parent[key]);
    expect(rejection(missing)).toBe(expected);
    // A renamed field is a missing one: the schema allows unknown fields, so only the old name's absence shows.
    const renamed = edited(report, at, (parent, key) => {
      parent[`${key}_renamed`] = parent[key];
      delete parent[key];
    });
    expect(rejection(renamed)).toBe(expected);
  });

  it("names the field and the value for wrong values, deep inside a GPU's checks too", () => {
    const report = fixture("fail-h100-node.json");
    const prefix = "pod smoke-x (node sample-ip-10-40-77-1.ec2.internal): not a gpu-validate report (schemaVersion 1): ";
    const firstThreshold = (report.gpus as any[])[0].checks.findIndex((check: any) => check.threshold !== null);
    const threshold = ["gpus", 0, "checks", firstThreshold, "threshold"];
    const cases: [(string | number)[], Json, string][] = [
      [["verdict"], "passed", 'verdict: must be one of "pass", "fail", "could-not-run" (got "passed")'],
      [["exitCode"], 3, "exitCode: must be one of 0, 1, 2 (got 3)"],
      [["durationSeconds"], -1, "durationSeconds: must be >= 0 (got -1)"],
      [["gpus", 2, "sku"], "H100", 'gpus.2.sku: must be null or object (got "H100")'],
      [["gpus", 2, "pciDeviceId"], "0x23X0", 'gpus.2.pciDeviceId: must match pattern "^0x[0-9a-f]{4}$" (got "0x23X0")'],
      [["gpus", 1, "checks", 0, "value"], "12", 'gpus.1.checks.0.value: must be number or null (got "12")'],
      [["gpus", 1, "checks", 0, "status"], "ok", 'gpus.1.checks.0.status: must be one of "pass", "fail", "skip", "error" (got "ok")'],
      [[...threshold, "comparison"], "==", `${threshold.join(".")}.comparison: must be one of ">=", "<=" (got "==")`],
      [[...threshold, "value"], null, `${threshold.join(".")}.value: must be number (got null)`],
      [["node", "expectedGpus"], 8.5, "node.expectedGpus: must be integer or null (got 8.5)"],
    ];
    for (const [at, value, message] of cases) {
      expect(rejection(edited(report, at, (parent, key) => (parent[key] = value)))).toBe(prefix + message);
    }
    const noUnit = edited(report, [...threshold, "unit"], (parent, key) => delete parent[key]);
    expect(rejection(noUnit)).toBe(`${prefix}${threshold.join(".")}.unit: required field missing`);
  });

  it("says which schemaVersion a report of another version has, and what is not a report at all", () => {
    const v2 = { ...fixture("pass-h100-node.json"), schemaVersion: 2 };
    expect(rejection(v2)).toBe("pod smoke-x (node sample-ip-10-40-12-34.ec2.internal): not a gpu-validate report (schemaVersion 1): schemaVersion: must be 1 (got 2); this reader knows only schemaVersion 1");
    expect(rejection({ schemaVersion: 2 }, "x")).toBe("x: not a gpu-validate report (schemaVersion 1): schemaVersion: must be 1 (got 2); this reader knows only schemaVersion 1");
    expect(rejection([], "x")).toBe("x: not a gpu-validate report (schemaVersion 1): (root): must be object (got [])");
    expect(() => parseReport("{ not json", "pod p")).toThrow(/^pod p: not JSON \(/);
  });

  it("accepts fields the schema does not name (new optional fields need no version change)", () => {
    const report = { ...fixture("pass-l4-timeslice.json"), futureField: { x: 1 } };
    expect(parseReport(JSON.stringify(report), "x").verdict).toBe("pass");
  });
});
