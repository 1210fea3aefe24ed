/**
 * `npm run smoke -- --region <r> [--pool <p>] [--profile quick|full] [--out <dir>] [--context <ctx>]
 *  [--image <ref>] [--timeout-minutes <n>] [--keep] [--config <dir>]`
 * reruns gpu-validate on every GPU node of a live cluster (current kubeconfig): one Job per node, progress
 * per node, a summary table, and per-node JSON reports plus a JUnit file in --out.
 *
 * `smoke.ts deploy-gate --region <r> --cluster <name> [--timeout-minutes <n>]` is what `cdktf deploy` runs
 * after installing the validation chart: it replaces the deploy-gate Jobs with the ones in its environment,
 * waits for them and fails, naming each failing node and check, when any node fails.
 *
 * Exit codes: 0 every node passed, 1 a node failed, 2 a node could not be validated, 3 bad usage or no
 * cluster access.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, formatProblem } from "../lib/config/errors";
import { configDirFromEnv } from "../lib/config/load";
import { loadFleetModel } from "../lib/model/region";
import { DeployGateInputError } from "../lib/validation/gate-command";
import { jobFinished, parseGateJobs, podState, resultFromPod, smokeJob, type JobLike, type PodLike } from "../lib/validation/jobs";
import { DEPLOY_GATE_COMPONENT, withImageRepository } from "../lib/validation/objects";
import { describeFailure, exitCodeOf, junitXml, noResult, renderResultsTable, type NodeResult } from "../lib/validation/results";
import { VALIDATION_CONTAINER } from "../lib/validation/workload";
import { parseFlags, single, UsageError } from "./cli-args";
import { connectionFromEnvironment, connectionFromKubeconfig, KubeClient, KubeError } from "./kube";
import { POOL_LABEL, DEPLOY_GATE_ENV, CONTROLLER_UID_LABEL, SMOKE_RUN_LABEL, COMPONENT_LABEL, NAMESPACES } from "../lib/naming";
import { type PoolModel } from "../lib/model/pool";

const SMOKE_USAGE =
  "npm run smoke -- --region <region> [--pool <pool>] [--profile quick|full] [--out <dir>] [--context <ctx>] [--image <ref>] [--timeout-minutes <n>] [--keep] [--config <dir>]";
const GATE_USAGE = "smoke.ts deploy-gate --region <region> --cluster <name> [--timeout-minutes <n>] (Jobs in $FASTGPU_DEPLOY_GATE_JOBS)";
const POLL_MS = 5_000;

interface List<T> {
  readonly items: T[];
}

interface NodeObject {
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string> };
  readonly status?: { readonly conditions?: { readonly type: string; readonly status: string }[] };
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function podsOf(client: KubeClient, selector: string): Promise<PodLike[]> {
  const list = await client.get<List<PodLike>>(`/api/v1/namespaces/${NAMESPACES.platform}/pods?labelSelector=${encodeURIComponent(selector)}`);
  return list.items;
}

async function collectResults(client: KubeClient, pods: readonly PodLike[], poolOf: (pod: PodLike) => string): Promise<NodeResult[]> {
  const results: NodeResult[] = [];
  for (const pod of pods) {
    const podLog = await client.log(NAMESPACES.platform, pod.metadata.name);
    results.push(resultFromPod(pod, podLog, poolOf(pod)));
  }
  return results;
}

/** Prints a line per pod whenever its state changes. */
function progressPrinter(): (pods: readonly PodLike[], poolOf: (pod: PodLike) => string) => void {
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

function writeArtifacts(outDir: string, results: readonly NodeResult[], suite: string): void {
  fs.mkdirSync(outDir, { recursive: true });
  for (const result of results) {
    if (result.report) fs.writeFileSync(path.join(outDir, `${result.node}.json`), `${JSON.stringify(result.report, null, 2)}\n`);
  }
  fs.writeFileSync(path.join(outDir, "junit.xml"), junitXml(results, suite));
}

/** Time for people, random for uniqueness: two runs in the same second must not see each other's Jobs. */
function timestampId(): string {
  return `${new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").toLowerCase()}-${randomBytes(2).toString("hex")}`;
}

async function runSmoke(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(
    argv,
    {
      region: { takesValue: true },
      pool: { takesValue: true },
      profile: { takesValue: true },
      out: { takesValue: true },
      context: { takesValue: true },
      image: { takesValue: true },
      "timeout-minutes": { takesValue: true },
      keep: { takesValue: false },
      config: { takesValue: true },
    },
    SMOKE_USAGE,
  );
  const regionName = single(flags, "region");
  if (!regionName) throw new UsageError("--region is required", SMOKE_USAGE);
  const config = loadFleetModel(single(flags, "config") ?? configDirFromEnv(process.env));
  const region = config.regions.find((candidate) => candidate.region === regionName);
  if (!region) throw new UsageError(`region "${regionName}" is not in the config; active regions: ${config.regions.map((r) => r.region).join(", ")}`, SMOKE_USAGE);
  const poolName = single(flags, "pool");
  const pools = new Map<string, PoolModel>(region.pools.filter((model) => !poolName || model.pool.name === poolName).map((model) => [model.pool.name, model]));
  if (poolName && pools.size === 0) throw new UsageError(`no pool "${poolName}" in ${regionName}; pools: ${region.pools.map((model) => model.pool.name).join(", ")}`, SMOKE_USAGE);
  const profile = single(flags, "profile") ?? config.fleet.validation.profile;
  if (profile !== "quick" && profile !== "full") throw new UsageError(`--profile must be quick or full, not "${profile}"`, SMOKE_USAGE);
  const timeoutMinutes = Number(single(flags, "timeout-minutes") ?? (profile === "full" ? 30 : 15));
  if (!Number.isFinite(timeoutMinutes) || timeoutMinutes <= 0) throw new UsageError("--timeout-minutes must be a positive number", SMOKE_USAGE);

  const client = new KubeClient(connectionFromKubeconfig(process.env, single(flags, "context")));
  const selector = poolName ? `${POOL_LABEL}=${poolName}` : POOL_LABEL;
  const nodes = (await client.get<List<NodeObject>>(`/api/v1/nodes?labelSelector=${encodeURIComponent(selector)}`)).items;
  const wrongRegion = nodes.find((node) => {
    const nodeRegion = node.metadata.labels?.["topology.kubernetes.io/region"];
    return nodeRegion !== undefined && nodeRegion !== regionName;
  });
  if (wrongRegion) {
    throw new KubeError(`${client.connection.description} is in ${wrongRegion.metadata.labels?.["topology.kubernetes.io/region"]}, not ${regionName}; switch with --context`);
  }
  const targets = nodes.filter((node) => pools.has(node.metadata.labels?.[POOL_LABEL] ?? ""));
  if (targets.length === 0) {
    log(`no GPU nodes in ${[...pools.keys()].join(", ")} right now (pools at zero nodes have nothing to validate)`);
    return 2;
  }

  const image = single(flags, "image") ?? (await deployedImage(client, [...pools.keys()]));
  const runId = timestampId();
  log(`validating ${targets.length} node(s) in ${regionName} with ${image} (profile ${profile}, run ${runId})`);
  const created: string[] = [];
  const poolByNode = new Map<string, string>();
  for (const node of targets) {
    const pool = node.metadata.labels![POOL_LABEL];
    poolByNode.set(node.metadata.name, pool);
    const job = smokeJob({ node: node.metadata.name, facts: pools.get(pool)!, image, profile, runId, timeoutSeconds: timeoutMinutes * 60 });
    await client.create(`/apis/batch/v1/namespaces/${NAMESPACES.platform}/jobs`, job);
    created.push(job.metadata.name);
  }

  const poolOf = (pod: PodLike) => pod.metadata.labels?.[POOL_LABEL] ?? "?";
  const progress = progressPrinter();
  const deadline = Date.now() + timeoutMinutes * 60_000 + 60_000;
  let pods: PodLike[] = [];
  for (;;) {
    pods = await podsOf(client, `${SMOKE_RUN_LABEL}=${runId}`);
    progress(pods, poolOf);
    const jobs = (await client.get<List<JobLike>>(`/apis/batch/v1/namespaces/${NAMESPACES.platform}/jobs?labelSelector=${encodeURIComponent(`${SMOKE_RUN_LABEL}=${runId}`)}`)).items;
    if (jobs.length >= created.length && jobs.every(jobFinished)) break;
    if (Date.now() > deadline) {
      log(`timed out after ${timeoutMinutes} minutes`);
      break;
    }
    await sleep(POLL_MS);
  }

  const results = await collectResults(client, pods, poolOf);
  const reported = new Set(results.map((result) => result.node));
  for (const [node, pool] of poolByNode) if (!reported.has(node)) results.push(noResult(node, pool, "no validation pod ran on the node"));
  results.sort((a, b) => a.pool.localeCompare(b.pool) || a.node.localeCompare(b.node));

  const outDir = single(flags, "out") ?? path.join("smoke-results", `${regionName}-${runId}`);
  writeArtifacts(outDir, results, `smoke/${regionName}`);
  if (!flags.keep) for (const name of created) await client.remove(`/apis/batch/v1/namespaces/${NAMESPACES.platform}/jobs/${name}`);
  process.stdout.write(`${renderResultsTable(results)}\nreports and JUnit: ${outDir}\n`);
  return exitCodeOf(results);
}

/** The image the region's join gate runs: what the last deploy installed. */
async function deployedImage(client: KubeClient, pools: readonly string[]): Promise<string> {
  for (const pool of pools) {
    const daemonSet = await client.find<{ spec: { template: { spec: { containers: { name: string; image: string }[] } } } }>(
      `/apis/apps/v1/namespaces/${NAMESPACES.platform}/daemonsets/gpu-join-gate-${pool}`,
    );
    const container = daemonSet?.spec.template.spec.containers.find((entry) => entry.name === VALIDATION_CONTAINER);
    if (container) return container.image;
  }
  throw new KubeError("no join-gate DaemonSet to take the validation image from (join gate off?); pass --image <repository>:<tag>");
}

const GATE_DELETE_WAIT_MS = 120_000;
/** Relative to the project directory, where the deploy gate runs; FASTGPU_GATE_RESULTS_DIR moves it. */
const GATE_RESULTS_DIR = "gate-results";

/**
 * The deploy gate owns its Jobs: it deletes the deploy-gate Jobs of earlier runs, creates this run's (from the
 * environment, see lib/validation/gate-command.ts), waits for every node's result and reports.
 */
async function runDeployGate(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, { region: { takesValue: true }, cluster: { takesValue: true }, "timeout-minutes": { takesValue: true } }, GATE_USAGE);
  const region = single(flags, "region");
  const cluster = single(flags, "cluster");
  if (!region || !cluster) throw new UsageError("--region and --cluster are required", GATE_USAGE);
  const timeoutMinutes = Number(single(flags, "timeout-minutes") ?? 40);
  if (!Number.isFinite(timeoutMinutes) || timeoutMinutes <= 0) throw new UsageError("--timeout-minutes must be a positive number", GATE_USAGE);
  const placeholder = process.env[DEPLOY_GATE_ENV.repositoryPlaceholder];
  const repository = process.env[DEPLOY_GATE_ENV.repository];
  if (!placeholder || !repository) throw new DeployGateInputError(`${DEPLOY_GATE_ENV.repository} and ${DEPLOY_GATE_ENV.repositoryPlaceholder} must be set (the deploy gate passes them)`);
  const gateJobs = parseGateJobs(process.env[DEPLOY_GATE_ENV.jobs], DEPLOY_GATE_ENV.jobs).map((gate) => ({
    ...gate,
    job: withImageRepository(gate.job, placeholder, repository),
  }));
  const client = new KubeClient(connectionFromEnvironment(process.env, cluster, region));
  const jobsPath = `/apis/batch/v1/namespaces/${NAMESPACES.platform}/jobs`;
  log(`fastgpu deploy gate: validating ${gateJobs.map((gate) => `${gate.nodes} ${gate.pool} node(s)`).join(", ")} in ${cluster}`);

  // Earlier runs' Jobs go first: a Job is immutable and its name is this run's too, and its old pods must not count.
  const previous = (await client.get<List<JobLike>>(`${jobsPath}?labelSelector=${encodeURIComponent(`${COMPONENT_LABEL}=${DEPLOY_GATE_COMPONENT}`)}`)).items;
  for (const job of previous) await client.remove(`${jobsPath}/${job.metadata.name}`);
  const deleteDeadline = Date.now() + GATE_DELETE_WAIT_MS;
  for (const gate of gateJobs) {
    while ((await client.find(`${jobsPath}/${gate.job.metadata.name}`)) !== undefined) {
      if (Date.now() > deleteDeadline) throw new KubeError(`Job ${gate.job.metadata.name} from an earlier run is still being deleted; rerun the deploy`);
      await sleep(2_000);
    }
  }
  const uids = new Map<string, string>();
  for (const gate of gateJobs) {
    const created = await client.create<JobLike>(jobsPath, gate.job);
    uids.set(gate.job.metadata.name, created.metadata.uid ?? "");
  }

  const poolOf = (pod: PodLike) => pod.metadata.labels?.[POOL_LABEL] ?? "?";
  const progress = progressPrinter();
  // A minute past the Jobs' own deadline, so that they have ended (and said why) when the gate stops looking.
  const deadline = Date.now() + timeoutMinutes * 60_000 + 60_000;
  const pods = new Map<string, PodLike[]>();
  for (;;) {
    let allDone = true;
    for (const gate of gateJobs) {
      const name = gate.job.metadata.name;
      const object = await client.get<JobLike>(`${jobsPath}/${name}`);
      pods.set(name, await podsOf(client, `${CONTROLLER_UID_LABEL}=${uids.get(name)}`));
      if (!jobFinished(object)) allDone = false;
    }
    progress([...pods.values()].flat(), poolOf);
    if (allDone) break;
    if (Date.now() > deadline) {
      log(`deploy gate: timed out after ${timeoutMinutes} minutes`);
      break;
    }
    await sleep(POLL_MS);
  }

  const results: NodeResult[] = [];
  for (const gate of gateJobs) {
    const name = gate.job.metadata.name;
    const jobResults = await collectResults(client, pods.get(name) ?? [], () => gate.pool);
    results.push(...jobResults);
    for (let missing = jobResults.length; missing < gate.nodes; missing++) {
      results.push(noResult(`(node ${missing + 1} of ${gate.nodes})`, gate.pool, `no validation pod ran for Job ${name}`));
    }
  }
  // The next gate run deletes these Jobs and their pods: the reports are kept here as well.
  const outDir = path.join(process.env.FASTGPU_GATE_RESULTS_DIR || GATE_RESULTS_DIR, `${region}-${timestampId()}`);
  writeArtifacts(outDir, results, `deploy-gate/${region}`);
  process.stdout.write(`${renderResultsTable(results)}\nreports and JUnit: ${path.resolve(outDir)}\n`);
  const code = exitCodeOf(results);
  if (code !== 0) {
    for (const result of results.filter((entry) => entry.outcome !== "pass")) {
      const why = result.failures.length > 0 ? result.failures.map(describeFailure).join("; ") : result.message;
      process.stderr.write(`GPU validation ${result.outcome === "fail" ? "FAILED" : "did not complete"} on node ${result.node} (pool ${result.pool}): ${why}\n`);
    }
    process.stderr.write(
      `The gate's pods stay in namespace ${NAMESPACES.platform} until the next deploy gate run: kubectl -n ${NAMESPACES.platform} logs job/<job>; ` +
        `rerun the suite with npm run smoke -- --region ${region}\n`,
    );
    return 1;
  }
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  try {
    return argv[0] === "deploy-gate" ? await runDeployGate(argv.slice(1)) : await runSmoke(argv);
  } catch (error) {
    if (error instanceof UsageError || error instanceof KubeError || error instanceof DeployGateInputError) {
      process.stderr.write(`${error.message}\n`);
      return 3;
    }
    if (error instanceof ConfigError) {
      for (const problem of error.problems) process.stderr.write(`${formatProblem(problem)}\n`);
      return 3;
    }
    throw error;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
