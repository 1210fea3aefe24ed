/**
 * What the deploy gate runs on the machine running `cdktf deploy`: a Terraform local-exec, started in the
 * stack's directory under cdktf.out. It changes to the project (FASTGPU_ROOT, or `../../..` for the default
 * output directory) and runs the project's `deploy-gate` npm script there, so that the synth output stays the
 * same on every machine and names no file of the project. The Jobs to create travel in the environment (see
 * DEPLOY_GATE_ENV).
 */
import { EXIT, UserError } from "../errors";
import type { KubeObject } from "../k8s/object";
import { DEPLOY_GATE_ENV } from "../naming";

/** What the deploy gate was handed is not what it can run (bad input); the message says what to do. */
export class DeployGateInputError extends UserError {
  readonly exitCode = EXIT.badInput;
}

export interface GateCommandInput {
  readonly region: string;
  readonly clusterName: string;
  readonly timeoutMinutes: number;
}

/** The package.json script that runs the deploy gate. */
export const DEPLOY_GATE_SCRIPT = "deploy-gate";

export function deployGateArgs(input: GateCommandInput): string[] {
  return ["--region", input.region, "--cluster", input.clusterName, "--timeout-minutes", String(input.timeoutMinutes)];
}

/**
 * `$${` is Terraform's escape for a literal `${`: the shell, not Terraform, expands FASTGPU_ROOT. `--silent`
 * keeps npm's own lines out of the deploy's output; the gate's exit code passes through.
 */
export function deployGateCommand(input: GateCommandInput): string {
  return `cd "$\${${DEPLOY_GATE_ENV.root}:-../../..}" && npm run --silent ${DEPLOY_GATE_SCRIPT} -- ${deployGateArgs(input).join(" ")}`;
}

/**
 * The Jobs as one environment value. Terraform reads `${` and `%{` in any string as template syntax, so they
 * are escaped (`$${`, `%%{`); Terraform hands the process the original text.
 */
export function deployGateJobsValue(jobs: readonly KubeObject[]): string {
  return JSON.stringify(jobs)
    .replace(/\$\{/g, () => "$${")
    .replace(/%\{/g, () => "%%{");
}
