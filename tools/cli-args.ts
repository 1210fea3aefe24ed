import { EXIT, runMain, UserError } from "../lib/errors";

/**
 * Minimal flag parsing shared by the CLIs: `--name value`, `--flag`, repeated flags collected in order.
 * Unknown flags and missing values are usage errors (`EXIT.usage`), reported with the command's usage line.
 */
export class UsageError extends UserError {
  readonly exitCode = EXIT.usage;

  constructor(message: string, readonly usage: string) {
    super(`${message}\nusage: ${usage}`);
  }
}

export interface FlagSpec {
  readonly takesValue: boolean;
  readonly repeatable?: boolean;
}

export type ParsedFlags = Record<string, string[] | true | undefined>;

export function parseFlags(argv: readonly string[], spec: Readonly<Record<string, FlagSpec>>, usage: string): ParsedFlags {
  const parsed: ParsedFlags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument "${arg}"`, usage);
    const name = arg.slice(2);
    const flag = spec[name];
    if (!flag) throw new UsageError(`unknown flag --${name}`, usage);
    if (!flag.takesValue) {
      parsed[name] = true;
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith("--")) throw new UsageError(`--${name} needs a value`, usage);
    i++;
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

/** Runs a CLI that prints one document: its errors are printed and exit as `runMain` says (lib/errors.ts). */
export function printDocument(render: () => string): void {
  runMain(() => {
    process.stdout.write(render());
  });
}
