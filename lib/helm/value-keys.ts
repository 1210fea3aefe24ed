/**
 * Checks Helm values against the keys a pinned chart version defines, so a misspelt or removed key is caught
 * in tests instead of being silently ignored by Helm on the cluster.
 */
import type { ChartValueKeys } from "./chart-keys/types";

/** Dotted key paths of `values` that the chart does not define (empty when all are known). */
export function unknownValueKeys(values: object, chart: ChartValueKeys): string[] {
  const known = new Set(chart.paths);
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
