/**
 * What the deploy gate runs on the machine running `cdktf deploy`: a Terraform local-exec, started in the
 * stack's directory under cdktf.out. It changes to the project (FASTGPU_ROOT, or `../../..` for the default
 * output directory) so that `tsx` resolves from the project's node_modules and the synth output stays the same
 * on every machine. The Jobs to create travel in the environment (see DEPLOY_GATE_ENV).
 */
import type { KubeObject } from "../k8s/object";

/** What the deploy gate was handed is not what it can run; the message says what to do. */
export class DeployGateInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeployGateInputError";
  }
}

export interface GateCommandInput {
  readonly region: string;
  readonly clusterName: string;
  readonly timeoutMinutes: number;
}

export function deployGateArgs(input: GateCommandInput): string[] {
  return ["deploy-gate", "--region", input.region, "--cluster", input.clusterName, "--timeout-minutes", String(input.timeoutMinutes)];
}

/** `$${` is Terraform's escape for a literal `${`: the shell, not Terraform, expands FASTGPU_ROOT. */
export function deployGateCommand(input: GateCommandInput): string {
  return `cd "$\${FASTGPU_ROOT:-../../..}" && node --import tsx tools/smoke.ts ${deployGateArgs(input).join(" ")}`;
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
