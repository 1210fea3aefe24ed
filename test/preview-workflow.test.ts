/**
 * The plan-preview workflow's trust model and its never-silent comment, checked on the file itself: which job
 * may write, what runs the PR's code, what leaves a job, and what the comment says when something fails (the
 * comment step's script runs here against a stand-in for the GitHub API).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { planChanges } from "../lib/preview/changes";
import { REPO_ROOT, tempDir } from "./helpers";

interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}
interface Job {
  readonly if?: string;
  readonly permissions?: Record<string, string>;
  readonly environment?: string;
  readonly env?: Record<string, string>;
  readonly steps: Step[];
}

const FILE = path.join(REPO_ROOT, ".github/workflows/plan-preview.yml");
const workflow = parse(fs.readFileSync(FILE, "utf8")) as { on: Record<string, unknown>; permissions: Record<string, string>; jobs: Record<string, Job> };
const { synth, plan, comment } = workflow.jobs;
const PLANS = path.join(REPO_ROOT, "test/fixtures/plans");

describe("plan-preview trust model", () => {
  it("runs from the base branch's workflow and gives write access to the comment job alone", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request_target"]);
    expect(workflow.permissions).toEqual({});
    expect(synth.permissions).toEqual({ contents: "read" });
    expect(plan.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(comment.permissions).toEqual({ contents: "read", "pull-requests": "write", "issues": "write" });
  });

  it("checks out the PR's merge commit without credentials, and takes its first parent as the base", () => {
    const checkouts = synth.steps.filter((step) => step.uses?.startsWith("actions/checkout@"));
    expect(checkouts.map((step) => step.with?.["persist-credentials"])).toEqual([false, false]);
    expect(checkouts[0].with?.ref).toBe("refs/pull/${{ github.event.pull_request.number }}/merge");
    expect(synth.steps.find((step) => step.id === "refs")?.run).toContain("git rev-parse HEAD^1");
    expect(checkouts[1].with?.ref).toBe("${{ steps.refs.outputs.base_sha }}");
    // The comment job renders with the base branch's code: its checkout names no PR ref.
    const trusted = comment.steps.find((step) => step.uses?.startsWith("actions/checkout@"));
    expect(trusted?.with?.ref).toBeUndefined();
    expect(trusted?.with?.["persist-credentials"]).toBe(false);
    // The PR's output is unpacked into directories of its own, after the trusted install.
    const downloads = comment.steps.filter((step) => step.uses?.startsWith("actions/download-artifact@"));
    expect(downloads.map((step) => step.with?.path)).toEqual(["untrusted", "logs", "plans"]);
    expect(comment.steps.findIndex((step) => step.run === "npm ci --no-audit --no-fund")).toBeLessThan(comment.steps.indexOf(downloads[0]));
  });

  it("gives the AWS role to same-repository PRs only, in an environment, and passes stack names through env", () => {
    expect(plan.if).toContain("github.event.pull_request.head.repo.full_name == github.repository");
    expect(plan.environment).toBe("plan-preview");
    expect(plan.env).toEqual({ STACK: "${{ matrix.stack }}" });
    for (const job of Object.values(workflow.jobs)) {
      for (const step of job.steps) expect(`${step.name ?? step.uses}: ${step.run ?? ""}`).not.toMatch(/\$\{\{\s*(matrix\.|github\.event\.pull_request\.(title|body|head\.ref))/);
    }
  });

  it("keeps artifacts one day and plan JSON free of values", () => {
    const uploads = Object.values(workflow.jobs).flatMap((job) => job.steps.filter((step) => step.uses?.startsWith("actions/upload-artifact@")));
    expect(uploads.length).toBeGreaterThan(0);
    for (const upload of uploads) expect(upload.with?.["retention-days"]).toBe(1);
    const script = plan.steps.find((step) => step.id === "plan")!.run!;
    const filter = /jq -c '([\s\S]*?)' plan\.json/.exec(script)![1];
    const outcome = (text: string, origin: string) => {
      try {
        const changes = planChanges(text, origin);
        return JSON.stringify({ summary: changes.summary, changes: changes.changes, notes: changes.notes, warnings: changes.warnings });
      } catch (error) {
        return `refused: ${(error as Error).message}`;
      }
    };
    const fixtures = fs.readdirSync(PLANS).filter((name) => name.endsWith(".json"));
    expect(fixtures.length).toBeGreaterThan(3);
    for (const fixture of fixtures) {
      const text = fs.readFileSync(path.join(PLANS, fixture), "utf8");
      const result = spawnSync("jq", ["-c", filter], { input: text, encoding: "utf8" });
      expect(`${fixture}: ${result.error?.message ?? result.stderr}`).toBe(`${fixture}: `);
      // Every fixture resource has an `input` value ("before", "after", "new", "going"); none survives, and the plan
      // reads the same: the same changes, notes and warnings, or the same refusal (state, errored, incomplete).
      expect(result.stdout).not.toMatch(/"(input|before|after|prior_state|configuration|variables)":/);
      expect(`${fixture}: ${outcome(result.stdout, fixture)}`).toBe(`${fixture}: ${outcome(text, fixture)}`);
    }
  });

  it("fails the preview when the base does not synthesize, instead of comparing against an empty base", () => {
    const script = synth.steps.find((step) => step.id === "base")!.run!;
    expect(script).not.toContain('{"stacks":{}}');
    expect(comment.steps.find((step) => step.id === "render")!.run).toContain('[ "$BASE_SYNTH" != "success" ]');
  });
});

describe("plan-preview comment", () => {
  const postStep = comment.steps.find((step) => step.uses?.startsWith("actions/github-script@"))!;

  /** Runs the comment step's script in `dir` with `env`, against a stand-in GitHub API; returns what it posted. */
  async function post(dir: string, env: Record<string, string>, existing: { id: number; body: string; user: { type: string } }[] = []) {
    const calls: { method: string; args: Record<string, unknown> }[] = [];
    const record = (method: string) => async (args: Record<string, unknown>) => {
      calls.push({ method, args });
      return {};
    };
    const github = {
      paginate: async () => existing,
      rest: { issues: { listComments: {}, updateComment: record("updateComment"), createComment: record("createComment"), addLabels: record("addLabels"), removeLabel: record("removeLabel") } },
    };
    const context = { repo: { owner: "o", repo: "r" }, issue: { number: 7 }, serverUrl: "https://github.com", runId: 42 };
    const failed: string[] = [];
    const core = { setFailed: (message: string) => failed.push(message) };
    const saved = { cwd: process.cwd(), env: { ...process.env } };
    process.chdir(dir);
    Object.assign(process.env, env);
    try {
      const run = new Function("require", "github", "context", "core", `return (async () => {\n${String(postStep.with!.script)}\n})();`);
      await run(require, github, context, core);
    } finally {
      process.chdir(saved.cwd);
      for (const key of Object.keys(env)) delete process.env[key];
      Object.assign(process.env, saved.env);
    }
    return { calls, failed };
  }

  const ok = { HEAD_SHA: "a".repeat(40), BASE_SHA: "b".repeat(40), SYNTH_RESULT: "success", HEAD_SYNTH: "success", BASE_SYNTH: "success", PLAN_RESULT: "skipped", RENDER: "success" };

  it("says which synth failed and why, with the commit and the run, and fails the job", async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, "logs"));
    fs.writeFileSync(path.join(dir, "logs/synth-base.log"), "Error: config/regions/us-east-1.yaml: gpuPools[0].maxSize: ...\n");
    const { calls, failed } = await post(dir, { ...ok, BASE_SYNTH: "failure", RENDER: "failure" });
    const created = calls.find((call) => call.method === "createComment")!.args.body as string;
    expect(created.startsWith("<!-- fastgpu-plan-preview -->\n")).toBe(true);
    expect(created).toContain("### ❌ synth of the base (destroys cannot be detected without it, so nothing is shown) failed");
    expect(created).toContain("gpuPools[0].maxSize");
    expect(created).toContain(`Commit \`${"a".repeat(12)}\``);
    expect(created).toContain("[run 42](https://github.com/o/r/actions/runs/42)");
    expect(failed).toEqual([expect.stringContaining("synth of the base")]);
    expect(calls.find((call) => call.method === "addLabels")).toBeDefined();
  });

  it("puts a failed plan at the top of the rendered preview, per stack, and updates the bot's own comment only", async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, "plans"));
    fs.writeFileSync(path.join(dir, "plans/fastgpu-us-east-1-infra.failed"), "Error: Resource precondition failed\nNode group fastgpu-train-h100 has no private subnet\n");
    fs.writeFileSync(path.join(dir, "comment.md"), "<!-- fastgpu-plan-preview -->\n<!-- fastgpu-dangers data=0 capacity=0 cost=0 stateful=0 -->\n## FastGPU plan preview\n");
    const mine = { id: 2, body: "<!-- fastgpu-plan-preview -->\nold", user: { type: "Bot" } };
    const theirs = { id: 1, body: "<!-- fastgpu-plan-preview -->\nquoted by a person", user: { type: "User" } };
    const { calls, failed } = await post(dir, { ...ok, PLAN_RESULT: "success" }, [theirs, mine]);
    const update = calls.find((call) => call.method === "updateComment")!;
    expect(update.args.comment_id).toBe(2);
    const body = update.args.body as string;
    expect(body.split("\n")[1]).toContain("Commit `aaaaaaaaaaaa`");
    expect(body).toContain("**❌ terraform plan failed for 1 stack(s)**");
    expect(body).toContain("❌ `fastgpu-us-east-1-infra`:");
    expect(body).toContain("Node group fastgpu-train-h100 has no private subnet");
    expect(failed).toEqual([]);
    expect(calls.find((call) => call.method === "removeLabel")).toBeDefined();
  });
});
