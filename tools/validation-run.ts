/**
 * What a smoke run (tools/smoke.ts) and the deploy gate (tools/deploy-gate.ts) share: reading validation pods
 * and their reports from the cluster, printing each pod's progress, writing the per-node JSON reports and JUnit,
 * and the interval they poll the cluster at.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { podState, resultFromPod, type PodLike } from "../lib/validation/jobs";
import { junitXml, type NodeResult } from "../lib/validation/results";
import { NAMESPACES, POOL_LABEL, POLL_INTERVAL_ENV } from "../lib/naming";
import type { KubeClient } from "./kube";

export interface List<T> {
  readonly items: T[];
}

export const log = (line: string): void => void process.stderr.write(`${line}\n`);
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Milliseconds between polls: `defaultMs`, or what $FASTGPU_POLL_MS says (tests set it low). */
export function pollInterval(defaultMs: number, env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env[POLL_INTERVAL_ENV]);
  return env[POLL_INTERVAL_ENV] && Number.isFinite(value) && value >= 0 ? value : defaultMs;
}

/** The pool a validation pod belongs to, by its pool label. */
export const poolOfPod = (pod: PodLike): string => pod.metadata.labels?.[POOL_LABEL] ?? "?";

export async function podsOf(client: KubeClient, selector: string): Promise<PodLike[]> {
  const list = await client.get<List<PodLike>>(`/api/v1/namespaces/${NAMESPACES.platform}/pods?labelSelector=${encodeURIComponent(selector)}`);
  return list.items;
}

export async function collectResults(client: KubeClient, pods: readonly PodLike[], poolOf: (pod: PodLike) => string): Promise<NodeResult[]> {
  const results: NodeResult[] = [];
  for (const pod of pods) {
    const podLog = await client.log(NAMESPACES.platform, pod.metadata.name);
    results.push(resultFromPod(pod, podLog, poolOf(pod)));
  }
  return results;
}

/** Prints a line per pod whenever its state changes. */
export function progressPrinter(): (pods: readonly PodLike[], poolOf: (pod: PodLike) => string) => void {
  const seen = new Map<string, string>();
  return (pods, poolOf) => {
    for (const pod of pods) {
      const state = podState(pod);
      const node = pod.spec?.nodeName ?? "(not scheduled)";
      const line = `${poolOf(pod)} ${node}: ${state.phase}${state.phase === "pending" ? ` (${state.detail})` : state.phase === "failed" ? ` (${state.detail})` : ""}`;
      if (seen.get(pod.metadata.name) !== line) {
        seen.set(pod.metadata.name, line);
        log(`  ${line}`);
      }
    }
  };
}

export function writeArtifacts(outDir: string, results: readonly NodeResult[], suite: string): void {
  fs.mkdirSync(outDir, { recursive: true });
  for (const result of results) {
    if (result.report) fs.writeFileSync(path.join(outDir, `${result.node}.json`), `${JSON.stringify(result.report, null, 2)}\n`);
  }
  fs.writeFileSync(path.join(outDir, "junit.xml"), junitXml(results, suite));
}

/** Time for people, random for uniqueness: two runs in the same second must not see each other's Jobs. */
export function timestampId(): string {
  return `${new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").toLowerCase()}-${randomBytes(2).toString("hex")}`;
}
