/**
 * Builds the whole fleet (two stacks per active region) and synthesizes it so that bad input never leaves
 * partial output: the app writes into a staging directory, and only a synth without errors is copied over
 * the real output directory.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { App } from "cdktf";
import { collectPolicyViolations, type PolicyViolation } from "../constructs/policies";
import type { FleetConfig } from "../lib/config/load";
import { RegionInfraStack } from "./infra-stack";
import { RegionPlatformStack } from "./platform-stack";

export interface RegionStacks {
  readonly infra: RegionInfraStack;
  readonly platform: RegionPlatformStack;
}

export function buildFleet(app: App, config: FleetConfig): RegionStacks[] {
  return config.regions.map((region) => {
    const infra = new RegionInfraStack(app, { fleet: config.fleet, region });
    const platform = new RegionPlatformStack(app, { fleet: config.fleet, region, infra });
    return { infra, platform };
  });
}

export class PolicyError extends Error {
  constructor(readonly violations: readonly PolicyViolation[]) {
    super(`synth refused by ${violations.length} policy violation(s):\n${violations.map((v) => `${v.path}: ${v.message}`).join("\n")}`);
    this.name = "PolicyError";
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
export function synthFleet(config: FleetConfig, outdir: string, build: (app: App) => void = (app) => buildFleet(app, config)): SynthResult {
  const staging = `${outdir.replace(/\/+$/, "")}.staging-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    const app = new App({ outdir: staging, stackTraces: false });
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
    copyTree(staging, outdir);
    const stacks = fs.readdirSync(path.join(staging, "stacks")).sort();
    return { outdir, stacks };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
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
