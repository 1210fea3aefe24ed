import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { renderValues } from "../lib/helm/values";
import type { HelmChartPin } from "../lib/versions";
import { HelmRelease } from "./providers";

export interface PinnedChartProps {
  readonly releaseName: string;
  readonly namespace: string;
  readonly createNamespace?: boolean;
  readonly chart: HelmChartPin;
  readonly values: object;
  /** Seconds Helm waits for the release's resources (and Jobs, with waitForJobs) before failing the deploy. */
  readonly timeoutSeconds?: number;
  readonly waitForJobs?: boolean;
  readonly dependsOn?: ITerraformDependable[];
}

/** A Helm release of an upstream chart at its pinned version; rolled back if it does not become ready. */
export class PinnedChart extends Construct {
  readonly release: HelmRelease;

  constructor(scope: Construct, id: string, props: PinnedChartProps) {
    super(scope, id);
    this.release = new HelmRelease(this, "release", {
      name: props.releaseName,
      namespace: props.namespace,
      createNamespace: props.createNamespace ?? false,
      repository: props.chart.repository,
      chart: props.chart.chart,
      version: props.chart.version,
      values: [renderValues(props.values)],
      atomic: true,
      cleanupOnFail: true,
      wait: true,
      waitForJobs: props.waitForJobs ?? false,
      timeout: props.timeoutSeconds ?? 600,
      maxHistory: 10,
      dependsOn: props.dependsOn,
    });
  }
}
