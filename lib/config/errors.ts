import { EXIT, UserError, type ErrorReport } from "../errors";

/** One problem in the config, reported as `<file>: <path>: <message>`. */
export interface ConfigProblem {
  readonly file: string;
  /** Dotted path into the document, e.g. `gpuPools[1].sharing.replicas`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

export function formatProblem(problem: ConfigProblem): string {
  return problem.path ? `${problem.file}: ${problem.path}: ${problem.message}` : `${problem.file}: ${problem.message}`;
}

/** Thrown when the config has problems; carries all of them so they can be reported at once (bad input). */
export class ConfigError extends UserError {
  readonly exitCode = EXIT.badInput;

  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `invalid FastGPU config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map(formatProblem).join("\n"),
    );
  }

  override report(): ErrorReport {
    return { problems: this.problems.map(formatProblem), count: `${this.problems.length} config problem(s)` };
  }
}

/** Renders a zod-style path (`["gpuPools", 1, "sharing"]`) as `gpuPools[1].sharing`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out;
}
