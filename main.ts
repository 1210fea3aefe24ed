/**
 * cdktf app entry: load and validate the fleet config, then synthesize two stacks per active region.
 * Any config problem or policy violation is printed and the process exits 1 with nothing written.
 */
import { ConfigError, formatProblem } from "./lib/config/errors";
import { configDirFromEnv } from "./lib/config/load";
import { loadFleetModel } from "./lib/model/region";
import { PolicyError, synthFleet } from "./stacks/fleet";

function main(): number {
  try {
    synthFleet(loadFleetModel(configDirFromEnv()), process.env.CDKTF_OUTDIR ?? "cdktf.out");
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) console.error(formatProblem(problem));
      console.error(`\n${error.problems.length} config problem(s); nothing was synthesized.`);
      return 1;
    }
    if (error instanceof PolicyError) {
      for (const violation of error.violations) console.error(`${violation.path}: ${violation.message}`);
      console.error(`\n${error.violations.length} policy violation(s); nothing was synthesized.`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = main();
