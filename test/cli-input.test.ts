/**
 * Bad input to the CLIs, one test per root cause of the December 2026 bad-input review,
 * each with several inputs of its class: `preview` never crashes on a malformed synth output or plan JSON (8),
 * never reads wrong input as a real answer (9, and issue 14's plan checks), `--plan` edge cases (16),
 * `--name=value` and `--help` in every CLI on the shared parser (17), and unusable kubeconfigs (10). The
 * functions are called directly; a few CLI processes check the exit codes.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { EXIT, UserError } from "../lib/errors";
import { planChanges, synthDiff, type StackChanges } from "../lib/preview/changes";
import { checkStack, InputError, readSynthOutput } from "../lib/preview/synth-output";
import { HelpRequested, parseFlags, UsageError } from "../tools/cli-args";
import { connectionFromKubeconfig, KubeError } from "../tools/kube";
import { renderManifests } from "../tools/manifests";
import { buildPreview } from "../tools/preview";
import { REPO_ROOT, tempDir } from "./helpers";

const PLANS = path.join(REPO_ROOT, "test/fixtures/plans");
const fixture = (name: string, tool = "") => fs.readFileSync(path.join(PLANS, tool, name), "utf8");
const fixtureJson = (name: string, tool = ""): Record<string, unknown> => JSON.parse(fixture(name, tool));

/** What `fn` throws: it must throw, and the error must be `type`. */
function thrown<T extends Error>(fn: () => unknown, type: abstract new (...args: never[]) => T): T {
  let error: unknown;
  try {
    fn();
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(type);
  return error as T;
}

const INFRA = "fastgpu-us-east-1-infra";
/** The smallest stack readSynthOutput accepts. */
const MINIMAL_STACK = { terraform: { required_providers: { aws: { version: "1.0" } } }, resource: { aws_vpc: { main: { cidr_block: "10.0.0.0/16" } } } };

/** A synth output directory by hand: manifest.json (text or JSON) and stack files (text or JSON). */
function synthDir(manifest: unknown, stacks: Record<string, unknown> = {}): string {
  const dir = tempDir("fastgpu-synth-");
  fs.writeFileSync(path.join(dir, "manifest.json"), typeof manifest === "string" ? manifest : JSON.stringify(manifest));
  for (const [name, body] of Object.entries(stacks)) {
    fs.mkdirSync(path.join(dir, "stacks", name), { recursive: true });
    fs.writeFileSync(path.join(dir, "stacks", name, "cdk.tf.json"), typeof body === "string" ? body : JSON.stringify(body));
  }
  return dir;
}
const manifestOf = (...names: string[]) => ({ stacks: Object.fromEntries(names.map((name) => [name, { synthesizedStackPath: `stacks/${name}/cdk.tf.json` }])) });
const oneStack = (body: unknown) => synthDir(manifestOf(INFRA), { [INFRA]: body });

/** A CLI as a process (several run at once): exit code, stdout and stderr. */
function cli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", ...args], { cwd: REPO_ROOT, env: { ...process.env, KUBECONFIG: "/nonexistent", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject).on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("root cause 8: preview on a malformed synth output or plan JSON is an InputError naming the file and the JSON path", () => {
  it("refuses manifests that are missing, a directory, empty, truncated, null or of the wrong shape", () => {
    const cases: [string, RegExp][] = [
      [synthDir("", {}), /manifest\.json: empty; expected the cdktf manifest/],
      [synthDir('{"stacks": {"fastgpu-us-east-1-infra": {"synthesizedStack', {}), /manifest\.json: not valid JSON \(.*\); the file ends early \(truncated\?\)/],
      [synthDir("{stacks: }", {}), /manifest\.json: not valid JSON/],
      [synthDir(null), /manifest\.json: expected the cdktf manifest, a JSON object with "stacks"; found null/],
      [synthDir([1, 2]), /manifest\.json: expected the cdktf manifest.*found a list/],
      [synthDir({ stacks: null }), /manifest\.json: stacks: expected an object of stacks by name; found null/],
      [synthDir({ stacks: "all" }), /manifest\.json: stacks: expected an object of stacks by name; found a string \("all"\)/],
      [synthDir({ stacks: { [INFRA]: null } }), /manifest\.json: stacks\["fastgpu-us-east-1-infra"\]: expected a stack entry .*; found null/],
      [synthDir({ stacks: { [INFRA]: 7 } }), /stacks\["fastgpu-us-east-1-infra"\]: expected a stack entry .*; found a number \(7\)/],
      [synthDir({ stacks: { [INFRA]: { synthesizedStackPath: 5 } } }), /stacks\["fastgpu-us-east-1-infra"\]\.synthesizedStackPath: expected a path inside .*; found a number \(5\)/],
      [synthDir({ stacks: { [INFRA]: { synthesizedStackPath: "../../../etc/passwd" } } }), /synthesizedStackPath: "\.\.\/\.\.\/\.\.\/etc\/passwd" points outside/],
      [synthDir(manifestOf(INFRA)), /cdk\.tf\.json: listed in .*manifest\.json but missing/],
    ];
    const directory = synthDir(manifestOf());
    fs.rmSync(path.join(directory, "manifest.json"));
    fs.mkdirSync(path.join(directory, "manifest.json"));
    cases.push([directory, /manifest\.json: is a directory; expected the cdktf manifest/]);
    const file = path.join(tempDir(), "not-a-dir");
    fs.writeFileSync(file, "{}");
    cases.push([file, /--head .*not-a-dir: not a directory; pass the output directory of `cdktf synth`/]);
    for (const [dir, message] of cases) expect(thrown(() => readSynthOutput(dir, "--head"), InputError).message).toMatch(message);
  });

  it("refuses stack files whose blocks, type maps or resources are null or of the wrong type", () => {
    const cases: [unknown, RegExp][] = [
      ["", /cdk\.tf\.json: empty; expected a synthesized stack/],
      ['{"terraform": {"required_providers": {', /cdk\.tf\.json: not valid JSON .*truncated/],
      [{ ...MINIMAL_STACK, resource: { aws_vpc: null } }, /cdk\.tf\.json: resource\.aws_vpc: expected an object of aws_vpc resources by name; found null/],
      [{ ...MINIMAL_STACK, resource: { aws_vpc: [] } }, /resource\.aws_vpc: expected an object of aws_vpc resources by name; found a list/],
      [{ ...MINIMAL_STACK, resource: { aws_vpc: { main: 3 } } }, /resource\.aws_vpc\.main: expected a resource's arguments \(an object\); found a number \(3\)/],
      [{ ...MINIMAL_STACK, resource: "none" }, /cdk\.tf\.json: resource: expected an object of resource types; found a string/],
      [{ ...MINIMAL_STACK, terraform: [] }, /cdk\.tf\.json: terraform: expected an object .*; found a list/],
      [{ ...MINIMAL_STACK, terraform: { required_providers: { aws: null } } }, /terraform\.required_providers\.aws: expected an object with source and version; found null/],
      [{ ...MINIMAL_STACK, terraform: { required_providers: { aws: { version: 5 } } } }, /terraform\.required_providers\.aws\.version: expected a version constraint string/],
      [{ ...MINIMAL_STACK, resource: { helm_release: { "gpu-operator": { values: "a: 1" } } } }, /resource\.helm_release\["gpu-operator"\]\.values: expected a list of YAML strings/],
      [{ ...MINIMAL_STACK, output: { fastgpu_region: null } }, /output\.fastgpu_region: expected an output \(an object with value\); found null/],
      [{ ...MINIMAL_STACK, output: [] }, /cdk\.tf\.json: output: expected an object of outputs by name; found a list/],
    ];
    for (const [body, message] of cases) expect(thrown(() => readSynthOutput(oneStack(body), "--head"), InputError).message).toMatch(message);
    // The diff itself skips what it cannot read instead of crashing, for a stack that did not come through readSynthOutput.
    expect(synthDiff({ resource: { aws_vpc: null } } as never, { resource: { aws_vpc: { main: 1 } } } as never).changes).toEqual([]);
  });

  it("refuses plan JSON that is empty, truncated, not an object, or has entries, actions or replace_paths of the wrong shape", () => {
    const plan = fixtureJson("create-update-replace-destroy.json");
    const changes = plan.resource_changes as Record<string, unknown>[];
    const withEntry = (entry: unknown) => JSON.stringify({ ...plan, resource_changes: [entry] });
    const withChange = (change: Record<string, unknown>) => withEntry({ ...changes[0], change: { ...(changes[0].change as object), ...change } });
    const text = fixture("create-update-replace-destroy.json");
    const cases: [string, RegExp][] = [
      ["", /plan\.json: empty; pass the output of `terraform show -json <planfile>`/],
      [text.slice(0, text.length / 2), /plan\.json: not valid JSON \(.*\); the file ends early \(truncated\?\)/],
      ["null", /plan\.json: not a Terraform plan in JSON \(found null, not an object\)/],
      ["[]", /not a Terraform plan in JSON \(found a list, not an object\)/],
      ['"plan"', /not a Terraform plan in JSON \(found a string/],
      [withEntry(null), /plan\.json: resource_changes\[0\]: expected a resource change .*; found null/],
      [withEntry("terraform_data.created"), /resource_changes\[0\]: expected a resource change .*; found a string/],
      [withEntry({ ...changes[0], address: 7 }), /resource_changes\[0\]\.address: expected the resource's address \(a string\); found a number/],
      [withEntry({ ...changes[0], change: null }), /resource_changes\[0\]\.change: expected the change of terraform_data\.created .*; found null/],
      [withChange({ actions: "create" }), /resource_changes\[0\]\.change\.actions: expected the actions of terraform_data\.created, a list such as \["create"\]; found a string/],
      [withChange({ actions: [] }), /resource_changes\[0\]\.change\.actions: expected .*; found a list/],
      [withChange({ replace_paths: "triggers_replace" }), /resource_changes\[0\]\.change\.replace_paths: expected a list of attribute paths, each a list of steps; found a string/],
      [withChange({ replace_paths: ["triggers_replace"] }), /resource_changes\[0\]\.change\.replace_paths\[0\]: expected an attribute path, a list of steps/],
      [withChange({ replace_paths: [[{ step: 1 }]] }), /resource_changes\[0\]\.change\.replace_paths\[0\]: expected an attribute path/],
      [withChange({ importing: "id-1" }), /resource_changes\[0\]\.change\.importing: expected an object with the import id; found a string/],
      [withEntry({ ...changes[0], mode: "cosmic" }), /resource_changes\[0\]\.mode \(terraform_data\.created\): unknown resource mode "cosmic"/],
      [JSON.stringify({ ...plan, output_changes: null }), /plan\.json: output_changes: expected an object of output changes by name; found null/],
      [JSON.stringify({ ...plan, output_changes: { id: { after: 1 } } }), /output_changes\.id\.actions: expected a list of actions/],
      [JSON.stringify({ ...plan, errored: "no" }), /plan\.json: errored: expected true or false; found a string/],
      [JSON.stringify({ ...plan, planned_values: [] }), /plan\.json: planned_values: expected an object; found a list/],
      [JSON.stringify({ ...plan, resource_changes: { x: [] } }), /plan\.json: resource_changes is not a list \(found an object\)/],
    ];
    for (const [body, message] of cases) expect(thrown(() => planChanges(body, "plan.json"), InputError).message).toMatch(message);
  });

  it("refuses a --plan path that is a directory and a --json-summary path that is a directory or in a missing directory", () => {
    const synth = oneStack(MINIMAL_STACK);
    const dir = tempDir();
    const args = ["--base", synth, "--head", synth];
    const cases: [string[], RegExp][] = [
      [[...args, "--plan", `${INFRA}=${dir}`], new RegExp(`${dir}: is a directory; expected plan JSON`)],
      [[...args, "--plan", `${INFRA}=${path.join(dir, "absent.json")}`], /absent\.json not found/],
      [[...args, "--json-summary", dir], new RegExp(`--json-summary ${dir}: is a directory; name the file`)],
      [[...args, "--json-summary", path.join(dir, "no/such/dir/summary.json")], /--json-summary .*summary\.json: directory .*no\/such\/dir does not exist; create it first/],
    ];
    for (const [argv, message] of cases) expect(thrown(() => buildPreview(argv), InputError).message).toMatch(message);
  });
});

describe("root cause 9 and issue 14: preview never reads wrong input as a real answer", () => {
  it("refuses state where a plan is expected: `terraform show -json` of a state, real and empty, from both binaries", () => {
    for (const tool of ["", "opentofu"]) {
      expect(thrown(() => planChanges(fixture("state.json", tool), "state.json"), InputError).message).toMatch(
        /^state\.json: Terraform state, not a plan: it has "values" and no "planned_values" or "resource_changes" .*terraform plan -out=<planfile>/,
      );
    }
    for (const empty of ['{"format_version":"1.0"}', '{"format_version":"1.0","terraform_version":"1.11.4"}']) {
      expect(thrown(() => planChanges(empty, "empty-state.json"), InputError).message).toMatch(/Terraform state, not a plan: it has no resources/);
    }
    expect(thrown(() => planChanges('{"format_version":"1.2","variables":{}}', "odd.json"), InputError).message).toMatch(/odd\.json: not a Terraform plan: no "planned_values"/);
  });

  it("refuses an errored plan and an incomplete (-target) plan in Terraform's words", () => {
    const normalize = (text: string) => text.replace(/\s+/g, " ");
    for (const tool of ["", "opentofu"]) {
      const message = thrown(() => planChanges(fixture("errored.json", tool), "errored.json"), InputError).message;
      // What the binary itself says when asked to apply that plan.
      const apply = normalize(fixture("errored.apply.txt", tool));
      const words = /Cannot apply incomplete plan: (\w+ encountered an error when generating this plan, so it cannot be applied)/.exec(message);
      expect(words).not.toBeNull();
      expect(apply).toContain("Error: Cannot apply incomplete plan");
      expect(apply).toContain(words![1]);
    }
    expect(thrown(() => planChanges(fixture("incomplete.json"), "incomplete.json"), InputError).message).toMatch(
      /incomplete\.json: an incomplete plan \(complete: false\): the result of this plan may not represent all of the changes requested by the current configuration \(a plan made with -target\)/,
    );
    const deferred = { ...fixtureJson("incomplete.json"), deferred_changes: [{ reason: "provider_config_unknown" }] };
    expect(thrown(() => planChanges(JSON.stringify(deferred), "deferred.json"), InputError).message).toMatch(
      /This is a partial plan, parts can only be known in the next plan \/ apply cycle/,
    );
  });

  it("refuses actions it does not know instead of skipping them", () => {
    const plan = fixtureJson("create-update-replace-destroy.json");
    const changes = plan.resource_changes as Record<string, Record<string, unknown>>[];
    for (const actions of [["destroy"], ["create", "update"], ["open"], ["delete", "forget"]]) {
      const odd = { ...plan, resource_changes: [{ ...changes[0], change: { ...changes[0].change, actions } }] };
      expect(thrown(() => planChanges(JSON.stringify(odd), "plan.json"), InputError).message).toMatch(
        new RegExp(`resource_changes\\[0\\]\\.change\\.actions \\(terraform_data\\.created\\): unknown actions ${JSON.stringify(actions).replace(/[[\]]/g, "\\$&")}`),
      );
    }
  });

  it("refuses a head stack that is null, {} or lacks a block every stack has, instead of reporting every resource destroyed", () => {
    const base = oneStack(MINIMAL_STACK);
    const cases: [unknown, RegExp][] = [
      [null, /cdk\.tf\.json: expected a synthesized stack, a JSON object with "terraform" and "resource" blocks; found null/],
      [{}, /cdk\.tf\.json: no "terraform" block, which every synthesized FastGPU stack has/],
      [{ terraform: MINIMAL_STACK.terraform }, /cdk\.tf\.json: no "resource" block/],
      [[MINIMAL_STACK], /expected a synthesized stack.*found a list/],
    ];
    for (const [body, message] of cases) {
      expect(thrown(() => buildPreview(["--base", base, "--head", oneStack(body)]), InputError).message).toMatch(message);
      expect(() => checkStack(body, "x.json")).toThrow(InputError);
    }
  });

  it("shows moves, imports, forgets and deposed objects in the binary's own words, with its summary line", () => {
    const words = (changes: StackChanges) => [...changes.changes.flatMap((change) => change.terraform ?? []), ...(changes.notes ?? []).flatMap((note) => note.terraform)];
    for (const tool of ["", "opentofu"]) {
      for (const name of ["create-update-replace-destroy", "moved-imported-forgotten", "deposed"]) {
        const changes = planChanges(fixture(`${name}.json`, tool), `${name}.json`);
        expect(changes.summary).toBe(fixture(`${name}.summary.txt`, tool).trim());
        // Every comment line the binary printed above a resource, and nothing else (deposed keys differ per run).
        expect(words(changes).sort()).toEqual(fixture(`${name}.comments.txt`, tool).trim().split("\n").sort());
      }
    }
    const moved = planChanges(fixture("moved-imported-forgotten.json"), "plan.json");
    expect(moved.summary).toBe("Plan: 2 to import, 0 to add, 1 to change, 0 to destroy.");
    expect(moved.changes).toEqual([expect.objectContaining({ address: "terraform_data.adopted_and_changed", action: "update", importId: "also-made-elsewhere" })]);
    expect(moved.notes?.map((note) => [note.kind, note.address])).toEqual([
      ["imported", "terraform_data.adopted"],
      ["forget", "terraform_data.kept_running"],
      ["moved", "terraform_data.new_name"],
    ]);
    expect(moved.warnings).toEqual([expect.stringMatching(/^Some objects will no longer be managed by Terraform: .*terraform_data\.kept_running, but it will not delete them\./)]);
    const deposed = planChanges(fixture("deposed.json"), "plan.json");
    expect(deposed.changes.map((change) => [change.address, change.action, change.deposed !== undefined])).toEqual([
      ["terraform_data.swapped", "replace", false],
      ["terraform_data.swapped", "delete", true],
    ]);
    expect(planChanges(fixture("moved-imported-forgotten.json", "opentofu"), "plan.json").summary).toMatch(/, 1 to forget\.$/);
  });
});

describe("root cause 16: --plan edge cases are usage errors", () => {
  it("refuses the same stack twice, an empty file or stack name, and a spec without =", () => {
    const synth = oneStack(MINIMAL_STACK);
    const plan = path.join(PLANS, "no-changes.json");
    const args = ["--base", synth, "--head", synth];
    const cases: [string[], RegExp][] = [
      [[...args, "--plan", `${INFRA}=${plan}`, "--plan", `${INFRA}=${plan}`], new RegExp(`--plan: stack "${INFRA}" given twice \\(.*no-changes\\.json and .*no-changes\\.json\\); give each stack one plan`)],
      [[...args, `--plan=${INFRA}=a.json`, `--plan=${INFRA}=b.json`], /stack "fastgpu-us-east-1-infra" given twice \(a\.json and b\.json\)/],
      [[...args, "--plan", `${INFRA}=`], /--plan fastgpu-us-east-1-infra=: no file name after "="; expected <stack>=<plan\.json>/],
      [[...args, "--plan", `${INFRA}=  `], /no file name after "="/],
      [[...args, "--plan", `=${plan}`], /expected <stack>=<plan\.json>/],
      [[...args, "--plan", plan], /expected <stack>=<plan\.json>/],
    ];
    for (const [argv, message] of cases) {
      const error = thrown(() => buildPreview(argv), UsageError);
      expect(error.message).toMatch(message);
      expect(error.exitCode).toBe(EXIT.usage);
    }
    expect(buildPreview([...args, "--plan", `${INFRA}=${plan}`]).input.stacks[0].changes.summary).toBe("No changes. Your infrastructure matches the configuration.");
  });
});

describe("root cause 17: every CLI on the shared parser takes --name=value and --help", () => {
  const spec = { region: { takesValue: true }, values: { takesValue: false }, plan: { takesValue: true, repeatable: true } };

  it("parses --name=value as --name value, and refuses empty values, values for switches and unknown names", () => {
    expect(parseFlags(["--region=us-east-1", "--values", "--plan=a=b.json", "--plan", "c=d.json"], spec, "u")).toEqual({
      region: ["us-east-1"],
      values: true,
      plan: ["a=b.json", "c=d.json"],
    });
    expect(parseFlags(["--region=--odd-but-explicit"], spec, "u")).toEqual({ region: ["--odd-but-explicit"] });
    const cases: [string[], RegExp][] = [
      [["--region="], /^--region needs a value \(got an empty one\)\nusage: u$/],
      [["--region", ""], /--region needs a value \(got an empty one\)/],
      [["--region"], /--region needs a value/],
      [["--values=yes"], /--values takes no value \(got "--values=yes"\)/],
      [["--regoin=us-east-1"], /unknown flag --regoin/],
      [["--constructor=x"], /unknown flag --constructor/],
      [["--region=a", "--region=b"], /--region given twice/],
      [["us-east-1"], /unexpected argument "us-east-1"/],
      [["--"], /unexpected argument "--"/],
    ];
    for (const [argv, message] of cases) expect(thrown(() => parseFlags(argv, spec, "u"), UsageError).message).toMatch(message);
    for (const argv of [["--help"], ["-h"], ["--bogus", "--help"], ["--region=x", "-h"]]) {
      const help = thrown(() => parseFlags(argv, spec, "npm run x -- --region <r>"), HelpRequested);
      expect(help).toBeInstanceOf(UserError);
      expect(help.exitCode).toBe(EXIT.success);
      expect(help.message).toBe("usage: npm run x -- --region <r>");
    }
    expect(renderManifests(["--region=us-east-1", "--values"])).toBe(renderManifests(["--region", "us-east-1", "--values"]));
  });

  it("as processes: --help exits 0 with the usage line, bad input exits 4 and a bad --plan 3", async () => {
    const synth = oneStack(MINIMAL_STACK);
    const [previewHelp, smokeHelp, state, twice] = await Promise.all([
      cli(["tools/preview.ts", "--help"]),
      cli(["tools/smoke.ts", "--region=us-east-1", "--help"]),
      cli(["tools/preview.ts", `--base=${synth}`, `--head=${synth}`, `--plan=${INFRA}=${path.join(PLANS, "state.json")}`]),
      cli(["tools/preview.ts", `--base=${synth}`, `--head=${synth}`, `--plan=${INFRA}=a.json`, `--plan=${INFRA}=b.json`]),
    ]);
    expect(previewHelp).toMatchObject({ code: EXIT.success, stdout: expect.stringMatching(/^usage: npm run preview -- --base <cdktf\.out dir>/), stderr: "" });
    expect(smokeHelp).toMatchObject({ code: EXIT.success, stderr: expect.stringMatching(/^usage: npm run smoke -- /) });
    expect(state.code).toBe(EXIT.badInput);
    expect(state.stderr).toMatch(/state\.json: Terraform state, not a plan/);
    expect(state.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(twice.code).toBe(EXIT.usage);
    expect(twice.stderr).toMatch(/given twice \(a\.json and b\.json\)/);
  });
});

describe("root cause 10: an unusable kubeconfig is a KubeError naming the file and the problem", () => {
  const kubeconfig = (body: string, files: Record<string, string> = {}): string => {
    const dir = tempDir("fastgpu-kubeconfig-");
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    fs.writeFileSync(path.join(dir, "config"), body);
    return path.join(dir, "config");
  };
  const valid = (cluster: string, user: string) =>
    [
      "apiVersion: v1",
      "kind: Config",
      "current-context: c",
      "contexts: [{name: c, context: {cluster: k, user: u}}]",
      `clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443"${cluster}}}]`,
      `users: [{name: u, user: {${user}}}]`,
    ].join("\n");

  it("refuses empty, non-YAML, directory, non-mapping and malformed kubeconfigs, and missing CA, certificate and key files", () => {
    const dir = tempDir("fastgpu-kubeconfig-dir-");
    const cases: [string, RegExp][] = [
      [kubeconfig(""), /config: the kubeconfig is empty/],
      [kubeconfig("  \n\n"), /config: the kubeconfig is empty/],
      [kubeconfig("clusters: [unclosed\n"), /config: the kubeconfig is not valid YAML \(line \d+, column \d+\): /],
      [kubeconfig("a: 1\na: 2\n"), /config: the kubeconfig is not valid YAML .*unique/i],
      [kubeconfig("- just\n- a list\n"), /config: not a kubeconfig \(expected a YAML mapping with contexts, clusters and users; found a list\)/],
      [kubeconfig("just a string"), /not a kubeconfig .*found string/],
      [kubeconfig("current-context: c\ncontexts: 5\n"), /config: contexts: expected a list of \{name, context\} entries/],
      [kubeconfig("current-context: c\ncontexts: [null]\n"), /config: contexts\[0\]: expected \{name: <string>, context: <mapping>\}/],
      [dir, new RegExp(`${dir}: is a directory, not a kubeconfig`)],
      [kubeconfig(valid(", certificate-authority: ca.pem", "token: t")), /config: cluster "k" certificate-authority .*\/ca\.pem not found/],
      [kubeconfig(valid("", "client-certificate: cert.pem, client-key: key.pem"), { "key.pem": "k" }), /config: user "u" client-certificate .*\/cert\.pem not found/],
      [kubeconfig(valid("", "client-certificate: cert.pem, client-key: key.pem"), { "cert.pem": "c" }), /config: user "u" client-key .*\/key\.pem not found/],
      [kubeconfig(valid("", "exec: aws")), /config: user "u" exec: expected \{command: <string>, args: \[\.\.\.\]\}/],
    ];
    for (const [file, message] of cases) {
      const error = thrown(() => connectionFromKubeconfig({ KUBECONFIG: file }), KubeError);
      expect(error.message).toMatch(message);
      expect(error.exitCode).toBe(EXIT.unavailable);
    }
    const good = kubeconfig(valid(", certificate-authority: ca.pem", "client-certificate: cert.pem, client-key: key.pem"), { "ca.pem": "A", "cert.pem": "C", "key.pem": "K" });
    expect(connectionFromKubeconfig({ KUBECONFIG: good })).toMatchObject({ server: "https://127.0.0.1:6443", ca: Buffer.from("A"), cert: Buffer.from("C"), key: Buffer.from("K") });
  });
});
