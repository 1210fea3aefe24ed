import * as fs from "node:fs";
import * as path from "node:path";
import { AssetType, TerraformAsset, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { renderValues } from "../lib/helm/values";
import { isLocalChart, type HelmChartPin, type LocalChart } from "../lib/versions";
import { HelmRelease } from "./providers";

export interface ChartReleaseProps {
  readonly releaseName: string;
  readonly namespace: string;
  readonly createNamespace?: boolean;
  readonly chart: HelmChartPin | LocalChart;
  readonly values: object;
  /** Seconds Helm waits for the release's resources (and Jobs, with waitForJobs) before failing the deploy. */
  readonly timeoutSeconds: number;
  readonly waitForJobs?: boolean;
  /** Wait for the release's resources to be ready (default true). */
  readonly wait?: boolean;
  readonly dependsOn?: ITerraformDependable[];
}

/** The repository root (where package.json is), from source or compiled code alike. */
function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cannot find the project root (package.json) above " + __dirname);
    dir = parent;
  }
  return dir;
}

/**
 * A Helm release of an upstream chart at its pinned version, or of one of our charts copied into the stack's
 * synth output (so cdktf.out is self-contained). Rolled back if it does not become ready.
 */
export class ChartRelease extends Construct {
  readonly release: HelmRelease;

  constructor(scope: Construct, id: string, props: ChartReleaseProps) {
    super(scope, id);
    const chart = props.chart;
    const source = isLocalChart(chart)
      ? { chart: new TerraformAsset(this, "chart", { path: path.join(projectRoot(), chart.path), type: AssetType.DIRECTORY }).path }
      : { repository: chart.repository, chart: chart.chart, version: chart.version };
    this.release = new HelmRelease(this, "release", {
      name: props.releaseName,
      namespace: props.namespace,
      createNamespace: props.createNamespace ?? false,
      ...source,
      values: [renderValues(props.values)],
      // Atomic rollback needs Helm to wait; a release it does not wait for keeps what it installed.
      atomic: props.wait ?? true,
      cleanupOnFail: props.wait ?? true,
      wait: props.wait ?? true,
      waitForJobs: props.waitForJobs ?? false,
      timeout: props.timeoutSeconds,
      maxHistory: 10,
      dependsOn: props.dependsOn && props.dependsOn.length > 0 ? props.dependsOn : undefined,
    });
  }
}
