import { EXIT, runMain, UserError } from "../lib/errors";

/**
 * Minimal flag parsing shared by the CLIs: `--name value` and `--name=value`, `--flag`, repeated flags collected
 * in order, and `--help` (or `-h`) anywhere, which prints the usage line and exits 0. Unknown flags, missing or
 * empty values and a value given to a flag that takes none are usage errors (`EXIT.usage`), reported with the
 * command's usage line.
 */
export class UsageError extends UserError {
  readonly exitCode = EXIT.usage;

  constructor(message: string, readonly usage: string) {
    super(`${message}\nusage: ${usage}`);
  }
}

/** `--help` was given: not an error; the runner prints the usage line and the process exits `EXIT.success`. */
export class HelpRequested extends UserError {
  readonly exitCode = EXIT.success;

  constructor(readonly usage: string) {
    super(`usage: ${usage}`);
  }
}

export interface FlagSpec {
  readonly takesValue: boolean;
  readonly repeatable?: boolean;
}

export type ParsedFlags = Record<string, string[] | true | undefined>;

const HELP = new Set(["--help", "-h"]);

export function parseFlags(argv: readonly string[], spec: Readonly<Record<string, FlagSpec>>, usage: string): ParsedFlags {
  if (argv.some((arg) => HELP.has(arg))) throw new HelpRequested(usage);
  const parsed: ParsedFlags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--") || arg === "--") throw new UsageError(`unexpected argument "${arg}"`, usage);
    const equals = arg.indexOf("=");
    const name = equals === -1 ? arg.slice(2) : arg.slice(2, equals);
    const flag = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (!flag) throw new UsageError(`unknown flag --${name}`, usage);
    if (!flag.takesValue) {
      if (equals !== -1) throw new UsageError(`--${name} takes no value (got "${arg}")`, usage);
      parsed[name] = true;
      continue;
    }
    let value: string | undefined;
    if (equals !== -1) {
      value = arg.slice(equals + 1);
    } else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`--${name} needs a value`, usage);
      i++;
    }
    if (value.trim() === "") throw new UsageError(`--${name} needs a value (got an empty one)`, usage);
    const previous = parsed[name];
    if (Array.isArray(previous)) {
      if (!flag.repeatable) throw new UsageError(`--${name} given twice`, usage);
      previous.push(value);
    } else {
      parsed[name] = [value];
    }
  }
  return parsed;
}

export function single(flags: ParsedFlags, name: string): string | undefined {
  const value = flags[name];
  return Array.isArray(value) ? value[0] : undefined;
}

/**
 * Runs a CLI that prints one document: its errors are printed and exit as `runMain` says (lib/errors.ts);
 * `--help` prints the usage line to stdout and exits 0.
 */
export function printDocument(render: () => string): void {
  runMain(() => {
    let document: string;
    try {
      document = render();
    } catch (error) {
      if (!(error instanceof HelpRequested)) throw error;
      document = `${error.message}\n`;
    }
    process.stdout.write(document);
  });
}
