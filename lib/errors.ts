/**
 * The one base of every error that is the user's to fix, and the exit codes of every entry point: the cdktf app
 * (main.ts) and each CLI under tools/. A `UserError` carries its exit code; `runMain` prints it (its message,
 * or one line per problem and a count, never a stack trace) and exits with that code. Anything else thrown is
 * a bug: `runMain` prints its stack and exits `EXIT.internal` (70, sysexits' EX_SOFTWARE).
 */

/** Exit codes by meaning. The same meaning is the same code in every entry point. */
export const EXIT = {
  success: 0,
  checkFailed: 1,
  notValidated: 2,
  usage: 3,
  badInput: 4,
  unavailable: 5,
  internal: 70,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What each exit code means, in the words of README.md's "Exit codes" table (a test keeps the two equal). */
export const EXIT_CODES: Readonly<Record<ExitCode, string>> = {
  [EXIT.success]: "success: everything ran and every check passed",
  [EXIT.checkFailed]: "a check failed: a node failed GPU validation (smoke, deploy gate); `twin status` found no running twin",
  [EXIT.notValidated]: "could not validate: a node has no result or could not run the suite, or there is no GPU node to validate",
  [EXIT.usage]: "usage error: an unknown or missing flag, a bad flag value, an unknown command, region or pool",
  [EXIT.badInput]: "bad input: config problems, policy violations, a plan JSON or synth output that cannot be read, deploy-gate input that does not match",
  [EXIT.unavailable]: "unavailable: a cluster, tool or build the command needs cannot be reached or fails (kubeconfig, API server, credentials; go, pip, openssl; the twin)",
  [EXIT.internal]: "internal error: a bug; the stack trace is printed",
  [EXIT.interrupted]: "interrupted by SIGINT or SIGTERM (`twin up` stops what it started first)",
};

/** What a user error prints: a message, or one line per problem followed by a count such as `2 config problem(s)`. */
export type ErrorReport = { readonly message: string } | { readonly problems: readonly string[]; readonly count: string };

/** An error the user can fix from what it says; thrown anywhere, printed by `runMain`. */
export abstract class UserError extends Error {
  abstract readonly exitCode: ExitCode;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }

  /** What `runMain` prints; the message unless the error lists problems. */
  report(): ErrorReport {
    return { message: this.message };
  }
}

export interface RunOptions {
  /** Put before a message (not before problem lines, which start with the file or path they are about): `twin: `. */
  readonly prefix?: string;
  /** What the entry point did not do because of listed problems, appended to their count: `nothing was synthesized`. */
  readonly outcome?: string;
}

/** The lines an error prints and the code the process exits with. */
export function describeError(error: unknown, options: RunOptions = {}): { readonly lines: readonly string[]; readonly exitCode: ExitCode } {
  const prefix = options.prefix ?? "";
  if (error instanceof UserError) {
    const report = error.report();
    if ("message" in report) return { lines: `${prefix}${report.message}`.split("\n"), exitCode: error.exitCode };
    return { lines: [...report.problems, "", `${report.count}${options.outcome ? `; ${options.outcome}` : ""}.`], exitCode: error.exitCode };
  }
  const detail = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  return { lines: `${prefix}unexpected error (a bug): ${detail}`.split("\n"), exitCode: EXIT.internal };
}

/**
 * Runs an entry point. What it returns (or resolves to) is the exit code, `EXIT.success` when nothing; what it
 * throws is printed to stderr by `describeError` and exits with that error's code. `exit: true` ends the process
 * at once (for a CLI that leaves handles open); otherwise it sets `process.exitCode`. Signal handlers that a
 * command installs itself (`twin up`) are left alone.
 */
export function runMain(main: () => number | void | Promise<number | void>, options: RunOptions & { readonly exit?: boolean } = {}): void {
  const finish = (code: number): void => {
    if (options.exit) process.exit(code);
    process.exitCode = code;
  };
  Promise.resolve()
    .then(main)
    .then(
      (code) => finish(code ?? EXIT.success),
      (error: unknown) => finish(printError(error, options)),
    );
}

function printError(error: unknown, options: RunOptions): ExitCode {
  const { lines, exitCode } = describeError(error, options);
  process.stderr.write(`${lines.join("\n")}\n`);
  return exitCode;
}
