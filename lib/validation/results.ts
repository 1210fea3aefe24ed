/**
 * gpu-validate reports (kernels-image/schema/report.schema.json, schemaVersion 1) read back from pod logs,
 * turned into one result per node, a summary table and JUnit XML. No cluster access here.
 */
import { z } from "zod";

const thresholdSchema = z.object({ comparison: z.string(), value: z.number(), unit: z.string(), source: z.string(), binding: z.boolean() }).loose();
const checkSchema = z
  .object({
    name: z.string(),
    status: z.enum(["pass", "fail", "skip", "error"]),
    value: z.number().nullable(),
    unit: z.string().nullable(),
    threshold: thresholdSchema.nullable(),
    durationSeconds: z.number(),
    reason: z.string(),
  })
  .loose();
const reportSchema = z
  .object({
    schemaVersion: z.literal(1),
    profile: z.string(),
    verdict: z.enum(["pass", "fail", "could-not-run"]),
    exitCode: z.number().int(),
    reason: z.string(),
    durationSeconds: z.number(),
    startedAt: z.string(),
    injectedFaults: z.array(z.string()),
    node: z.object({ name: z.string() }).loose(),
    gpus: z.array(z.object({ index: z.number().int(), name: z.string(), uuid: z.string(), checks: z.array(checkSchema) }).loose()),
    nodeChecks: z.array(checkSchema),
  })
  .loose();

export type ValidationReport = z.output<typeof reportSchema>;
export type ReportCheck = z.output<typeof checkSchema>;

export class ReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReportError";
  }
}

export function parseReport(text: string, origin: string): ValidationReport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ReportError(`${origin}: not JSON (${(error as Error).message})`);
  }
  const parsed = reportSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ReportError(`${origin}: not a gpu-validate report (schemaVersion 1): ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * The JSON report in a pod log. gpu-validate prints it pretty, from a line `{` to a line `}`; the table
 * and the join gate's own lines (same log: stdout and stderr are merged) sit around it.
 */
export function reportFromLog(log: string): string | undefined {
  const lines = log.split("\n");
  const start = lines.findIndex((line) => line === "{");
  if (start < 0) return undefined;
  const end = lines.findIndex((line, index) => index > start && line === "}");
  return end < 0 ? undefined : lines.slice(start, end + 1).join("\n");
}

export type NodeOutcome = "pass" | "fail" | "could-not-run" | "no-result";

export interface CheckFailure {
  /** `node`, or `gpu<N>` for a GPU's check. */
  readonly scope: string;
  readonly check: ReportCheck;
}

export interface NodeResult {
  readonly node: string;
  readonly pool: string;
  readonly outcome: NodeOutcome;
  readonly failures: readonly CheckFailure[];
  /** Why there is no report, or the report's own run-level reason. */
  readonly message: string;
  readonly report?: ValidationReport;
}

export function failuresOf(report: ValidationReport): CheckFailure[] {
  const failures: CheckFailure[] = [];
  for (const check of report.nodeChecks) if (check.status === "fail" || check.status === "error") failures.push({ scope: "node", check });
  for (const gpu of report.gpus) {
    for (const check of gpu.checks) if (check.status === "fail" || check.status === "error") failures.push({ scope: `gpu${gpu.index}`, check });
  }
  return failures;
}

export function resultFromReport(report: ValidationReport, pool: string, node = report.node.name): NodeResult {
  return { node, pool, outcome: report.verdict, failures: failuresOf(report), message: report.reason, report };
}

export function noResult(node: string, pool: string, message: string): NodeResult {
  return { node, pool, outcome: "no-result", failures: [], message };
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(value >= 100 ? 0 : 2);
}

/** `gpu3 hbm-bandwidth: fail: 2100 GB/s vs floor >= 3360 GB/s (reason)` */
export function describeFailure(failure: CheckFailure): string {
  const { check } = failure;
  const measured = check.value === null ? "" : `: ${formatNumber(check.value)}${check.unit ? ` ${check.unit}` : ""}`;
  const threshold = check.threshold ? ` vs ${check.threshold.comparison} ${formatNumber(check.threshold.value)} ${check.threshold.unit}` : "";
  return `${failure.scope} ${check.name}: ${check.status}${measured}${threshold}${check.reason ? ` (${check.reason})` : ""}`;
}

export interface Summary {
  readonly pass: number;
  readonly fail: number;
  readonly couldNotRun: number;
  readonly noResult: number;
}

export function summarize(results: readonly NodeResult[]): Summary {
  const count = (outcome: NodeOutcome) => results.filter((result) => result.outcome === outcome).length;
  return { pass: count("pass"), fail: count("fail"), couldNotRun: count("could-not-run"), noResult: count("no-result") };
}

/** 0 every node passed; 1 a node failed; 2 a node could not be validated (and none failed). */
export function exitCodeOf(results: readonly NodeResult[]): number {
  const summary = summarize(results);
  if (summary.fail > 0) return 1;
  if (summary.couldNotRun > 0 || summary.noResult > 0 || results.length === 0) return 2;
  return 0;
}

export function renderResultsTable(results: readonly NodeResult[]): string {
  const rows = results.map((result) => [
    result.pool,
    result.node,
    result.outcome.toUpperCase(),
    result.report ? `${result.report.durationSeconds.toFixed(0)} s` : "-",
    result.failures.length > 0 ? result.failures.map(describeFailure).join("; ") : result.outcome === "pass" ? "" : result.message,
  ]);
  const headers = ["POOL", "NODE", "RESULT", "TIME", "DETAILS"];
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column])))
      .join("  ")
      .trimEnd();
  const summary = summarize(results);
  return [
    line(headers),
    ...rows.map(line),
    "",
    `${results.length} node(s): ${summary.pass} passed, ${summary.fail} failed, ${summary.couldNotRun} could not run, ${summary.noResult} without a result`,
  ].join("\n");
}

function xml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    // XML 1.0 forbids most control characters even escaped.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "");
}

/**
 * JUnit XML: a testsuite per pool, a testcase per node and check (`gpu3 hbm-bandwidth`), failures and errors
 * with the measurement and threshold, skips with their reason. A node without a report is one errored case.
 */
export function junitXml(results: readonly NodeResult[], suitePrefix: string): string {
  const pools = [...new Set(results.map((result) => result.pool))];
  const suites = pools.map((pool) => {
    const cases: string[] = [];
    let tests = 0;
    let failures = 0;
    let errors = 0;
    let skipped = 0;
    for (const result of results.filter((entry) => entry.pool === pool)) {
      const classname = xml(`${pool}.${result.node}`);
      if (!result.report) {
        tests++;
        errors++;
        cases.push(`    <testcase classname="${classname}" name="gpu-validate" time="0"><error message="${xml(result.message)}"/></testcase>`);
        continue;
      }
      const scoped: { scope: string; check: ReportCheck }[] = [
        ...result.report.nodeChecks.map((check) => ({ scope: "node", check })),
        ...result.report.gpus.flatMap((gpu) => gpu.checks.map((check) => ({ scope: `gpu${gpu.index}`, check }))),
      ];
      if (scoped.length === 0) {
        tests++;
        errors++;
        cases.push(`    <testcase classname="${classname}" name="gpu-validate" time="0"><error message="${xml(result.message)}"/></testcase>`);
      }
      for (const { scope, check } of scoped) {
        tests++;
        const name = xml(`${scope} ${check.name}`);
        const time = check.durationSeconds.toFixed(3);
        const detail = xml(describeFailure({ scope, check }));
        let body = "";
        if (check.status === "fail") {
          failures++;
          body = `<failure message="${detail}"/>`;
        } else if (check.status === "error") {
          errors++;
          body = `<error message="${detail}"/>`;
        } else if (check.status === "skip") {
          skipped++;
          body = `<skipped message="${xml(check.reason)}"/>`;
        }
        cases.push(`    <testcase classname="${classname}" name="${name}" time="${time}">${body}</testcase>`);
      }
    }
    return [
      `  <testsuite name="${xml(`${suitePrefix}/${pool}`)}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}">`,
      ...cases,
      "  </testsuite>",
    ].join("\n");
  });
  return ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>", ...suites, "</testsuites>", ""].join("\n");
}
