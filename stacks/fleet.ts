/**
 * Builds the whole fleet (two stacks per active region) and publishes its synth output atomically: the app
 * writes into a staging directory beside the output directory, and only a synth without errors replaces the
 * output, as a whole, with two renames. What the output directory holds is always one complete synth, never a
 * mix of two, and stacks that are no longer synthesized do not linger in it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { App, TerraformStack } from "cdktf";
import { ValidateProviderPresence } from "cdktf/lib/validations";
import { collectPolicyViolations, type PolicyViolation } from "../constructs/policies";
import { describeError, EXIT, UserError, type ErrorReport } from "../lib/errors";
import type { FleetModel } from "../lib/model/region";
import { RegionInfraStack } from "./infra-stack";
import { RegionPlatformStack } from "./platform-stack";

export interface RegionStacks {
  readonly infra: RegionInfraStack;
  readonly platform: RegionPlatformStack;
}

export function buildFleet(app: App, model: FleetModel): RegionStacks[] {
  return model.regions.map((region) => {
    const infra = new RegionInfraStack(app, region);
    const platform = new RegionPlatformStack(app, region, infra);
    return { infra, platform };
  });
}

/** Synth refused by the policy aspects: bad input, like a config problem. */
export class PolicyError extends UserError {
  readonly exitCode = EXIT.badInput;

  constructor(readonly violations: readonly PolicyViolation[]) {
    super(`synth refused by ${violations.length} policy violation(s):\n${violations.map((v) => `${v.path}: ${v.message}`).join("\n")}`);
  }

  override report(): ErrorReport {
    return { problems: this.violations.map((v) => `${v.path}: ${v.message}`), count: `${this.violations.length} policy violation(s)` };
  }
}

/** The existing output directory cannot be replaced as it is (it holds Terraform state of a stack that is gone). */
export class SynthOutputError extends UserError {
  readonly exitCode = EXIT.badInput;
}

export interface SynthResult {
  readonly outdir: string;
  readonly stacks: readonly string[];
}

/**
 * Test hook, never set outside tests: the path of a file. After staging (the new output complete beside the
 * old one) the synth writes the staging path into that file and waits, with the
 * event loop free to deliver signals, until the file is deleted; then it publishes. `synthFleet` returns
 * before it publishes in this mode, so only a process that does nothing after it (main.ts) may set it.
 */
export const TEST_HOOK_PAUSE_AFTER_STAGING = "FASTGPU_TEST_HOOK_PAUSE_AFTER_STAGING";

/**
 * What of an earlier synth's stack directory Terraform made there (`cdktf deploy` runs Terraform in it) and the
 * next synth carries over: the working directory (providers, modules, backend settings), the dependency lock
 * file, and local state files.
 */
const CARRIED = (name: string): boolean => name === ".terraform" || name === ".terraform.lock.hcl" || isStateFile(name);
const isStateFile = (name: string): boolean => name.startsWith("terraform.tfstate");

/**
 * Synthesizes into `<outdir>.staging-<pid>-<n>`, then swaps the staging directory in (`publishOutput`, which
 * carries over what Terraform made in the stack directories of the output it replaces). On any error the
 * staging directory is removed and `outdir` is left as it was.
 *
 * Signals: the synth is synchronous, so a SIGINT or SIGTERM that arrives while it runs is handled when it has
 * finished: the swap is never cut in half, the staging directory is gone either way, and the process then
 * exits `EXIT.interrupted` (130), as every entry point does on an interrupt (lib/errors.ts). A run killed
 * outright (SIGKILL, power loss) can leave a staging or old directory behind; the next synth removes those of
 * processes that no longer run, and puts back an output that was moved aside and never replaced.
 */
export function synthFleet(model: FleetModel, outdir: string, build: (app: App) => void = (app) => buildFleet(app, model)): SynthResult {
  const target = path.resolve(outdir);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  recoverAbandoned(target);
  const staging = uniqueSibling(target, "staging");
  const state: { phase: "staging" | "publishing" | "published" } = { phase: "staging" };
  const release = guardSignals((signal) => {
    if (state.phase === "staging") fs.rmSync(staging, { recursive: true, force: true });
    return state.phase === "published" ? `${signal} after the synth output was published to ${outdir}` : `${signal}: nothing was published; ${outdir} is as it was`;
  });
  let detached = false;
  try {
    // skipValidation: cdktf's construct validations include a Terraform version probe (terraform_data, our
    // deploy gate, adds one) that runs `terraform version` at synth, so synth would need the binary only
    // deploy uses, and fail without it. Terraform checks its own version at deploy; the one other validation
    // cdktf adds, provider presence, checks the synthesized configuration and runs below.
    const app = new App({ outdir: staging, stackTraces: false, skipValidation: true });
    build(app);
    // Under the cdktf CLI the app carries on past error annotations; outside it the first stack throws.
    // Either way every violation is collected and nothing reaches `outdir`.
    try {
      app.synth();
    } catch (error) {
      const violations = collectPolicyViolations(app);
      if (violations.length > 0) throw new PolicyError(violations);
      throw error;
    }
    const violations = collectPolicyViolations(app);
    if (violations.length > 0) throw new PolicyError(violations);
    validateProviderPresence(app);
    const stacks = fs.readdirSync(path.join(staging, "stacks")).sort();

    const pauseFile = process.env[TEST_HOOK_PAUSE_AFTER_STAGING];
    if (pauseFile) {
      detached = true;
      fs.writeFileSync(`${pauseFile}.tmp`, staging);
      fs.renameSync(`${pauseFile}.tmp`, pauseFile);
      void whenRemoved(pauseFile)
        .then(() => {
          state.phase = "publishing";
          publishOutput(staging, target);
          state.phase = "published";
        })
        .catch((error: unknown) => {
          const { lines, exitCode } = describeError(error);
          process.stderr.write(`${lines.join("\n")}\n`);
          process.exitCode = exitCode;
        })
        .finally(() => {
          fs.rmSync(staging, { recursive: true, force: true });
          release();
        });
      return { outdir, stacks };
    }

    state.phase = "publishing";
    publishOutput(staging, target);
    state.phase = "published";
    return { outdir, stacks };
  } finally {
    if (!detached) {
      fs.rmSync(staging, { recursive: true, force: true });
      release();
    }
  }
}

/**
 * Puts `staging` (a complete synth output) in place of `target`, with renames only: `target` moves to
 * `<target>.old-<pid>`, what Terraform made in its stack directories is carried over into `staging`
 * (`carryOver`), `staging` moves to `target`, and the old one is removed. Carrying over from the very output
 * that is replaced keeps the chain unbroken when synths overlap. A rename of a directory onto a path that
 * holds a non-empty directory fails, so when another synth publishes between our two renames, ours fails, and
 * we move theirs aside too, carry over from it and try again (the later synth wins, whole). On any other
 * failure the old output is moved back.
 *
 * Synths of one `target` publish one at a time, under `<target>.lock` (a symbolic link naming the holder's pid,
 * taken over when that process no longer runs): a synth that found `target` missing because another one was
 * between its renames would publish without carrying over what Terraform made there.
 *
 * What this guarantees, for any number of concurrent synths of one `target`: `target` is at every moment
 * either one complete synth output (never parts of two) or, between a synth's two renames (a few hard links
 * apart), absent; once every synth has returned it is present and complete, with what Terraform made in it
 * carried along. A reader that lists or opens `target` in that moment sees it missing, never mixed.
 * `afterMoveAside` is for tests: it runs between the two renames.
 */
export function publishOutput(staging: string, target: string, afterMoveAside?: () => void): void {
  const unlock = lockOutput(target);
  try {
    swap(staging, target, afterMoveAside);
  } finally {
    unlock();
  }
}

function swap(staging: string, target: string, afterMoveAside?: () => void): void {
  const old = `${target}.old-${process.pid}`;
  let carried: string[] = [];
  for (let attempt = 1; ; attempt++) {
    fs.rmSync(old, { recursive: true, force: true });
    let movedAside = false;
    try {
      fs.renameSync(target, old);
      movedAside = true;
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error;
    }
    try {
      afterMoveAside?.();
      for (const entry of carried) fs.rmSync(entry, { recursive: true, force: true });
      carried = movedAside ? carryOver(old, staging, target) : [];
      fs.renameSync(staging, target);
      break;
    } catch (error) {
      const raced = errorCode(error) === "ENOTEMPTY" || errorCode(error) === "EEXIST";
      if (raced && attempt < 50) continue; // another synth's output arrived between our renames
      if (movedAside && !fs.existsSync(target)) fs.renameSync(old, target);
      throw error;
    }
  }
  fs.rmSync(old, { recursive: true, force: true });
}

/**
 * Hard-links (copies where links fail) `.terraform/`, `.terraform.lock.hcl` and `terraform.tfstate*` of every
 * stack of `previous` that `staging` has too: no provider binary is copied. A stack that is no longer
 * synthesized is dropped with its directory, unless it holds local state there: then the synth stops, since
 * its resources may still exist. Returns what it made in `staging`; `shownAs` is where `previous` was, for messages.
 */
function carryOver(previous: string, staging: string, shownAs: string): string[] {
  const made: string[] = [];
  const stacksDir = path.join(previous, "stacks");
  if (!isDirectory(stacksDir)) return made;
  const kept = new Set(fs.readdirSync(path.join(staging, "stacks")));
  const underCli = process.env.CDKTF_CONTEXT_JSON !== undefined;
  for (const name of fs.readdirSync(stacksDir).sort()) {
    const from = path.join(stacksDir, name);
    if (!isDirectory(from)) continue;
    const entries = fs.readdirSync(from);
    if (!kept.has(name)) {
      const state = entries.filter(isStateFile);
      if (state.length > 0) {
        throw new SynthOutputError(
          `${path.join(shownAs, "stacks", name, state[0])}: stack ${name} is no longer synthesized, but its directory holds Terraform state; ` +
            `destroy the stack first (its resources may still exist), or move the state out of ${shownAs}, then synthesize again`,
        );
      }
      // The cdktf CLI removes the stack directories it saw before the app ran and the app did not write, and
      // fails on one that is already gone: leave it an empty one to remove.
      if (underCli) {
        fs.mkdirSync(path.join(staging, "stacks", name));
        made.push(path.join(staging, "stacks", name));
      }
      continue;
    }
    for (const entry of entries.filter(CARRIED).sort()) {
      const destination = path.join(staging, "stacks", name, entry);
      if (fs.existsSync(destination)) continue;
      linkTree(path.join(from, entry), destination);
      made.push(destination);
    }
  }
  return made;
}

function linkTree(from: string, to: string): void {
  const stat = fs.lstatSync(from);
  if (stat.isDirectory()) {
    fs.mkdirSync(to, { mode: stat.mode });
    for (const entry of fs.readdirSync(from)) linkTree(path.join(from, entry), path.join(to, entry));
  } else if (stat.isSymbolicLink()) {
    fs.symlinkSync(fs.readlinkSync(from), to);
  } else if (stat.isFile()) {
    try {
      fs.linkSync(from, to);
    } catch {
      fs.copyFileSync(from, to);
    }
  }
}

/**
 * After a run that was killed outright: removes `<target>.staging-<pid>-*` and `<target>.old-<pid>` of processes
 * that no longer run, and when `target` is missing, moves back the newest old output such a process had moved
 * aside and not replaced.
 */
function recoverAbandoned(target: string): void {
  const parent = path.dirname(target);
  const base = path.basename(target);
  const pattern = new RegExp(`^${escapeRegExp(base)}\\.(staging|old)-(\\d+)(?:-\\d+)?$`);
  const abandoned = fs
    .readdirSync(parent)
    .map((name) => ({ name, match: pattern.exec(name) }))
    .filter((entry) => entry.match && Number(entry.match[2]) !== process.pid && !pidAlive(Number(entry.match[2])))
    .map((entry) => ({ full: path.join(parent, entry.name), kind: entry.match![1] }));
  const olds = abandoned.filter((entry) => entry.kind === "old" && isDirectory(entry.full));
  if (!fs.existsSync(target) && olds.length > 0) {
    const newest = olds.sort((a, b) => fs.statSync(b.full).mtimeMs - fs.statSync(a.full).mtimeMs)[0];
    try {
      fs.renameSync(newest.full, target);
    } catch {
      // another synth got there first
    }
  }
  for (const entry of abandoned) fs.rmSync(entry.full, { recursive: true, force: true });
}

/** Takes `<target>.lock` (waiting while another live synth holds it) and returns its release. */
function lockOutput(target: string, timeoutMs = 120_000): () => void {
  const lock = `${target}.lock`;
  const started = Date.now();
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      fs.symlinkSync(String(process.pid), lock);
      return () => fs.rmSync(lock, { force: true });
    } catch (error) {
      if (errorCode(error) !== "EEXIST") throw error;
    }
    let holder: number | undefined;
    try {
      holder = Number(fs.readlinkSync(lock));
    } catch {
      continue; // released meanwhile, or not a link we made: try again
    }
    // This process holds no lock between calls: one in its name is left by an earlier process with its pid.
    if (!Number.isInteger(holder) || holder <= 0 || holder === process.pid || !pidAlive(holder)) {
      fs.rmSync(lock, { force: true }); // its holder no longer runs
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new SynthOutputError(`${lock}: another synth (pid ${holder}) has been publishing to ${target} for ${timeoutMs / 1000} s; wait for it, or remove the lock if it hangs`);
    }
    Atomics.wait(pause, 0, 0, 5);
  }
}

let stagingCount = 0;
function uniqueSibling(target: string, kind: "staging"): string {
  for (;;) {
    const candidate = `${target}.${kind}-${process.pid}-${++stagingCount}`;
    if (!fs.existsSync(candidate)) return candidate;
  }
}

/**
 * SIGINT/SIGTERM while a synth runs: each synth cleans up and says what it left, then the process exits
 * `EXIT.interrupted`. A synth's listener stays two turns of the event loop after it ends, so that a signal which
 * arrived during the synchronous synth is delivered to it (the process exits 130) instead of being dropped with it.
 */
const activeSynths = new Set<(signal: NodeJS.Signals) => string>();

function onSignal(signal: NodeJS.Signals): void {
  const notes: string[] = [];
  for (const cleanup of activeSynths) {
    try {
      notes.push(cleanup(signal));
    } catch (error) {
      notes.push(`${signal}: cleanup failed: ${(error as Error).message}`);
    }
  }
  activeSynths.clear();
  process.stderr.write(`synth interrupted by ${notes.join("; ") || signal}\n`);
  process.exit(EXIT.interrupted);
}

function guardSignals(cleanup: (signal: NodeJS.Signals) => string): () => void {
  if (activeSynths.size === 0) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  activeSynths.add(cleanup);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    setImmediate(() =>
      setImmediate(() => {
        if (!activeSynths.delete(cleanup) || activeSynths.size > 0) return;
        process.removeListener("SIGINT", onSignal);
        process.removeListener("SIGTERM", onSignal);
      }),
    );
  };
}

/**
 * What `skipValidation` leaves out and does not depend on the machine: every resource's provider is declared
 * in its stack. Throws cdktf's own message.
 */
export function validateProviderPresence(app: App): void {
  const errors = app.node
    .findAll()
    .filter(TerraformStack.isStack)
    .flatMap((stack) => new ValidateProviderPresence(stack).validate().map((message) => `[${stack.node.path}] ${message}`));
  if (errors.length > 0) throw new Error(`Validation failed with the following errors:\n  ${errors.join("\n  ")}`);
}

function whenRemoved(file: string, timeoutMs = 120_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (!fs.existsSync(file)) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        reject(new Error(`${TEST_HOOK_PAUSE_AFTER_STAGING}: ${file} was not removed within ${timeoutMs / 1000} s`));
      }
    }, 10);
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM";
  }
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
