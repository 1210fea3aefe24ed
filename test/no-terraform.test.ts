/**
 * Synth, and everything built on it, needs no Terraform: only deploy does. cdktf's construct validations would
 * run `terraform version` at synth (terraform_data, our deploy gate, adds one); the app skips them and runs
 * the one that checks the configuration itself (stacks/fleet.ts).
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { App, TerraformStack } from "cdktf";
import { ValidateProviderPresence } from "cdktf/lib/validations";
import { ValidateTerraformVersion } from "cdktf/lib/validations/validate-terraform-version";
import type { IConstruct, IValidation } from "constructs";
import { EksPodIdentityAssociation } from "../constructs/providers";
import { loadFleetModel } from "../lib/model/region";
import { buildFleet, synthFleet } from "../stacks/fleet";
import { whichExecutable } from "../tools/toolchain/terraform";
import { DEFAULT_CONFIG_DIR, readTree, REPO_ROOT, tempDir, withPlainStackTraces } from "./helpers";

const config = loadFleetModel(DEFAULT_CONFIG_DIR);

/** The environment of a machine without Terraform: PATH without any directory holding terraform or tofu. */
function withoutTerraform(): NodeJS.ProcessEnv {
  const dirs = (process.env.PATH ?? "").split(path.delimiter).filter((dir) => dir && !whichExecutable("terraform", { PATH: dir }) && !whichExecutable("tofu", { PATH: dir }));
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: dirs.join(path.delimiter) };
  delete env.TERRAFORM_BINARY_NAME;
  return env;
}

/**
 * What cdktf.json's `app` runs, in its own process. Node by absolute path: it may share a folder with terraform.
 * Asynchronous, so two synths can run side by side.
 */
function synthInChild(env: NodeJS.ProcessEnv): Promise<{ outdir: string; status: number | null; stderr: string }> {
  const outdir = path.join(tempDir(), "cdktf.out");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "main.ts"], { cwd: REPO_ROOT, env: { ...env, CDKTF_OUTDIR: outdir }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject).on("close", (status) => resolve({ outdir, status, stderr }));
  });
}

describe("without terraform on PATH", () => {
  it("synthesizes, byte for byte what it synthesizes with terraform on PATH", async () => {
    const env = withoutTerraform();
    expect(whichExecutable("terraform", env)).toBeUndefined();
    expect(whichExecutable("tofu", env)).toBeUndefined();
    const [bare, usual] = await Promise.all([synthInChild(env), synthInChild(process.env)]);
    expect(bare.stderr).toBe("");
    expect(bare.status).toBe(0);
    expect(usual.status).toBe(0);
    const files = readTree(bare.outdir);
    expect([...files.keys()].filter((file) => file.endsWith("cdk.tf.json")).length).toBeGreaterThan(0);
    expect(files).toEqual(readTree(usual.outdir));
  }, 120_000);

  it.each([
    ["manifests", ["tools/manifests.ts", "--region", "us-east-1"], "kind: "],
    ["cost", ["tools/cost.ts"], "us-east-1"],
  ])("runs npm run %s", (_name, args, expected) => {
    const run = spawnSync(process.execPath, ["--import", "tsx", ...args], { cwd: REPO_ROOT, env: withoutTerraform(), encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(expected);
  }, 60_000);
});

describe("the construct validations the app skips", () => {
  const validationsOf = (construct: IConstruct): IValidation[] => {
    const list = (construct.node as unknown as { _validations?: unknown })._validations;
    if (!Array.isArray(list)) throw new Error("constructs no longer keeps validations in Node._validations: recheck stacks/fleet.ts skipValidation");
    return list as IValidation[];
  };

  it("are only Terraform version probes and provider presence, which the synth runs itself", () => {
    const app = new App({ outdir: tempDir(), skipValidation: true });
    withPlainStackTraces(() => buildFleet(app, config));
    const kinds = new Set(app.node.findAll().flatMap((construct) => validationsOf(construct).map((validation) => validation.constructor.name)));
    expect(kinds).toEqual(new Set([ValidateTerraformVersion.name, ValidateProviderPresence.name]));
    const gate = app.node.findAll().find((construct) => construct.node.path.endsWith("/deploy-gate/wait"));
    expect(validationsOf(gate!).every((validation) => validation instanceof ValidateTerraformVersion)).toBe(true);
  });

  it("still refuse a resource whose provider the stack lacks, and nothing is written", () => {
    const target = path.join(tempDir(), "cdktf.out");
    expect(() =>
      withPlainStackTraces(() =>
        synthFleet(config, target, (app) => {
          buildFleet(app, config);
          const orphan = new TerraformStack(app, "orphan");
          new EksPodIdentityAssociation(orphan, "association", { clusterName: "c", namespace: "n", roleArn: "arn", serviceAccount: "s" });
        }),
      ),
    ).toThrow(/\[orphan\] Found resources without a matching provider construct.*for the following providers: aws/);
    expect(fs.existsSync(target)).toBe(false);
  });
});
