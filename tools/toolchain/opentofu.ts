/**
 * `npm run toolchain:tofu`: builds the pinned OpenTofu (lib/versions.ts `OPENTOFU`, MPL-2.0) from its Go module
 * into `toolCacheDir("opentofu", version)`, for the tests that need a real plan or `local-exec` on a machine
 * without Terraform. Deploying does not need it: any Terraform >= 1.10 or OpenTofu does.
 *
 * The module's own go.mod and go.sum drive the build (they carry a `replace` for OpenTofu's fork of HCL, which
 * `go install module@version` refuses), with the flags of its release builds (.goreleaser.yaml): no cgo,
 * read-only module graph, trimmed paths, `version.dev=no`. The binary is written under a temporary name and
 * renamed into place, so an interrupted build leaves nothing half-written; a rerun finds it and prints
 * "cached". The last line printed is `TOFU=<path>`. Exits as in lib/errors.ts: a build that cannot finish is
 * `EXIT.unavailable`.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXIT, runMain } from "../../lib/errors";
import { OPENTOFU } from "../../lib/versions";
import { parseFlags } from "../cli-args";
import { ToolchainError } from "./cache";
import { cachedTofuPath } from "./terraform";


const MODULE_VERSION = `${OPENTOFU.module}@v${OPENTOFU.version}`;

/** Go's environment for the build: module mode, no workspace, no cgo; the caller's proxy and caches. */
function goEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GO111MODULE: "on", GOWORK: "off", GOFLAGS: "-buildvcs=false", CGO_ENABLED: "0" };
}

function lastLine(text: string): string {
  const lines = text.split("\n").map((line) => line.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? "(no output)";
}

/** Runs go; its output goes to `log`. `reason` reads the failure out of stdout where go puts it there. */
function go(args: readonly string[], cwd: string, log: string, reason: (stdout: string) => string | undefined = () => undefined): string {
  const run = spawnSync("go", args, { cwd, env: goEnv(), encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  fs.appendFileSync(log, `$ go ${args.join(" ")}\n${run.stdout ?? ""}${run.stderr ?? ""}\n`);
  if (run.error) {
    const missing = (run.error as NodeJS.ErrnoException).code === "ENOENT";
    throw new ToolchainError(missing ? "`go` is not on PATH: OpenTofu is built from its Go module; install Go (https://go.dev/dl/)" : `go: ${run.error.message}`);
  }
  if (run.status !== 0) {
    const why = reason(run.stdout) ?? lastLine(run.stderr);
    throw new ToolchainError(`go ${args.slice(0, 2).join(" ")} failed (exit ${run.status}): ${why}; full output in ${log}`);
  }
  return run.stdout;
}

function downloadError(stdout: string): string | undefined {
  try {
    return (JSON.parse(stdout) as { Error?: string }).Error;
  } catch {
    return undefined;
  }
}

/**
 * True when `file` runs and says it is the pinned release. Its version line need not be the first: OpenTofu
 * prints CLI-configuration warnings (e.g. a `TF_CLI_CONFIG_FILE` that does not exist) before it.
 */
export function isPinnedTofu(file: string): boolean {
  return versionProblem(file) === undefined;
}

function versionProblem(file: string): string | undefined {
  const run = spawnSync(file, ["version"], { encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
  if (run.error) return run.error.message;
  if (run.status !== 0) return `\`${file} version\` exited ${run.status}: ${lastLine(run.stderr)}`;
  const printed = run.stdout.split("\n").map((line) => line.trim());
  return printed.includes(`OpenTofu v${OPENTOFU.version}`) ? undefined : `\`${file} version\` printed "${printed.find((line) => line.startsWith("OpenTofu")) ?? lastLine(run.stdout)}"`;
}

export interface TofuResult {
  readonly path: string;
  readonly cached: boolean;
  readonly seconds?: number;
}

export function ensureTofu(log: (line: string) => void = () => {}): TofuResult {
  const target = cachedTofuPath();
  if (fs.existsSync(target) && isPinnedTofu(target)) return { path: target, cached: true };

  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  const logFile = path.join(os.tmpdir(), `fastgpu-opentofu-${OPENTOFU.version}-${process.pid}.log`);
  fs.writeFileSync(logFile, "");
  const temporary = path.join(dir, `.tofu-${process.pid}.tmp`);
  const started = process.hrtime.bigint();
  log(`building OpenTofu ${OPENTOFU.version} from ${MODULE_VERSION} (a cold build takes minutes)`);
  try {
    // Outside any go.mod: fetch the module's source (checked against the checksum database) to build from it.
    const download = JSON.parse(go(["mod", "download", "-json", MODULE_VERSION], os.tmpdir(), logFile, downloadError)) as { Dir?: string; Error?: string };
    if (!download.Dir) throw new ToolchainError(`go mod download ${MODULE_VERSION}: ${download.Error ?? "no source directory"}`);
    const ldflags = `-s -w -X '${OPENTOFU.module}/version.dev=no'`;
    go(["build", "-mod=readonly", "-trimpath", "-ldflags", ldflags, "-o", temporary, "./cmd/tofu"], download.Dir, logFile);
    const problem = versionProblem(temporary);
    if (problem) throw new ToolchainError(`the built binary is not OpenTofu v${OPENTOFU.version}: ${problem}`);
    fs.renameSync(temporary, target);
  } finally {
    fs.rmSync(temporary, { force: true });
  }
  fs.rmSync(logFile, { force: true });
  return { path: target, cached: false, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

function duration(seconds: number): string {
  const whole = Math.round(seconds);
  return whole < 60 ? `${whole} s` : `${Math.floor(whole / 60)} min ${whole % 60} s`;
}

function main(argv: readonly string[]): number {
  parseFlags(argv, {}, "node --import tsx tools/toolchain/opentofu.ts");
  const result = ensureTofu((line) => console.log(line));
  if (result.cached) console.log(`OpenTofu ${OPENTOFU.version}: cached`);
  else console.log(`OpenTofu ${OPENTOFU.version}: built in ${duration(result.seconds!)}`);
  console.log(`TOFU=${result.path}`);
  return EXIT.success;
}

if (require.main === module) runMain(() => main(process.argv.slice(2)), { prefix: "toolchain:tofu: " });
