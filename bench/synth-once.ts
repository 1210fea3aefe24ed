/**
 * One synth in a fresh process, as `cdktf synth` runs the app: load and validate the config, synthesize every
 * stack. Prints {"stacks": n, "maxRssMiB": m} for the benchmark driver.
 */
import { loadFleetModel } from "../lib/model/region";
import { synthFleet } from "../stacks/fleet";

const [configDir, outdir] = process.argv.slice(2);
const result = synthFleet(loadFleetModel(configDir), outdir);
process.stdout.write(JSON.stringify({ stacks: result.stacks.length, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
