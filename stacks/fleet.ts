/**
 * Builds the whole fleet (two stacks per active region) and synthesizes it so that bad input never leaves
 * partial output: the app writes into a staging directory, and only a synth without errors is copied over
 * the real output directory.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { App, TerraformStack } from "cdktf";
import { ValidateProviderPresence } from "cdktf/lib/validations";
import { collectPolicyViolations, type PolicyViolation } from "../constructs/policies";
import { EXIT, UserError, type ErrorReport } from "../lib/errors";
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

export interface SynthResult {
  readonly outdir: string;
  readonly stacks: readonly string[];
}

/**
 * Synthesizes into `<outdir>.staging-<pid>`, then copies the files over `outdir`. Files of an earlier
 * synth that are not rewritten (e.g. `.terraform/` of a deployed stack) are left alone.
 */
export function synthFleet(model: FleetModel, outdir: string, build: (app: App) => void = (app) => buildFleet(app, model)): SynthResult {
  const staging = `${outdir.replace(/\/+$/, "")}.staging-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
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
    copyTree(staging, outdir);
    const stacks = fs.readdirSync(path.join(staging, "stacks")).sort();
    return { outdir, stacks };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
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

function copyTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(source, target);
    else fs.copyFileSync(source, target);
  }
}
