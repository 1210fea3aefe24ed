/**
 * The command the deploy gate runs on the machine running `cdktf deploy` (a Terraform local-exec from the
 * stack's directory under cdktf.out). It reaches the project through FASTGPU_ROOT, or `../../..` for the
 * default output directory, so the synth output stays the same on every machine.
 */
export interface GateJob {
  readonly pool: string;
  readonly job: string;
  readonly nodes: number;
}

export interface GateCommandInput {
  readonly region: string;
  readonly clusterName: string;
  readonly jobs: readonly GateJob[];
  readonly timeoutMinutes: number;
}

export function deployGateArgs(input: GateCommandInput): string[] {
  return [
    "deploy-gate",
    "--region", input.region,
    "--cluster", input.clusterName,
    "--timeout-minutes", String(input.timeoutMinutes),
    ...input.jobs.flatMap((job) => ["--job", `${job.pool}=${job.job}:${job.nodes}`]),
  ];
}

/** `$${` is Terraform's escape for a literal `${`: the shell, not Terraform, expands FASTGPU_ROOT. */
export function deployGateCommand(input: GateCommandInput): string {
  return `node --import tsx "$\${FASTGPU_ROOT:-../../..}/tools/smoke.ts" ${deployGateArgs(input).join(" ")}`;
}
