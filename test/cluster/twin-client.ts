/**
 * What the cluster scenarios use to talk to the twin: real kubectl (the pinned Helm/kubectl package) against
 * the twin's API server, as the admin or impersonating a tenant admin exactly as the EKS access entry maps it.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { loadFleetConfig, type FleetConfig, type RegionConfig } from "../../lib/config/load";
import { tenantAdminGroup } from "../../lib/tenancy/namespace";
import { ensureHelmKubectl, REPO_ROOT } from "../../tools/twin/components";
import { twinStateDir } from "../../tools/twin/cluster";

export { REPO_ROOT };

export function twinKubeconfig(): string {
  const kubeconfig = process.env.FASTGPU_TWIN_KUBECONFIG ?? path.join(twinStateDir(), "kubeconfig");
  if (!fs.existsSync(kubeconfig)) throw new Error(`no twin kubeconfig at ${kubeconfig}: run \`npm run twin -- up\` or \`npm run test:cluster\``);
  return kubeconfig;
}

const tools = ensureHelmKubectl(() => undefined);
export const HELM = tools.helm;

export interface Result {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface As {
  readonly user: string;
  readonly groups: readonly string[];
}

/** The identity a tenant admin has on EKS: its access entry's username and the tenant-admin group. */
export function tenantAdmin(tenant: string): As {
  return { user: `${tenant}-admin`, groups: [tenantAdminGroup(tenant), "system:authenticated"] };
}

export function run(binary: string, args: readonly string[], input?: string, as?: As): Result {
  const impersonate = as ? [`--as=${as.user}`, ...as.groups.map((group) => `--as-group=${group}`)] : [];
  const result = spawnSync(binary, [...args, ...impersonate], {
    encoding: "utf8",
    input,
    env: { ...process.env, KUBECONFIG: twinKubeconfig() },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

export function kubectl(args: readonly string[], input?: string, as?: As): Result {
  return run(tools.kubectl, args, input, as);
}

/** kubectl that must succeed; returns stdout. */
export function kubectlOk(args: readonly string[], input?: string, as?: As): string {
  const result = kubectl(args, input, as);
  if (result.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${result.status}): ${result.stderr.trim()}`);
  return result.stdout;
}

export function getJson<T = Record<string, unknown>>(args: readonly string[], as?: As): T {
  return JSON.parse(kubectlOk(["get", ...args, "-o", "json"], undefined, as)) as T;
}

export function yamlOf(objects: readonly object[]): string {
  return objects.map((object) => `---\n${stringify(object, { lineWidth: 0 })}`).join("");
}

export function apply(objects: readonly object[], as?: As): Result {
  return kubectl(["apply", "-f", "-"], yamlOf(objects), as);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls until `check` returns a value. The limit only ends a scenario whose expected state never comes; no
 * assertion depends on how fast it comes.
 */
export async function eventually<T>(what: string, check: () => T | undefined | false, timeoutMs = 300_000, explain?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const why = explain ? `; ${explain()}` : "";
      throw new Error(`never happened: ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ""}${why}`);
    }
    await sleep(500);
  }
}

export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

export interface WorkloadJson {
  readonly metadata: { readonly name: string; readonly namespace: string; readonly ownerReferences?: { kind: string; name: string }[]; readonly labels?: Record<string, string> };
  readonly spec: { readonly priority?: number; readonly priorityClassName?: string; readonly active?: boolean };
  readonly status?: { readonly conditions?: Condition[]; readonly admission?: { clusterQueue: string; podSetAssignments: { flavors: Record<string, string> }[] } };
}

export function condition(object: { status?: { conditions?: Condition[] } }, type: string): Condition | undefined {
  return object.status?.conditions?.find((candidate) => candidate.type === type);
}

export function isAdmitted(workload: WorkloadJson): boolean {
  return condition(workload, "Admitted")?.status === "True";
}

/** The Kueue Workload of a Job (or other owner), by the owner's name. */
export function workloadOf(namespace: string, ownerName: string): WorkloadJson | undefined {
  const list = getJson<{ items: WorkloadJson[] }>(["workloads.kueue.x-k8s.io", "-n", namespace]);
  return list.items.find((workload) => workload.metadata.ownerReferences?.some((owner) => owner.name === ownerName));
}

export interface PodJson {
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels?: Record<string, string> };
  readonly spec: { readonly nodeName?: string; readonly schedulingGates?: { name: string }[] };
  readonly status?: { readonly phase?: string };
}

export function podsOf(namespace: string, selector: string): PodJson[] {
  return getJson<{ items: PodJson[] }>(["pods", "-n", namespace, "-l", selector]).items;
}

export function nodeLabels(name: string): Record<string, string> {
  return getJson<{ metadata: { labels: Record<string, string> } }>(["node", name]).metadata.labels;
}

/** Deletes every workload a scenario made in the tenant namespaces and waits until Kueue has let go of them. */
export async function clearTenantWorkloads(namespaces: readonly string[]): Promise<void> {
  for (const namespace of namespaces) {
    kubectlOk(["delete", "jobs,cronjobs,deployments,statefulsets,replicasets,pods", "--all", "-n", namespace, "--wait=false", "--ignore-not-found"]);
  }
  for (const namespace of namespaces) {
    await eventually(`${namespace} to hold no pods or workloads`, () => {
      const pods = getJson<{ items: PodJson[] }>(["pods", "-n", namespace]).items;
      // Pods kept by Kueue's finalizer go once their workload is gone.
      for (const pod of pods) kubectl(["patch", "pod", pod.metadata.name, "-n", namespace, "--type=json", "-p", '[{"op":"remove","path":"/metadata/finalizers"}]']);
      const workloads = getJson<{ items: WorkloadJson[] }>(["workloads.kueue.x-k8s.io", "-n", namespace]).items;
      return pods.length === 0 && workloads.length === 0;
    });
  }
}

export function defaultConfig(): { config: FleetConfig; region: RegionConfig } {
  const config = loadFleetConfig(path.join(REPO_ROOT, "config"));
  const name = process.env.FASTGPU_TWIN_REGION ?? config.regions[0].region;
  const region = config.regions.find((candidate) => candidate.region === name);
  if (!region) throw new Error(`FASTGPU_TWIN_REGION=${name} is not in config/`);
  return { config, region };
}

