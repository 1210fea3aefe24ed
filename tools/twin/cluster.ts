/**
 * The cluster twin of one region: a real control plane (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler) and a real Kueue controller manager on loopback ports, kwok playing the nodes and the pods'
 * lifecycle, and the region's releases installed with real Helm, the way a deploy installs them.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { EXIT } from "../../lib/errors";
import type { RegionModel } from "../../lib/model/region";
import { renderValues } from "../../lib/helm/values";
import { regionReleases, type PlatformRelease } from "../../lib/platform/releases";
import { twinNodeObject, twinNodeSpecs, KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE, type TwinNodeCounts } from "../../lib/twin/nodes";
import { CHARTS, LOCAL_CHARTS, TWIN_KUEUE } from "../../lib/versions";
import {
  controlPlanePin,
  ensureControlPlane,
  ensureHelmKubectl,
  ensureKueue,
  REPO_ROOT,
  TwinError,
  type ControlPlaneBinaries,
  type HelmKubectl,
  type KueueBinaries,
} from "./components";
import { ensurePki, type TwinPki } from "./pki";
import { freeLoopbackPorts, isAlive, lastLines, startProcess, stopProcesses, type RecordedProcess } from "./processes";

export function twinStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FASTGPU_TWIN_DIR ?? path.join(REPO_ROOT, ".twin");
}

/** Parts of a deploy the twin does not run, and why: `status` prints these. */
export const LEFT_OUT: readonly { readonly part: string; readonly why: string }[] = [
  { part: "gpu-operator release (device plugin, GFD, DCGM, validator)", why: "needs GPUs; what it would advertise on a node comes from the pool's sharing mode (lib/model/sharing) instead" },
  { part: "cluster-autoscaler release", why: "not in the twin yet: the node lifecycle issue brings it; every pool starts at maxSize nodes (or --nodes)" },
  { part: "Kueue visibility API (APIService v1beta1/v1beta2.visibility.kueue.x-k8s.io)", why: "the aggregator cannot route to a process on the host; kubectl get workloads works without it" },
  { part: "join gate and deploy gate runs", why: "GPU nodes start as validated (label passed, validation taint lifted); the gate objects are installed" },
  { part: "kubelets, containers, pod networking, NetworkPolicy enforcement", why: "kwok plays nodes and pods (Running until deleted); NetworkPolicies are stored and validated, not enforced" },
];

interface TwinState {
  readonly region: string;
  readonly kubernetes: string;
  readonly ports: Readonly<Record<string, number>>;
  readonly processes: readonly RecordedProcess[];
  readonly kubeconfig: string;
  readonly startedAt: string;
  readonly ready: boolean;
}

const PORT_NAMES = ["etcdClient", "etcdPeer", "apiserver", "controllerManager", "scheduler", "kwok", "kueueWebhook", "kueueMetrics", "kueueHealth"] as const;
type PortName = (typeof PORT_NAMES)[number];

type Log = (line: string) => void;

function statePath(stateDir: string): string {
  return path.join(stateDir, "state.json");
}

function readState(stateDir: string): TwinState | undefined {
  try {
    return JSON.parse(fs.readFileSync(statePath(stateDir), "utf8")) as TwinState;
  } catch {
    return undefined;
  }
}

function writeState(stateDir: string, state: TwinState): void {
  const file = statePath(stateDir);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2) + "\n");
  fs.renameSync(`${file}.tmp`, file);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls until `check` returns true; the timeout is generous because this machine may be busy. `failed` is
 * asked first on every round and ends the wait at once with its message (a process that exited).
 */
async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, onTimeout: () => string = () => "", failed: () => string | undefined = () => undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failure = failed();
    if (failure) throw new TwinError(failure);
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new TwinError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${onTimeout() ? `\n${onTimeout()}` : ""}`);
    await sleep(500);
  }
}

function httpGet(url: string, options: { ca?: Buffer; token?: string; insecure?: boolean } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = https.get(
      url,
      { ca: options.ca, rejectUnauthorized: !options.insecure, headers: options.token ? { authorization: `Bearer ${options.token}` } : {}, timeout: 5000 },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on("timeout", () => request.destroy(new Error("timeout")));
    request.on("error", reject);
  });
}

function httpGetPlain(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { timeout: 5000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on("timeout", () => request.destroy(new Error("timeout")));
    request.on("error", reject);
  });
}

function kubeconfigText(server: string, pki: TwinPki): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "fastgpu-twin", cluster: { server, "certificate-authority": pki.caCert } }],
    users: [{ name: "twin-admin", user: { token: pki.adminToken } }],
    contexts: [{ name: "fastgpu-twin", context: { cluster: "fastgpu-twin", user: "twin-admin" } }],
    "current-context": "fastgpu-twin",
  });
}

/** Runs kubectl or helm against the twin; returns stdout, throws with stderr on failure. */
export function runTool(binary: string, args: readonly string[], kubeconfig: string, input?: string): string {
  const result = spawnSync(binary, args, { encoding: "utf8", input, env: { ...process.env, KUBECONFIG: kubeconfig }, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new TwinError(`${path.basename(binary)}: ${result.error.message}`);
  if (result.status !== 0) throw new TwinError(`${path.basename(binary)} ${args.slice(0, 3).join(" ")} failed: ${(result.stderr || result.stdout).trim()}`);
  return result.stdout;
}

function controlPlaneArgs(binaries: ControlPlaneBinaries, ports: Record<PortName, number>, pki: TwinPki, stateDir: string, kubeconfig: string) {
  const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
  const peerUrl = `http://127.0.0.1:${ports.etcdPeer}`;
  return {
    etcd: [
      binaries.etcd,
      [
        "--name=twin",
        `--data-dir=${path.join(stateDir, "etcd")}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=twin=${peerUrl}`,
        "--listen-metrics-urls=",
        // The twin's data is thrown away with it.
        "--unsafe-no-fsync=true",
        "--log-level=warn",
      ],
    ],
    apiserver: [
      binaries.kubeApiserver,
      [
        `--etcd-servers=${etcdUrl}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${ports.apiserver}`,
        `--tls-cert-file=${pki.apiserverCert}`,
        `--tls-private-key-file=${pki.apiserverKey}`,
        `--client-ca-file=${pki.caCert}`,
        `--token-auth-file=${pki.tokenFile}`,
        "--authorization-mode=RBAC",
        "--service-account-issuer=https://kubernetes.default.svc",
        `--service-account-key-file=${pki.serviceAccountPublicKey}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        "--service-cluster-ip-range=10.96.0.0/16",
        "--allow-privileged=true",
        // The kubernetes Service cannot point at a loopback address; nothing in the twin needs it.
        "--endpoint-reconciler-type=none",
        "--profiling=false",
      ],
    ],
    controllerManager: [
      binaries.kubeControllerManager,
      [
        `--kubeconfig=${kubeconfig}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${ports.controllerManager}`,
        "--leader-elect=false",
        `--service-account-private-key-file=${pki.serviceAccountKey}`,
        `--root-ca-file=${pki.caCert}`,
        "--use-service-account-credentials=false",
        "--profiling=false",
      ],
    ],
    scheduler: [binaries.kubeScheduler, [`--kubeconfig=${kubeconfig}`, "--bind-address=127.0.0.1", `--secure-port=${ports.scheduler}`, "--leader-elect=false", "--profiling=false"]],
  } as const;
}

export interface UpOptions {
  readonly region: RegionModel;
  readonly nodes: TwinNodeCounts;
  readonly log: Log;
  readonly env?: NodeJS.ProcessEnv;
}

export interface UpResult {
  readonly kubeconfig: string;
  readonly coldBuilds: readonly string[];
}

/** `twin up`: idempotent; on any failure nothing is left running. */
export async function twinUp(options: UpOptions): Promise<UpResult> {
  const { region, log } = options;
  const stateDir = twinStateDir(options.env);
  const pin = controlPlanePin(region.config.kubernetesVersion);
  const existing = readState(stateDir);
  if (existing && existing.ready && existing.processes.every((proc) => isAlive(proc.pid))) {
    if (existing.region !== region.region) {
      throw new TwinError(`a twin of ${existing.region} is running; run \`npm run twin -- down\` before starting one for ${region.region}`);
    }
    log(`twin of ${region.region} already running; reinstalling its releases and nodes`);
    const tools = ensureHelmKubectl(log);
    const kueue = ensureKueue(log);
    await installRegion(region, options.nodes, tools, kueue, existing.kubeconfig, stateDir, log, false);
    return { kubeconfig: existing.kubeconfig, coldBuilds: [] };
  }
  if (existing) {
    log("a previous twin stopped part-way; cleaning it up");
    twinDown(options.env);
  }

  const coldBuilds: string[] = [];
  const buildLog: Log = (line) => {
    if (line.startsWith("built ")) coldBuilds.push(line);
    log(line);
  };
  const binaries = ensureControlPlane(region.config.kubernetesVersion, buildLog);
  const kueue = ensureKueue(buildLog);
  const tools = ensureHelmKubectl(buildLog);

  fs.rmSync(stateDir, { recursive: true, force: true });
  fs.mkdirSync(stateDir, { recursive: true });
  const pki = ensurePki(stateDir);
  const portList = await freeLoopbackPorts(PORT_NAMES.length);
  const ports = Object.fromEntries(PORT_NAMES.map((name, i) => [name, portList[i]])) as Record<PortName, number>;
  const kubeconfig = path.join(stateDir, "kubeconfig");
  const server = `https://127.0.0.1:${ports.apiserver}`;
  fs.writeFileSync(kubeconfig, kubeconfigText(server, pki), { mode: 0o600 });
  const logDir = path.join(stateDir, "logs");
  const started: RecordedProcess[] = [];
  const record = (ready: boolean): void =>
    writeState(stateDir, { region: region.region, kubernetes: pin.kubernetes, ports, processes: started, kubeconfig, startedAt: new Date().toISOString(), ready });

  // Interrupted, `up` stops what it started, as it does on failure.
  const interrupted = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping what twin up started`);
    stopProcesses(started);
    fs.rmSync(stateDir, { recursive: true, force: true });
    process.exit(EXIT.interrupted);
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    const args = controlPlaneArgs(binaries, ports, pki, stateDir, kubeconfig);
    const start = (name: string, [binary, argv]: readonly [string, readonly string[]], env: NodeJS.ProcessEnv = {}): RecordedProcess => {
      const proc = startProcess(name, binary, argv, logDir, env);
      started.push(proc);
      record(false);
      return proc;
    };
    const alive = (proc: RecordedProcess, what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> =>
      waitFor(what, probe, timeoutMs, () => lastLines(proc.log), () => (isAlive(proc.pid) ? undefined : `${proc.name} exited during startup:\n${lastLines(proc.log)}`));

    log(`starting etcd ${pin.etcd} and Kubernetes ${pin.kubernetes} control plane on 127.0.0.1`);
    const etcd = start("etcd", args.etcd);
    await alive(etcd, "etcd", async () => (await httpGetPlain(`http://127.0.0.1:${ports.etcdClient}/health`)) === 200, 60_000);
    const ca = fs.readFileSync(pki.caCert);
    const apiserver = start("kube-apiserver", args.apiserver);
    await alive(apiserver, "kube-apiserver /readyz", async () => (await httpGet(`${server}/readyz`, { ca, token: pki.adminToken })) === 200, 180_000);
    const controllerManager = start("kube-controller-manager", args.controllerManager);
    const scheduler = start("kube-scheduler", args.scheduler);
    await alive(controllerManager, "kube-controller-manager /healthz", async () => (await httpGet(`https://127.0.0.1:${ports.controllerManager}/healthz`, { insecure: true })) === 200, 120_000);
    await alive(scheduler, "kube-scheduler /healthz", async () => (await httpGet(`https://127.0.0.1:${ports.scheduler}/healthz`, { insecure: true })) === 200, 120_000);

    log(`starting kwok ${TWIN_KUEUE.kwok} for the nodes and pods`);
    const kwok = start("kwok", [
      kueue.kwok,
      [
        `--kubeconfig=${kubeconfig}`,
        `--config=${kueue.kwokStages}`,
        "--manage-all-nodes=false",
        `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=${KWOK_NODE_ANNOTATION_VALUE}`,
        `--server-address=127.0.0.1:${ports.kwok}`,
        // Addresses kwok writes into pod and node status; nothing is routed to them.
        "--cidr=10.64.0.1/12",
        "--node-ip=10.63.0.1",
        "--node-lease-duration-seconds=40",
      ],
    ]);
    await alive(kwok, "kwok", async () => (await httpGetPlain(`http://127.0.0.1:${ports.kwok}/healthz`)) === 200, 60_000);

    await installRegion(region, options.nodes, tools, kueue, kubeconfig, stateDir, log, true, {
      start: (argv, env) => start("kueue", argv, env),
      alive,
      ports,
      pki,
    });
    record(true);
    return { kubeconfig, coldBuilds };
  } catch (error) {
    log("twin up failed; stopping what it started");
    stopProcesses(started);
    fs.rmSync(stateDir, { recursive: true, force: true });
    throw error;
  } finally {
    process.removeListener("SIGINT", interrupted);
    process.removeListener("SIGTERM", interrupted);
  }
}

interface KueueStarter {
  start(argv: readonly [string, readonly string[]], env: NodeJS.ProcessEnv): RecordedProcess;
  alive(proc: RecordedProcess, what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void>;
  readonly ports: Record<PortName, number>;
  readonly pki: TwinPki;
}

/** Helm release of a region release: upstream charts from the module cache, ours from the repository. */
function chartPath(release: PlatformRelease, kueue: KueueBinaries): string {
  if ("path" in release.chart) return path.join(REPO_ROOT, release.chart.path);
  if (release.chart.chart === CHARTS.kueue.chart) return kueue.kueueChart;
  throw new TwinError(`the twin has no chart for release ${release.name}`);
}

export function helmInstall(tools: HelmKubectl, kubeconfig: string, release: PlatformRelease, chart: string, stateDir: string, wait: boolean): void {
  const valuesFile = path.join(stateDir, `values-${release.name}.yaml`);
  fs.writeFileSync(valuesFile, renderValues(release.values));
  const args = ["upgrade", "--install", release.name, chart, "--namespace", release.namespace, "--values", valuesFile, "--timeout", `${release.timeoutSeconds}s`];
  if (release.createNamespace) args.push("--create-namespace");
  // The deploy's helm_release (provider helm 3.1.1) runs Helm 3's SDK, whose wait looks only at the release's
  // current objects. Helm 4's default watcher also waits for removed objects to be gone, and a ClusterQueue
  // with running workloads stays until they end (Kueue's finalizer); "legacy" is Helm 3's wait.
  if (wait) args.push("--wait=legacy");
  runTool(tools.helm, args, kubeconfig);
}

/** The releases the twin installs, in the deploy's order, and those it leaves out. */
export function twinReleases(region: RegionModel): { install: PlatformRelease[]; leftOut: PlatformRelease[] } {
  const { all } = regionReleases(region);
  const runnable = new Set<string>([CHARTS.kueue.chart, LOCAL_CHARTS.tenancy.chart, LOCAL_CHARTS.gpuValidation.chart]);
  return { install: all.filter((release) => runnable.has(release.chart.chart)), leftOut: all.filter((release) => !runnable.has(release.chart.chart)) };
}

async function installRegion(
  region: RegionModel,
  counts: TwinNodeCounts,
  tools: HelmKubectl,
  kueue: KueueBinaries,
  kubeconfig: string,
  stateDir: string,
  log: Log,
  fresh: boolean,
  starter?: KueueStarter,
): Promise<void> {
  const kubectl = (args: readonly string[], input?: string): string => runTool(tools.kubectl, args, kubeconfig, input);
  const nodes = twinNodeSpecs(region, counts);
  log(`creating ${nodes.length} kwok nodes (${[...new Set(nodes.map((node) => node.pool))].map((pool) => `${pool}: ${nodes.filter((node) => node.pool === pool).length}`).join(", ")})`);
  const manifest = nodes.map((spec) => JSON.stringify(twinNodeObject(spec))).join("\n");
  // Status is a subresource: create the nodes, then set what the kubelet would report.
  kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager=fastgpu-twin", "-f", "-"], manifest);
  for (const spec of nodes) {
    kubectl(["patch", "node", spec.name, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: twinNodeObject(spec).status })]);
  }
  await waitFor(
    "every node to be Ready",
    () => {
      const list = JSON.parse(kubectl(["get", "nodes", "-o", "json"])) as { items: { status?: { conditions?: { type: string; status: string }[] } }[] };
      return list.items.length >= nodes.length && list.items.every((node) => node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
    },
    120_000,
  );

  const { install } = twinReleases(region);
  for (const release of install) {
    const chart = chartPath(release, kueue);
    if (release.chart.chart === CHARTS.kueue.chart) {
      log(`helm upgrade --install ${release.name} (${release.chart.chart}@${release.chart.version} from sigs.k8s.io/kueue@${TWIN_KUEUE.kueue})`);
      // Helm's three-way merge would put the chart's service reference next to the twin's URL, which the
      // API server refuses; the chart recreates the webhook configurations, and they are rewired below.
      if (!fresh) kubectl(["delete", "mutatingwebhookconfigurations,validatingwebhookconfigurations", "-l", "app.kubernetes.io/name=kueue", "--ignore-not-found"]);
      helmInstall(tools, kubeconfig, release, chart, stateDir, false);
      wireKueueToHost(kubectl, release.namespace, starter?.pki ?? ensurePki(stateDir), fresh ? starter!.ports.kueueWebhook : readState(stateDir)!.ports.kueueWebhook);
      if (fresh) await startKueue(kubectl, release.namespace, kueue, stateDir, kubeconfig, starter!, log);
      await waitForKueueWebhooks(kubectl);
    } else {
      log(`helm upgrade --install ${release.name} (${release.chart.chart}@${release.chart.version})`);
      helmInstall(tools, kubeconfig, release, chart, stateDir, release.wait ?? true);
    }
  }
}

/**
 * Kueue's webhooks and visibility API point at its in-cluster Service; in the twin the controller runs on
 * the host, so the webhooks get its loopback URL and the twin's CA, and the APIServices are removed.
 */
function wireKueueToHost(kubectl: (args: readonly string[], input?: string) => string, namespace: string, pki: TwinPki, port: number): void {
  const caBundle = fs.readFileSync(pki.caCert).toString("base64");
  for (const kind of ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"]) {
    const list = JSON.parse(kubectl(["get", kind, "-l", "app.kubernetes.io/name=kueue", "-o", "json"])) as { items: Record<string, unknown>[] };
    for (const item of list.items) {
      const webhooks = (item.webhooks as { clientConfig: { service?: { namespace: string; path?: string }; url?: string; caBundle?: string } }[]) ?? [];
      for (const webhook of webhooks) {
        const service = webhook.clientConfig.service;
        if (service) {
          if (service.namespace !== namespace) throw new TwinError(`unexpected Kueue webhook service namespace ${service.namespace}`);
          webhook.clientConfig = { url: `https://127.0.0.1:${port}${service.path ?? "/"}`, caBundle };
        }
      }
      delete (item.metadata as Record<string, unknown>).managedFields;
      kubectl(["replace", "-f", "-"], JSON.stringify(item));
    }
  }
  const services = JSON.parse(kubectl(["get", "apiservices", "-o", "json"])) as { items: { metadata: { name: string }; spec?: { service?: { namespace?: string } } }[] };
  for (const apiService of services.items) {
    if (apiService.spec?.service?.namespace === namespace) kubectl(["delete", "apiservice", apiService.metadata.name, "--ignore-not-found"]);
  }
}

/** What the chart's ConfigMap gives the controller, with only what a host process needs changed. */
export function hostKueueConfiguration(
  chartConfig: Record<string, unknown>,
  ports: { webhook: number; metrics: number; health: number },
  certDir: string,
  namespace: string,
): Record<string, unknown> {
  return {
    ...chartConfig,
    // In a pod the lease namespace comes from the service account mount; on the host it must be named.
    leaderElection: { ...(chartConfig.leaderElection as object), resourceNamespace: namespace },
    health: { ...(chartConfig.health as object), healthProbeBindAddress: `127.0.0.1:${ports.health}` },
    metrics: { ...(chartConfig.metrics as object), bindAddress: `127.0.0.1:${ports.metrics}` },
    webhook: { ...(chartConfig.webhook as object), host: "127.0.0.1", port: ports.webhook, certDir },
    // The chart's internal cert management writes a Secret for the in-cluster Service name; the host
    // process serves the twin's 127.0.0.1 certificate instead.
    internalCertManagement: { enable: false },
  };
}

async function startKueue(
  kubectl: (args: readonly string[], input?: string) => string,
  namespace: string,
  kueue: KueueBinaries,
  stateDir: string,
  kubeconfig: string,
  starter: KueueStarter,
  log: Log,
): Promise<void> {
  const configMap = JSON.parse(kubectl(["-n", namespace, "get", "configmap", "kueue-manager-config", "-o", "json"])) as { data: Record<string, string> };
  const chartConfig = parse(configMap.data["controller_manager_config.yaml"]) as Record<string, unknown>;
  const configFile = path.join(stateDir, "kueue-config.yaml");
  const ports = { webhook: starter.ports.kueueWebhook, metrics: starter.ports.kueueMetrics, health: starter.ports.kueueHealth };
  fs.writeFileSync(configFile, stringify(hostKueueConfiguration(chartConfig, ports, starter.pki.webhookCertDir, namespace)));
  log(`starting Kueue ${TWIN_KUEUE.kueue} controller manager with the chart's Configuration`);
  // Visibility on demand serves an aggregated API the twin cannot route to (see LEFT_OUT).
  const kueueArgs = [`--config=${configFile}`, "--feature-gates=VisibilityOnDemand=false", "--zap-log-level=info"];
  const proc = starter.start(podMounts(kueue.kueue, kueueArgs, stateDir, { [KUEUE_METRICS_CERT_DIR]: starter.pki.webhookCertDir }), {
    KUBECONFIG: kubeconfig,
    POD_NAMESPACE: namespace,
  });
  await starter.alive(proc, "Kueue /readyz", async () => (await httpGetPlain(`http://127.0.0.1:${ports.health}/readyz`)) === 200, 180_000);
}

/** Without internal cert management, Kueue reads its metrics certificate from this fixed path. */
const KUEUE_METRICS_CERT_DIR = "/etc/kueue/metrics/certs";

/**
 * Plays the kubelet's volume mounts for a process on the host: the binary runs in a private mount
 * namespace where /etc is an overlay (so nothing on the host changes) and each folder is bind-mounted at
 * the path the pod would see. Root uses a plain mount namespace; anyone else a user namespace as well.
 */
function podMounts(binary: string, args: readonly string[], stateDir: string, mounts: Readonly<Record<string, string>>): readonly [string, readonly string[]] {
  const upper = path.join(stateDir, "etc-overlay", "upper");
  const work = path.join(stateDir, "etc-overlay", "work");
  fs.mkdirSync(upper, { recursive: true });
  fs.mkdirSync(work, { recursive: true });
  const quote = (value: string): string => `'${value.replace(/'/g, "'\\''")}'`;
  const script = [
    "set -e",
    `mount -t overlay overlay -o lowerdir=/etc,upperdir=${quote(upper)},workdir=${quote(work)} /etc`,
    ...Object.entries(mounts).flatMap(([target, source]) => [`mkdir -p ${quote(target)}`, `mount --bind ${quote(source)} ${quote(target)}`]),
    'exec "$@"',
  ].join("\n");
  const namespaces = process.getuid?.() === 0 ? ["--mount"] : ["--user", "--map-root-user", "--mount"];
  return ["unshare", [...namespaces, "--propagation", "private", "sh", "-c", script, "sh", binary, ...args]];
}

/** Kueue's webhooks answer when a server-side dry run through them succeeds. */
async function waitForKueueWebhooks(kubectl: (args: readonly string[], input?: string) => string): Promise<void> {
  const probe = JSON.stringify({ apiVersion: "kueue.x-k8s.io/v1beta2", kind: "ResourceFlavor", metadata: { name: "twin-webhook-probe" } });
  let lastError = "";
  await waitFor(
    "Kueue's webhooks to answer",
    () => {
      try {
        kubectl(["create", "--dry-run=server", "-f", "-"], probe);
        return true;
      } catch (error) {
        lastError = (error as Error).message;
        return false;
      }
    },
    120_000,
    () => lastError,
  );
}

export function twinDown(env: NodeJS.ProcessEnv = process.env): string[] {
  const stateDir = twinStateDir(env);
  const state = readState(stateDir);
  const stopped: string[] = [];
  if (state) {
    stopProcesses(state.processes);
    stopped.push(...state.processes.map((proc) => proc.name));
  }
  fs.rmSync(stateDir, { recursive: true, force: true });
  return stopped;
}

export interface TwinStatus {
  readonly running: boolean;
  readonly lines: readonly string[];
  readonly kubeconfig?: string;
}

export function twinStatus(env: NodeJS.ProcessEnv = process.env): TwinStatus {
  const state = readState(twinStateDir(env));
  const leftOut = ["left out of the twin:", ...LEFT_OUT.map((item) => `  ${item.part}: ${item.why}`)];
  if (!state) return { running: false, lines: ["no twin is running", ...leftOut] };
  const rows = state.processes.map((proc) => `  ${proc.name.padEnd(24)} pid ${String(proc.pid).padEnd(8)} ${isAlive(proc.pid) ? "running" : "STOPPED"}  log ${proc.log}`);
  const running = state.ready && state.processes.every((proc) => isAlive(proc.pid));
  return {
    running,
    kubeconfig: state.kubeconfig,
    lines: [
      `twin of ${state.region} (Kubernetes ${state.kubernetes}, Kueue ${TWIN_KUEUE.kueue}, kwok ${TWIN_KUEUE.kwok}), started ${state.startedAt}: ${running ? "running" : "NOT healthy (run down, then up)"}`,
      ...rows,
      `  API server https://127.0.0.1:${state.ports.apiserver}`,
      ...leftOut,
    ],
  };
}

