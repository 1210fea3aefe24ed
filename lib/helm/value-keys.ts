/**
 * Checks Helm values against the keys a pinned chart version defines (lib/helm/chart-keys.ts), so a misspelt
 * or removed key fails the synth instead of being silently ignored by Helm on the cluster.
 */
import type { HelmChartPin } from "../versions";
import { CHART_KEYS_DIR, CHART_KEYS_GENERATOR, chartKeysFileName, chartValueKeys, type ChartValueKeys } from "./chart-keys";

const knownPaths = new WeakMap<object, ReadonlySet<string>>();

/** Dotted key paths of `values` that the chart does not define (empty when all are known), in walk order. */
export function unknownValueKeys(values: object, chart: Pick<ChartValueKeys, "paths" | "openPaths">): string[] {
  let known = knownPaths.get(chart);
  if (!known) knownPaths.set(chart, (known = new Set(chart.paths)));
  const open = chart.openPaths;
  const unknown: string[] = [];
  const walk = (value: unknown, path: string[]) => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return;
    for (const [key, child] of Object.entries(value)) {
      const childPath = [...path, key].join(".");
      if (open.some((prefix) => childPath.startsWith(`${prefix}.`))) continue;
      if (!known.has(childPath)) {
        unknown.push(childPath);
        continue;
      }
      walk(child, [...path, key]);
    }
  };
  walk(values, []);
  return unknown;
}

/** The keys of `values` that the pinned chart version does not define; throws when the pin has no key file. */
export function chartValueProblems(chart: HelmChartPin, values: object): string[] {
  return unknownValueKeys(values, chartValueKeys(chart));
}

/**
 * Throws when `values` sets a key the pinned chart version does not define, listing every such key with
 * `context` (which release, where) and the fix; also throws when the pin has no key file.
 */
export function assertChartValues(chart: HelmChartPin, values: object, context: string): void {
  const keys = chartValueKeys(chart);
  const unknown = unknownValueKeys(values, keys);
  if (unknown.length === 0) return;
  const file = `${CHART_KEYS_DIR}/${chartKeysFileName(chart)}`;
  throw new Error(
    [
      `${context}: Helm values set ${unknown.length === 1 ? "a key" : `${unknown.length} keys`} that chart ${chart.chart} ${chart.version} does not define, so Helm would silently ignore ${unknown.length === 1 ? "it" : "them"}:`,
      ...unknown.map((key) => `  - ${key}`),
      `Fix the key where the values are built (lib/helm/), against ${keys.source.repo} ${keys.source.tag} ${keys.source.path} (its key list: ${file}).`,
      `If the chart takes free-form content there, the key file should say so: widen FREE_FORM in ${CHART_KEYS_GENERATOR} and regenerate ${file}.`,
    ].join("\n"),
  );
}
