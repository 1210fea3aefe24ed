/**
 * cdktf app entry: load and validate the fleet config, then synthesize two stacks per active region.
 * Config problems and policy violations are printed one per line with a count, nothing is written, and the
 * process exits `EXIT.badInput` (lib/errors.ts, README "Exit codes").
 */
import { runMain } from "./lib/errors";
import { configDirFromEnv } from "./lib/config/load";
import { loadFleetModel } from "./lib/model/region";
import { synthFleet } from "./stacks/fleet";

runMain(
  () => {
    synthFleet(loadFleetModel(configDirFromEnv()), process.env.CDKTF_OUTDIR ?? "cdktf.out");
  },
  { outcome: "nothing was synthesized" },
);
