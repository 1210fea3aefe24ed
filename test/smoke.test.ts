import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { loadFleetConfig } from "../lib/config/load";
import { EXIT } from "../lib/errors";
import { buildRegionModel } from "../lib/model/region";
import { DEPLOY_GATE_ENV, POLL_INTERVAL_ENV } from "../lib/naming";
import { regionDeployGate } from "../lib/platform/releases";
import { deployGateCommand, deployGateJobsValue } from "../lib/validation/gate-command";
import { podState, resultFromPod } from "../lib/validation/jobs";
import { describeFailure, exitCodeOf, junitXml, parseReport, ReportError, reportFromLog, resultFromReport, renderResultsTable } from "../lib/validation/results";
import { FIXTURE_REPORTS, startFakeKube, TOKEN, type FakeKube } from "./fake-kube";
import { DEFAULT_CONFIG_DIR, REPO_ROOT, tempDir } from "./helpers";
import { terraformForTests } from "../tools/toolchain/terraform";

/**
 * The tests below run the CLIs as processes against a fake API server in this one: each spawns tsx (seconds on
 * a busy machine), so each has its own generous limit, and the CLIs poll every few milliseconds instead of 5 s.
 * Nothing depends on how fast they run; a limit only stops a hang.
 */
const SUBPROCESS_TEST_MS = 240_000;

const fixture = (name: string) => fs.readFileSync(path.join(FIXTURE_REPORTS, name), "utf8");
const report = (name: string) => parseReport(fixture(name), name);

describe("gpu-validate reports (fixtures written by its own report code)", () => {
  it("read every fixture and keep its verdict", () => {
    expect(report("pass-h100-node.json").verdict).toBe("pass");
    expect(report("fail-h100-node.json").verdict).toBe("fail");
    expect(report("pass-l4-timeslice.json").verdict).toBe("pass");
    expect(report("fail-l4-timeslice.json").verdict).toBe("fail");
    expect(report("pass-a100-mig.json").verdict).toBe("pass");
    expect(report("no-gpu.json").verdict).toBe("could-not-run");
  });

  it("name each failing check with its measurement and threshold", () => {
    const result = resultFromReport(report("fail-h100-node.json"), "train-h100");
    expect(result.outcome).toBe("fail");
    const described = result.failures.map(describeFailure);
    expect(described).toEqual(expect.arrayContaining([expect.stringMatching(/^gpu3 hbm-bandwidth: fail: \d+(\.\d+)? GB\/s vs >= \d+(\.\d+)? GB\/s/), expect.stringMatching(/^gpu5 row-remap: fail/)]));
    expect(resultFromReport(report("pass-h100-node.json"), "train-h100").failures).toEqual([]);
  });

  it("come out of a pod log that also holds the table, and say why when there is none", () => {
    const log = `gpu-validate 0.1.0 | node x\n${fixture("pass-l4-timeslice.json").trimEnd()}\n  CHECK  STATUS\nVERDICT: PASS\n`;
    expect(JSON.parse(reportFromLog(log)!)).toEqual(JSON.parse(fixture("pass-l4-timeslice.json")));
    const pending = { metadata: { name: "p" }, status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", message: "0/3 nodes: insufficient nvidia.com/gpu" }] } };
    expect(podState(pending)).toEqual({ phase: "pending", detail: "not scheduled: 0/3 nodes: insufficient nvidia.com/gpu" });
    expect(resultFromPod(pending, undefined, "infer-l4")).toMatchObject({ outcome: "no-result", message: expect.stringContaining("insufficient nvidia.com/gpu") });
    expect(() => parseReport('{"schemaVersion": 2}', "x")).toThrow(ReportError);
    // A pinned smoke pod on a node whose GPUs tenants hold: the kubelet refuses it, and says so.
    const refused = {
      metadata: { name: "r" },
      spec: { nodeName: "ip-10-40-3-9.ec2.internal" },
      status: { phase: "Failed", reason: "OutOfnvidia.com/gpu", message: "Pod Node didn't have enough resource: nvidia.com/gpu, requested: 1, used: 4, capacity: 4" },
    };
    expect(resultFromPod(refused, undefined, "infer-l4")).toMatchObject({
      outcome: "no-result",
      message: "no report in the pod log (OutOfnvidia.com/gpu: Pod Node didn't have enough resource: nvidia.com/gpu, requested: 1, used: 4, capacity: 4)",
    });
  });

  it("add up to an exit code, a table and JUnit XML", () => {
    const results = [
      resultFromReport(report("pass-h100-node.json"), "train-h100"),
      resultFromReport(report("fail-h100-node.json"), "train-h100"),
      resultFromReport(report("pass-a100-mig.json"), "mig-a100"),
    ];
    expect(exitCodeOf(results)).toBe(1);
    expect(exitCodeOf([results[0], resultFromReport(report("no-gpu.json"), "x")])).toBe(2);
    expect(exitCodeOf([results[0]])).toBe(0);
    const table = renderResultsTable(results);
    expect(table).toMatch(/train-h100\s+sample-ip-10-40-77-1\.ec2\.internal\s+FAIL\s+\d+ s\s+node node-consistency: fail: .*; gpu3 hbm-bandwidth: fail: 2101 GB\/s vs >= 2345 GB\/s/);
    expect(table).toContain("3 node(s): 2 passed, 1 failed, 0 could not run, 0 without a result");

    const xml = junitXml(results, "smoke/us-east-1");
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>')).toBe(true);
    const suites = [...xml.matchAll(/<testsuite name="([^"]+)" tests="(\d+)" failures="(\d+)" errors="(\d+)" skipped="(\d+)">/g)];
    expect(suites.map((suite) => suite[1])).toEqual(["smoke/us-east-1/train-h100", "smoke/us-east-1/mig-a100"]);
    const cases = (suiteName: string) => xml.split(`<testsuite name="${suiteName}"`)[1].split("</testsuite>")[0];
    const trainCases = cases("smoke/us-east-1/train-h100");
    const countIn = (text: string, tag: string) => (text.match(new RegExp(`<${tag} `, "g")) ?? []).length;
    expect(Number(suites[0][2])).toBe(countIn(trainCases, "testcase"));
    expect(Number(suites[0][3])).toBe(countIn(trainCases, "failure"));
    expect(Number(suites[0][3])).toBeGreaterThanOrEqual(2);
    expect(trainCases).toMatch(/<testcase classname="train-h100\.sample-ip-10-40-77-1\.ec2\.internal" name="gpu3 hbm-bandwidth" time="[\d.]+"><failure message="gpu3 hbm-bandwidth: fail: /);
    // Every attribute value is escaped: no raw quotes or angle brackets inside one.
    for (const attribute of xml.matchAll(/="([^"]*)"/g)) expect(attribute[1]).not.toMatch(/[<>]/);
  });
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command as its own process, without blocking this one (the fake API server lives here). */
function runProcess(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, options);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs tools/<tool>.ts as `npm run <tool>` does, polling the cluster every 10 ms. */
function runTool(tool: "smoke" | "deploy-gate", args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return runProcess(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, `tools/${tool}.ts`), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, [POLL_INTERVAL_ENV]: "10", ...env },
  });
}
const runSmoke = (args: string[], env: NodeJS.ProcessEnv) => runTool("smoke", args, env);
const runGate = (args: string[], env: NodeJS.ProcessEnv) => runTool("deploy-gate", args, env);

/** A credential plugin like `aws eks get-token`: prints an ExecCredential with the fake server's token. */
function credentialScript(dir: string, name: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\necho '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"${TOKEN}"}}'\n`, { mode: 0o755 });
  return file;
}

describe("npm run smoke against a cluster", () => {
  let kube: FakeKube;
  let env: NodeJS.ProcessEnv;
  const nodes = [
    { name: "ip-10-40-12-34.ec2.internal", pool: "train-h100", region: "us-east-1", report: "pass-h100-node.json" },
    { name: "ip-10-40-77-1.ec2.internal", pool: "train-h100", region: "us-east-1", report: "fail-h100-node.json" },
    { name: "ip-10-40-3-9.ec2.internal", pool: "infer-l4", region: "us-east-1", report: "pass-l4-timeslice.json" },
    { name: "ip-10-40-8-8.ec2.internal", pool: "mig-a100", region: "us-east-1", report: "pass-a100-mig.json" },
  ];

  beforeAll(async () => {
    kube = await startFakeKube({ nodes, image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/fastgpu/gpu-validate:0.1.0" });
    const dir = tempDir("fastgpu-kubeconfig-");
    const kubeconfig = {
      apiVersion: "v1",
      kind: "Config",
      "current-context": "east",
      contexts: [{ name: "east", context: { cluster: "east", user: "east" } }],
      clusters: [{ name: "east", cluster: { server: kube.url, "certificate-authority-data": Buffer.from(kube.caPem).toString("base64") } }],
      users: [{ name: "east", user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: credentialScript(dir, "get-token") } } }],
    };
    fs.writeFileSync(path.join(dir, "config"), stringify(kubeconfig));
    env = { KUBECONFIG: path.join(dir, "config") };
  });
  afterAll(() => kube.close());

  it("validates every GPU node, reports per node and writes JSON reports and JUnit", async () => {
    const out = path.join(tempDir(), "results");
    const { code, stdout, stderr } = await runSmoke(["--region", "us-east-1", "--out", out], env);
    expect(code).toBe(1);
    expect(stderr).toMatch(/validating 4 node\(s\) in us-east-1 with 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/fastgpu\/gpu-validate:0\.1\.0/);
    expect(stderr).toMatch(/train-h100 ip-10-40-77-1\.ec2\.internal: failed \(exit 1/);
    expect(stdout).toMatch(/train-h100\s+ip-10-40-77-1\.ec2\.internal\s+FAIL/);
    expect(stdout).toMatch(/mig-a100\s+ip-10-40-8-8\.ec2\.internal\s+PASS/);
    expect(stdout).toContain("4 node(s): 3 passed, 1 failed");
    expect(fs.readdirSync(out).sort()).toEqual([...nodes.map((node) => `${node.name}.json`), "junit.xml"].sort());
    expect(JSON.parse(fs.readFileSync(path.join(out, "ip-10-40-77-1.ec2.internal.json"), "utf8")).verdict).toBe("fail");

    // One Job per node, pinned to it, holding what the pool's validation needs; all cleaned up.
    const jobs = kube.created as { metadata: { name: string }; spec: { template: { spec: { nodeName: string; containers: { resources: { limits: Record<string, string> } }[] } } } }[];
    const limits = Object.fromEntries(jobs.map((job) => [job.spec.template.spec.nodeName, job.spec.template.spec.containers[0].resources.limits]));
    expect(limits["ip-10-40-12-34.ec2.internal"]).toMatchObject({ "nvidia.com/gpu": "8" });
    expect(limits["ip-10-40-3-9.ec2.internal"]).toMatchObject({ "nvidia.com/gpu": "1" });
    expect(limits["ip-10-40-8-8.ec2.internal"]).toMatchObject({ "nvidia.com/mig-1g.5gb": "16", "nvidia.com/mig-2g.10gb": "8", "nvidia.com/mig-3g.20gb": "8" }); // every slice of the node
    expect(kube.deleted.sort()).toEqual(jobs.map((job) => job.metadata.name).sort());
    expect(kube.unauthorized).toBe(0);
  }, SUBPROCESS_TEST_MS);

  it("narrows to one pool, and refuses a cluster of another region", async () => {
    const { code, stdout } = await runSmoke(["--region", "us-east-1", "--pool", "infer-l4", "--out", path.join(tempDir(), "r")], env);
    expect(code).toBe(0);
    expect(stdout).toContain("1 node(s): 1 passed, 0 failed");
    const wrong = await runSmoke(["--region", "us-west-2", "--out", path.join(tempDir(), "r")], env);
    expect(wrong.code).toBe(EXIT.unavailable);
    expect(wrong.stderr).toMatch(/is in us-east-1, not us-west-2; switch with --context/);
    const usage = await runSmoke(["--pool", "x"], env);
    expect(usage.code).toBe(EXIT.usage);
    expect(usage.stderr).toContain("--region is required");
  }, SUBPROCESS_TEST_MS);
});

describe("the deploy gate command", () => {
  const config = loadFleetConfig(DEFAULT_CONFIG_DIR);
  const east = config.regions.find((region) => region.region === "us-east-1")!;
  const repository = "123456789012.dkr.ecr.us-east-1.amazonaws.com/fastgpu/gpu-validate";
  /** The gate's Jobs for us-east-1 with infer-l4 at `nodes` nodes, as `cdktf deploy` hands them over. */
  const gateFor = (nodes: number) =>
    regionDeployGate(buildRegionModel(config.fleet, { ...east, gpuPools: east.gpuPools.map((pool) => (pool.name === "infer-l4" ? { ...pool, minSize: nodes } : pool)) }));
  /** What the deploy's terraform_data hands the gate (constructs/deploy-gate.ts). */
  const handedOver = (kube: FakeKube, gate: ReturnType<typeof gateFor>, jobs = JSON.stringify(gate.jobs)): Record<string, string> => ({
    [DEPLOY_GATE_ENV.server]: kube.url,
    [DEPLOY_GATE_ENV.caData]: Buffer.from(kube.caPem).toString("base64"),
    [DEPLOY_GATE_ENV.jobs]: jobs,
    [DEPLOY_GATE_ENV.repositoryPlaceholder]: gate.repositoryPlaceholder,
    [DEPLOY_GATE_ENV.repository]: repository,
  });
  const gateEnv = (kube: FakeKube, bin: string, gate: ReturnType<typeof gateFor>): NodeJS.ProcessEnv => ({
    ...handedOver(kube, gate),
    [DEPLOY_GATE_ENV.resultsDir]: resultsDir,
    PATH: `${bin}${path.delimiter}${process.env.PATH}`,
  });
  const gateInput = { region: "us-east-1", clusterName: "fastgpu-us-east-1", timeoutMinutes: 1 };
  const gateArgs = ["--region", "us-east-1", "--cluster", "fastgpu-us-east-1", "--timeout-minutes", "1"];
  const l4Nodes = [
    { name: "ip-10-40-3-9.ec2.internal", pool: "infer-l4", region: "us-east-1", report: "pass-l4-timeslice.json" },
    { name: "ip-10-40-3-10.ec2.internal", pool: "infer-l4", region: "us-east-1", report: "fail-l4-timeslice.json" },
  ];
  let bin: string;
  const resultsDir = tempDir("fastgpu-gate-results-");
  beforeAll(() => {
    bin = tempDir("fastgpu-bin-");
    credentialScript(bin, "aws"); // the gate runs `aws eks get-token`
  });

  it("replaces earlier gate Jobs, validates every node of the pool and fails naming each failing node and check", async () => {
    const gate = gateFor(2);
    const current = gate.jobs[0].metadata.name;
    const kube = await startFakeKube({
      nodes: l4Nodes,
      existingJobs: [
        // The same Job from an earlier deploy (its failing pod must not count now) and one of an older spec.
        { name: current, labels: { "fastgpu.io/component": "deploy-gate", "fastgpu.io/pool": "infer-l4" }, pods: [{ node: "ip-10-40-9-99.ec2.internal", report: "fail-l4-timeslice.json" }] },
        { name: "gpu-validation-infer-l4-0ldspec0", labels: { "fastgpu.io/component": "deploy-gate", "fastgpu.io/pool": "infer-l4" }, pods: [] },
      ],
    });
    try {
      const { code, stdout, stderr } = await runGate(gateArgs, gateEnv(kube, bin, gate));
      expect(code).toBe(1);
      expect(kube.deleted.sort()).toEqual(["gpu-validation-infer-l4-0ldspec0", current].sort());
      const created = kube.created as { metadata: { name: string }; spec: { template: { spec: { containers: { image: string }[] } } } }[];
      expect(created.map((job) => job.metadata.name)).toEqual([current]);
      expect(created[0].spec.template.spec.containers[0].image).toBe(`${repository}:${config.fleet.validation.image.tag}`);
      expect(stdout).toMatch(/infer-l4\s+ip-10-40-3-9\.ec2\.internal\s+PASS/);
      expect(stdout).not.toContain("ip-10-40-9-99");
      expect(stdout).toContain("2 node(s): 1 passed, 1 failed");
      expect(stderr).toMatch(/GPU validation FAILED on node ip-10-40-3-10\.ec2\.internal \(pool infer-l4\): gpu0 ecc-errors: fail/);
      expect(stderr).toContain("stay in namespace fastgpu-system until the next deploy gate run");
      // The next run deletes the pods: the reports and JUnit are kept on the deploying machine.
      const out = /reports and JUnit: (.+)\n/.exec(stdout)![1];
      expect(out.startsWith(resultsDir)).toBe(true);
      expect(fs.readdirSync(out).sort()).toEqual(["ip-10-40-3-10.ec2.internal.json", "ip-10-40-3-9.ec2.internal.json", "junit.xml"]);
      expect(kube.unauthorized).toBe(0);
    } finally {
      await kube.close();
    }
  }, SUBPROCESS_TEST_MS);

  it("passes when every node passes, and counts a node that never reported as not validated", async () => {
    const kube = await startFakeKube({ nodes: [l4Nodes[0]] });
    try {
      const pass = await runGate(gateArgs, gateEnv(kube, bin, gateFor(1)));
      expect(pass.code).toBe(EXIT.success);
      expect(pass.stdout).toContain("1 node(s): 1 passed, 0 failed");
      // Two nodes expected, one in the pool: the Job runs out of time with one index never scheduled.
      const short = await runGate(gateArgs, gateEnv(kube, bin, gateFor(2)));
      expect(short.code).toBe(EXIT.notValidated);
      expect(short.stderr).toMatch(/did not complete on node \(node 2 of 2\) \(pool infer-l4\): no validation pod ran for Job gpu-validation-infer-l4-/);
    } finally {
      await kube.close();
    }
  }, SUBPROCESS_TEST_MS);

  it("refuses to run without the Jobs and image repository the deploy hands it", async () => {
    const kube = await startFakeKube({ nodes: l4Nodes });
    try {
      const missing = await runGate(gateArgs, { ...gateEnv(kube, bin, gateFor(1)), FASTGPU_DEPLOY_GATE_JOBS: "" });
      expect(missing.code).toBe(EXIT.badInput);
      expect(missing.stderr).toContain("FASTGPU_DEPLOY_GATE_JOBS is not set; the deploy gate is run by `cdktf deploy`");
      const noRepository = await runGate(gateArgs, { ...gateEnv(kube, bin, gateFor(1)), FASTGPU_VALIDATION_REPOSITORY: "" });
      expect(noRepository.code).toBe(EXIT.badInput);
      expect(noRepository.stderr).toContain("FASTGPU_VALIDATION_REPOSITORY and FASTGPU_VALIDATION_REPOSITORY_PLACEHOLDER must be set");
      const stale = await runGate(gateArgs, { ...gateEnv(kube, bin, gateFor(1)), FASTGPU_VALIDATION_REPOSITORY_PLACEHOLDER: "ACCOUNT_ID.dkr.ecr.eu-west-1.amazonaws.com/other" });
      expect(stale.code).toBe(EXIT.badInput);
      expect(stale.stderr).toMatch(/no container image in ACCOUNT_ID\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/other; synthesize again/);
      expect(kube.created).toEqual([]);
    } finally {
      await kube.close();
    }
  }, SUBPROCESS_TEST_MS);

  // terraform, else tofu, else `npm run toolchain:tofu`'s OpenTofu; skipped without one, except under CI=true.
  const terraform = terraformForTests();
  (terraform.run ? it : it.skip)(
    "runs as the deploy runs it: the synthesized command in a Terraform local-exec, through npm, failing the apply",
    async () => {
      if (!terraform.binary) throw new Error(terraform.missing);
      const kube = await startFakeKube({ nodes: l4Nodes });
      try {
        const gate = gateFor(2);
        const dir = tempDir("fastgpu-tf-gate-");
        // As constructs/deploy-gate.ts writes it; the shell in the stack's directory changes to FASTGPU_ROOT.
        const local = { command: deployGateCommand(gateInput), environment: handedOver(kube, gate, deployGateJobsValue(gate.jobs)) };
        fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ resource: { terraform_data: { gate: { provisioner: [{ "local-exec": local }] } } } }));
        const env = {
          ...process.env,
          TF_IN_AUTOMATION: "1",
          CHECKPOINT_DISABLE: "1",
          [DEPLOY_GATE_ENV.root]: REPO_ROOT,
          [DEPLOY_GATE_ENV.resultsDir]: resultsDir,
          [POLL_INTERVAL_ENV]: "10",
          PATH: `${bin}${path.delimiter}${process.env.PATH}`,
        };
        const init = await runProcess(terraform.binary.path, ["init", "-input=false"], { cwd: dir, env });
        if (init.code !== 0) throw new Error(`${terraform.binary.path} init exited ${init.code}: ${init.stderr}`);
        const apply = await runProcess(terraform.binary.path, ["apply", "-auto-approve", "-input=false", "-no-color"], { cwd: dir, env });
        expect(apply.code).not.toBe(0);
        const output = apply.stdout + apply.stderr;
        // The arguments reached the gate (it validated the pool), and its verdict failed the apply.
        expect(output).toContain("2 node(s): 1 passed, 1 failed");
        expect(output).toMatch(/GPU validation FAILED on node ip-10-40-3-10\.ec2\.internal \(pool infer-l4\)/);
        expect(output).toMatch(/exit status 1/);
        // npm ran silently: none of its banner or error lines.
        expect(output).not.toMatch(/npm (error|ERR)|> fastgpu-cloud@/);
        expect((kube.created as { metadata: { name: string } }[]).map((job) => job.metadata.name)).toEqual([gate.jobs[0].metadata.name]);
      } finally {
        await kube.close();
      }
    },
    SUBPROCESS_TEST_MS,
  );
});
