/**
 * `npm run manifests -- --region <r> [--values] [--config <dir>]`
 *
 * Without --values: every Kubernetes object FastGPU computes for the region's Helm releases, as
 * multi-document YAML (what `helm template` prints for our charts), ready for `kubectl diff -f -`, then the
 * Jobs the deploy gate creates.
 * With --values: the Helm values of every release, upstream and ours, exactly as the deploy passes them.
 */
import { stringify } from "yaml";
import { configDirFromEnv } from "../lib/config/load";
import { loadFleetModel } from "../lib/model/region";
import { renderValues } from "../lib/helm/values";
import { regionDeployGate, regionReleases } from "../lib/platform/releases";
import { parseFlags, printDocument, single, UsageError } from "./cli-args";

const USAGE = "npm run manifests -- --region <region> [--values] [--config <dir>]";

export function renderManifests(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  const flags = parseFlags(argv, { region: { takesValue: true }, values: { takesValue: false }, config: { takesValue: true } }, USAGE);
  const regionName = single(flags, "region");
  if (!regionName) throw new UsageError("--region is required", USAGE);
  const config = loadFleetModel(single(flags, "config") ?? configDirFromEnv(env));
  const region = config.regions.find((candidate) => candidate.region === regionName);
  if (!region) {
    throw new UsageError(`region "${regionName}" is not in the config; active regions: ${config.regions.map((r) => r.region).join(", ")}`, USAGE);
  }
  const releases = regionReleases(region).all;
  const documents: string[] = [];
  for (const release of releases) {
    const source = `${release.name} (${release.chart.chart}@${release.chart.version}, namespace ${release.namespace})`;
    if (flags.values) {
      documents.push(`# Values of release ${source}\n${renderValues(release.values)}`);
    } else {
      for (const object of release.objects) documents.push(`# Source: ${source}\n${yamlOf(object)}`);
    }
  }
  if (!flags.values) {
    for (const job of regionDeployGate(region).jobs) {
      documents.push(`# Source: deploy gate (created by \`cdktf deploy\` on every gate run, not by Helm)\n${yamlOf(job)}`);
    }
  }
  return documents.map((document) => `---\n${document}`).join("");
}

function yamlOf(object: object): string {
  return stringify(object, { lineWidth: 0, aliasDuplicateObjects: false });
}

if (require.main === module) printDocument(() => renderManifests(process.argv.slice(2)));
