/**
 * `npm run smoke -- --region <r> [--pool <p>] [--profile quick|full] [--out <dir>] [--context <ctx>]
 *  [--image <ref>] [--timeout-minutes <n>] [--keep] [--config <dir>]`
 * reruns gpu-validate on every GPU node of a live cluster (current kubeconfig): one Job per node, progress
 * per node, a summary table, and per-node JSON reports plus a JUnit file in --out.
 *
 * Exit codes (lib/errors.ts): 0 every node passed, 1 a node failed, 2 a node could not be validated (or there
 * is no GPU node to validate), 3 bad usage, 4 config problems, 5 no cluster access.
 */
import * as path from "node:path";
import { configDirFromEnv } from "../lib/config/load";
import { EXIT, runMain } from "../lib/errors";
import { loadFleetModel } from "../lib/model/region";
import { type PoolModel } from "../lib/model/pool";
import { POOL_LABEL, SMOKE_RUN_LABEL, NAMESPACES } from "../lib/naming";
import { jobFinished, smokeJob, type JobLike, type PodLike } from "../lib/validation/jobs";
import { exitCodeOf, noResult, renderResultsTable } from "../lib/validation/results";
import { VALIDATION_CONTAINER } from "../lib/validation/workload";
import { parseFlags, single, UsageError } from "./cli-args";
import { connectionFromKubeconfig, KubeClient, KubeError } from "./kube";
import { collectResults, log, podsOf, pollInterval, poolOfPod, progressPrinter, sleep, timestampId, writeArtifacts, type List } from "./validation-run";

const SMOKE_USAGE =
  "npm run smoke -- --region <region> [--pool <pool>] [--profile quick|full] [--out <dir>] [--context <ctx>] [--image <ref>] [--timeout-minutes <n>] [--keep] [--config <dir>]";
const POLL_MS = 5_000;

interface NodeObject {
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string> };
  readonly status?: { readonly conditions?: { readonly type: string; readonly status: string }[] };
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
    return EXIT.notValidated;
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

  const progress = progressPrinter();
  const pollMs = pollInterval(POLL_MS);
  const deadline = Date.now() + timeoutMinutes * 60_000 + 60_000;
  let pods: PodLike[] = [];
  for (;;) {
    pods = await podsOf(client, `${SMOKE_RUN_LABEL}=${runId}`);
    progress(pods, poolOfPod);
    const jobs = (await client.get<List<JobLike>>(`/apis/batch/v1/namespaces/${NAMESPACES.platform}/jobs?labelSelector=${encodeURIComponent(`${SMOKE_RUN_LABEL}=${runId}`)}`)).items;
    if (jobs.length >= created.length && jobs.every(jobFinished)) break;
    if (Date.now() > deadline) {
      log(`timed out after ${timeoutMinutes} minutes`);
      break;
    }
    await sleep(pollMs);
  }

  const results = await collectResults(client, pods, poolOfPod);
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

if (require.main === module) runMain(() => runSmoke(process.argv.slice(2)));
