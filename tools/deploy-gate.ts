/**
 * `npm run deploy-gate -- --region <r> --cluster <name> [--timeout-minutes <n>]` is what `cdktf deploy` runs
 * after installing the validation chart (lib/validation/gate-command.ts): it replaces the deploy-gate Jobs with
 * the ones in its environment (DEPLOY_GATE_ENV), waits for them and fails, naming each failing node and check,
 * when any node fails.
 *
 * Exit codes (lib/errors.ts): 0 every node passed, 1 a node failed, 2 a node could not be validated, 3 bad
 * usage, 4 the Jobs or image repository it was handed do not fit, 5 no cluster access.
 */
import * as path from "node:path";
import { EXIT, runMain } from "../lib/errors";
import { COMPONENT_LABEL, CONTROLLER_UID_LABEL, DEPLOY_GATE_ENV, NAMESPACES } from "../lib/naming";
import { DeployGateInputError } from "../lib/validation/gate-command";
import { jobFinished, parseGateJobs, type JobLike, type PodLike } from "../lib/validation/jobs";
import { DEPLOY_GATE_COMPONENT, withImageRepository } from "../lib/validation/objects";
import { describeFailure, exitCodeOf, noResult, renderResultsTable, type NodeResult } from "../lib/validation/results";
import { parseFlags, single, UsageError } from "./cli-args";
import { connectionFromEnvironment, KubeClient, KubeError } from "./kube";
import { collectResults, log, podsOf, pollInterval, poolOfPod, progressPrinter, sleep, timestampId, writeArtifacts, type List } from "./validation-run";

const GATE_USAGE = `npm run deploy-gate -- --region <region> --cluster <name> [--timeout-minutes <n>] (Jobs in $${DEPLOY_GATE_ENV.jobs})`;
const POLL_MS = 5_000;
const DELETE_POLL_MS = 2_000;
const GATE_DELETE_WAIT_MS = 120_000;
/** Relative to the project directory, where the deploy gate runs; $FASTGPU_GATE_RESULTS_DIR moves it. */
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
      await sleep(pollInterval(DELETE_POLL_MS));
    }
  }
  const uids = new Map<string, string>();
  for (const gate of gateJobs) {
    const created = await client.create<JobLike>(jobsPath, gate.job);
    uids.set(gate.job.metadata.name, created.metadata.uid ?? "");
  }

  const progress = progressPrinter();
  const pollMs = pollInterval(POLL_MS);
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
    progress([...pods.values()].flat(), poolOfPod);
    if (allDone) break;
    if (Date.now() > deadline) {
      log(`deploy gate: timed out after ${timeoutMinutes} minutes`);
      break;
    }
    await sleep(pollMs);
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
  const outDir = path.join(process.env[DEPLOY_GATE_ENV.resultsDir] || GATE_RESULTS_DIR, `${region}-${timestampId()}`);
  writeArtifacts(outDir, results, `deploy-gate/${region}`);
  process.stdout.write(`${renderResultsTable(results)}\nreports and JUnit: ${path.resolve(outDir)}\n`);
  const code = exitCodeOf(results);
  if (code !== EXIT.success) {
    for (const result of results.filter((entry) => entry.outcome !== "pass")) {
      const why = result.failures.length > 0 ? result.failures.map(describeFailure).join("; ") : result.message;
      process.stderr.write(`GPU validation ${result.outcome === "fail" ? "FAILED" : "did not complete"} on node ${result.node} (pool ${result.pool}): ${why}\n`);
    }
    process.stderr.write(
      `The gate's pods stay in namespace ${NAMESPACES.platform} until the next deploy gate run: kubectl -n ${NAMESPACES.platform} logs job/<job>; ` +
        `rerun the suite with npm run smoke -- --region ${region}\n`,
    );
  }
  return code;
}

if (require.main === module) runMain(() => runDeployGate(process.argv.slice(2)));
