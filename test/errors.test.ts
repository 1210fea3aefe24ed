/**
 * One error base and one set of exit codes (lib/errors.ts): the table and its README copy, the code each error
 * class carries, what the shared runner prints, and every entry point mapping a usage error and a config error
 * to the same code. The CLIs run as processes against a broken copy of config/: one process per CLI and case.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError } from "../lib/config/errors";
import { describeError, EXIT, EXIT_CODES, UserError, type ExitCode } from "../lib/errors";
import { CONFIG_DIR_ENV } from "../lib/naming";
import { InputError } from "../lib/preview/synth-output";
import { DeployGateInputError } from "../lib/validation/gate-command";
import { ReportError } from "../lib/validation/results";
import { PolicyError, SynthOutputError } from "../stacks/fleet";
import { HelpRequested, UsageError } from "../tools/cli-args";
import { KubeError } from "../tools/kube";
import { ToolchainError } from "../tools/toolchain/cache";
import { TwinError } from "../tools/twin/components";
import { copyDefaultConfig, editYaml, REPO_ROOT, tempDir } from "./helpers";

describe("the exit-code table", () => {
  it("gives every meaning its own code, keeps smoke's 0/1/2, and bugs and interrupts apart", () => {
    const codes = Object.values(EXIT);
    expect(new Set(codes).size).toBe(codes.length);
    expect(Object.keys(EXIT_CODES).map(Number).sort((a, b) => a - b)).toEqual([...codes].sort((a, b) => a - b));
    // Documented for smoke since the start: 0 all passed, 1 a node failed, 2 a node could not be validated.
    expect([EXIT.success, EXIT.checkFailed, EXIT.notValidated]).toEqual([0, 1, 2]);
    expect(EXIT_CODES[EXIT.checkFailed]).toContain("a node failed");
    expect(EXIT_CODES[EXIT.notValidated]).toContain("could not run the suite");
    expect(EXIT.internal).toBe(70); // sysexits EX_SOFTWARE
    expect(EXIT.interrupted).toBe(130); // 128 + SIGINT
  });

  it("is the table README.md shows, row for row", () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const section = readme.split("\n## Exit codes\n")[1]?.split("\n## ")[0] ?? "";
    const rows = [...section.matchAll(/^\| (\d+) \| (.+) \|$/gm)].map((row) => [Number(row[1]), row[2]]);
    expect(rows).toEqual(Object.entries(EXIT_CODES).map(([code, meaning]) => [Number(code), meaning]));
  });

  it("is what docs/gpu-validation.md says of smoke", () => {
    const docs = fs.readFileSync(path.join(REPO_ROOT, "docs/gpu-validation.md"), "utf8").replace(/\s+/g, " ");
    expect(docs).toContain(
      `${EXIT.success} every node passed, ${EXIT.checkFailed} a node failed, ${EXIT.notValidated} a node could not be validated, ` +
        `${EXIT.usage} bad usage, ${EXIT.badInput} a config problem, ${EXIT.unavailable} no cluster access`,
    );
  });
});

describe("every user error", () => {
  const cases: [string, UserError, ExitCode][] = [
    ["ConfigError", new ConfigError([{ file: "f.yaml", path: "a", message: "m" }]), EXIT.badInput],
    ["PolicyError", new PolicyError([{ path: "p", message: "m" }]), EXIT.badInput],
    ["UsageError", new UsageError("m", "u"), EXIT.usage],
    // --help is not a failure: the runner prints the usage line and exits 0.
    ["HelpRequested", new HelpRequested("u"), EXIT.success],
    ["SynthOutputError", new SynthOutputError("m"), EXIT.badInput],
    ["InputError", new InputError("m"), EXIT.badInput],
    ["DeployGateInputError", new DeployGateInputError("m"), EXIT.badInput],
    ["ReportError", new ReportError("m"), EXIT.badInput],
    ["KubeError", new KubeError("m", 403), EXIT.unavailable],
    ["ToolchainError", new ToolchainError("m"), EXIT.unavailable],
    ["TwinError", new TwinError("m"), EXIT.unavailable],
  ];

  it.each(cases)("%s is a UserError with its name and exit code", (name, error, code) => {
    expect(error).toBeInstanceOf(UserError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.exitCode).toBe(code);
  });

  it("prints its message (prefixed), or one line per problem and the count, and a bug's stack with 70", () => {
    expect(describeError(new TwinError("a twin of us-east-1 is running"), { prefix: "twin: " })).toEqual({ lines: ["twin: a twin of us-east-1 is running"], exitCode: EXIT.unavailable });
    expect(describeError(new UsageError("unknown flag --x", "npm run cost"))).toEqual({ lines: ["unknown flag --x", "usage: npm run cost"], exitCode: EXIT.usage });
    const problems = new ConfigError([
      { file: "config/fleet.yaml", path: "name", message: "required" },
      { file: "config/fleet.yaml", path: "", message: "not YAML" },
    ]);
    expect(describeError(problems, { prefix: "twin: ", outcome: "nothing was synthesized" })).toEqual({
      lines: ["config/fleet.yaml: name: required", "config/fleet.yaml: not YAML", "", "2 config problem(s); nothing was synthesized."],
      exitCode: EXIT.badInput,
    });
    expect(describeError(new PolicyError([{ path: "stack/bucket", message: "no SSE-KMS" }])).lines).toEqual(["stack/bucket: no SSE-KMS", "", "1 policy violation(s)."]);
    const bug = describeError(new TypeError("x is undefined"), { prefix: "toolchain: " });
    expect(bug.exitCode).toBe(EXIT.internal);
    expect(bug.lines[0]).toBe("toolchain: unexpected error (a bug): TypeError: x is undefined");
    expect(bug.lines.slice(1).some((line) => line.includes(__filename))).toBe(true);
    expect(describeError("thrown string")).toEqual({ lines: ["unexpected error (a bug): thrown string"], exitCode: EXIT.internal });
  });
});

/** A CLI as a process, without blocking jest (two of these may run at once on two cores). */
function run(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    // No kubeconfig and no cluster: nothing here may reach one.
    const child = spawn(process.execPath, ["--import", "tsx", ...args], { cwd: REPO_ROOT, env: { ...process.env, KUBECONFIG: "/nonexistent", ...env } });
    let stderr = "";
    child.stdout.resume();
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("every entry point", () => {
  // Each case spawns tsx: seconds on a busy machine. A limit only stops a hang.
  const SUBPROCESS_TEST_MS = 120_000;
  let broken: string;
  let emptySynth: string;
  beforeAll(() => {
    broken = copyDefaultConfig();
    editYaml(path.join(broken, "regions/us-east-1.yaml"), (doc) => doc.setIn(["gpuPools", 0, "minSize"], 7));
    emptySynth = tempDir("fastgpu-empty-synth-");
    fs.writeFileSync(path.join(emptySynth, "manifest.json"), JSON.stringify({ stacks: {} }));
  });
  const problem = () => new RegExp(`^${broken}/regions/us-east-1\\.yaml: gpuPools\\[0\\]\\.minSize: minSize 7 is above maxSize`, "m");

  it.each([
    ["cost", ["tools/cost.ts", "--bogus"]],
    ["manifests", ["tools/manifests.ts", "--bogus"]],
    ["preview", ["tools/preview.ts", "--bogus"]],
    ["smoke", ["tools/smoke.ts", "--bogus"]],
    ["deploy-gate", ["tools/deploy-gate.ts", "--bogus"]],
    ["twin", ["tools/twin.ts", "up", "--bogus"]],
    ["toolchain", ["tools/toolchain/all.ts", "--bogus"]],
    ["toolchain:cuda", ["tools/toolchain/cuda.ts", "--bogus"]],
    ["toolchain:tofu", ["tools/toolchain/opentofu.ts", "--bogus"]],
  ])(
    "%s exits EXIT.usage on an unknown flag, with the usage line",
    async (_name, args) => {
      const result = await run(args);
      expect(result.stderr).toMatch(/unknown flag --bogus\nusage: /);
      expect(result.code).toBe(EXIT.usage);
    },
    SUBPROCESS_TEST_MS,
  );

  it.each([
    ["the cdktf app (main.ts)", ["main.ts"], true],
    ["cost", ["tools/cost.ts", "--config", "<broken>"], false],
    ["manifests", ["tools/manifests.ts", "--region", "us-east-1", "--config", "<broken>"], false],
    ["preview", ["tools/preview.ts", "--base", "<empty>", "--head", "<empty>", "--config", "<broken>"], false],
    ["smoke", ["tools/smoke.ts", "--region", "us-east-1", "--config", "<broken>"], false],
    // `build` reads the config first; it builds nothing here.
    ["twin", ["tools/twin.ts", "build", "--config", "<broken>"], false],
  ])(
    "%s exits EXIT.badInput on a config problem, printing it as <file>: <path>: <message>",
    async (_name, args, fromEnv) => {
      const argv = args.map((arg) => (arg === "<broken>" ? broken : arg === "<empty>" ? emptySynth : arg));
      const outdir = path.join(tempDir(), "cdktf.out");
      const result = await run(argv, fromEnv ? { [CONFIG_DIR_ENV]: broken, CDKTF_OUTDIR: outdir } : {});
      expect(result.stderr).toMatch(problem());
      expect(result.stderr).toMatch(/\n\n1 config problem\(s\)(; nothing was synthesized)?\.\n$/);
      expect(result.code).toBe(EXIT.badInput);
      expect(fs.existsSync(outdir)).toBe(false);
    },
    SUBPROCESS_TEST_MS,
  );
});
