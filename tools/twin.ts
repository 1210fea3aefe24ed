/**
 * `npm run twin -- up [--region R] [--nodes <pool>=<n> ...] [--config <dir>]`, `down`, `status`, `build`.
 *
 * The cluster twin: a real control plane for one region on loopback ports (see docs/cluster-twin.md).
 * `up` prints `KUBECONFIG=<path>` as its last line once every node is Ready and Kueue's webhooks answer.
 * Exit codes as in lib/errors.ts: `status` exits `EXIT.checkFailed` when no twin runs, a twin that cannot be
 * built or started `EXIT.unavailable`, and an interrupted `up` `EXIT.interrupted` after stopping what it started.
 */
import { EXIT, runMain } from "../lib/errors";
import { configDirFromEnv } from "../lib/config/load";
import { loadFleetModel } from "../lib/model/region";
import { parseNodeCounts, twinNodeSpecs } from "../lib/twin/nodes";
import { parseFlags, single, UsageError } from "./cli-args";
import { ensureControlPlane, ensureHelmKubectl, ensureKueue } from "./twin/components";
import { LEFT_OUT, twinDown, twinStatus, twinUp } from "./twin/cluster";

const USAGE =
  "npm run twin -- up [--region <region>] [--nodes <pool>=<count> ...] [--config <dir>] | down | status | build [--region <region>]";

const STARTED = Date.now();

function log(line: string): void {
  process.stderr.write(`twin: [${((Date.now() - STARTED) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "up":
    case "build": {
      const flags = parseFlags(rest, { region: { takesValue: true }, nodes: { takesValue: true, repeatable: true }, config: { takesValue: true } }, USAGE);
      const config = loadFleetModel(single(flags, "config") ?? configDirFromEnv());
      const regionName = single(flags, "region") ?? config.regions[0]?.region;
      const region = config.regions.find((candidate) => candidate.region === regionName);
      if (!region) throw new UsageError(`region "${regionName}" is not in the config; active regions: ${config.regions.map((r) => r.region).join(", ")}`, USAGE);
      if (command === "build") {
        ensureControlPlane(region.config.kubernetesVersion, log);
        ensureKueue(log);
        ensureHelmKubectl(log);
        log("all twin components are built");
        return EXIT.success;
      }
      const nodeFlags = flags.nodes;
      let nodes;
      try {
        nodes = parseNodeCounts(Array.isArray(nodeFlags) ? nodeFlags : []);
        twinNodeSpecs(region, nodes);
      } catch (error) {
        throw new UsageError((error as Error).message, USAGE);
      }
      const started = Date.now();
      const result = await twinUp({ region, nodes, log });
      log(`up in ${((Date.now() - started) / 1000).toFixed(1)} s${result.coldBuilds.length ? ` (${result.coldBuilds.join("; ")})` : ""}`);
      for (const item of LEFT_OUT) log(`left out: ${item.part}: ${item.why}`);
      process.stdout.write(`KUBECONFIG=${result.kubeconfig}\n`);
      return EXIT.success;
    }
    case "down": {
      parseFlags(rest, {}, USAGE);
      const stopped = twinDown();
      process.stdout.write(stopped.length ? `stopped ${stopped.join(", ")}; state removed\n` : "no twin was running\n");
      return EXIT.success;
    }
    case "status": {
      parseFlags(rest, {}, USAGE);
      const status = twinStatus();
      process.stdout.write(status.lines.join("\n") + "\n");
      if (status.kubeconfig && status.running) process.stdout.write(`KUBECONFIG=${status.kubeconfig}\n`);
      return status.running ? EXIT.success : EXIT.checkFailed;
    }
    default:
      throw new UsageError(command ? `unknown command "${command}"` : "a command is required", USAGE);
  }
}

// process.exit as soon as the command is done, so that nothing left open (a timer, a keep-alive socket) keeps it waiting.
if (require.main === module) runMain(() => main(process.argv.slice(2)), { prefix: "twin: ", exit: true });
