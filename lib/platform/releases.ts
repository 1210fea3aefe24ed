/**
 * Every Helm release of a region's platform stack, with its values, computed in one place from the region
 * model. The platform stack turns this list into helm_release resources and `npm run manifests` prints it, so
 * what a reviewer reads is exactly what a deploy installs.
 */
import { clusterAutoscalerValues } from "../helm/cluster-autoscaler";
import { gpuOperatorValues } from "../helm/gpu-operator";
import { kueueValues } from "../helm/kueue";
import { assertChartValues } from "../helm/value-keys";
import type { KubeObject } from "../k8s/object";
import type { RegionModel } from "../model/region";
import { NAMESPACES } from "../naming";
import { tenantAdmissionPolicies } from "../tenancy/admission";
import { kueueObjects } from "../tenancy/kueue";
import { tenantNamespaceObjects } from "../tenancy/namespace";
import { deployGateJobs, validationChartObjects, validationImage, validationRepositoryPlaceholder } from "../validation/objects";
import { CHARTS, isLocalChart, LOCAL_CHARTS, type HelmChartPin, type LocalChart } from "../versions";

export interface PlatformRelease {
  /** Helm release name: the chart's name (one release of each chart per cluster). */
  readonly name: string;
  readonly namespace: string;
  readonly createNamespace: boolean;
  readonly chart: HelmChartPin | LocalChart;
  readonly values: object;
  /** Releases that must be installed first (CRDs, operators); each is earlier in the list. */
  readonly dependsOn: readonly PlatformRelease[];
  readonly timeoutSeconds: number;
  /** Whether Helm waits for the release's resources to become ready (default true). */
  readonly wait?: boolean;
  /** Objects FastGPU computes that this release installs (our charts) or creates from its values, for `npm run manifests`. */
  readonly objects: readonly KubeObject[];
}

/** The region's releases in install order, and by role for what must refer to one of them. */
export interface RegionReleases {
  readonly all: readonly PlatformRelease[];
  /** The deploy gate runs after this one: its join gate and priority class must exist first. */
  readonly gpuValidation: PlatformRelease;
}

/**
 * How long Helm waits for each release. The autoscaler and Kueue start in a minute or two; the GPU operator
 * waits for its operands on every GPU node, which pull large images; our charts hold only API objects.
 */
const RELEASE_TIMEOUT_SECONDS = { controller: 600, gpuOperator: 900, objectsOnly: 300 } as const;

/** A release of one of our thin charts: the objects are the values. */
function localRelease(chart: LocalChart, objects: KubeObject[], dependsOn: PlatformRelease[]): PlatformRelease {
  return {
    name: chart.chart,
    namespace: NAMESPACES.platform,
    createNamespace: true,
    chart,
    values: { objects },
    dependsOn,
    timeoutSeconds: RELEASE_TIMEOUT_SECONDS.objectsOnly,
    objects,
  };
}

export interface ReleaseOptions {
  /** The region's ECR repository URL for the validation image; a placeholder when unknown (manifests). */
  readonly validationImageRepository?: string;
}

export function regionReleases(region: RegionModel, options: ReleaseOptions = {}): RegionReleases {
  const operatorValues = gpuOperatorValues(
    region.pools.map((model) => model.sharing),
    region.gpuNodeTaints,
  );
  const image = validationImage(options.validationImageRepository ?? validationRepositoryPlaceholder(region), region.fleet);
  const pluginConfig = operatorValues.devicePlugin.config;
  const clusterAutoscaler: PlatformRelease = {
    name: CHARTS.clusterAutoscaler.chart,
    namespace: NAMESPACES.clusterAutoscaler,
    createNamespace: false,
    chart: CHARTS.clusterAutoscaler,
    values: clusterAutoscalerValues({
      region: region.region,
      clusterName: region.names.cluster,
      kubernetesVersion: region.config.kubernetesVersion,
      startupTaints: region.startupTaints,
    }),
    dependsOn: [],
    timeoutSeconds: RELEASE_TIMEOUT_SECONDS.controller,
    objects: [],
  };
  const gpuOperator: PlatformRelease = {
    name: CHARTS.gpuOperator.chart,
    namespace: NAMESPACES.gpuOperator,
    createNamespace: true,
    chart: CHARTS.gpuOperator,
    values: operatorValues,
    dependsOn: [],
    timeoutSeconds: RELEASE_TIMEOUT_SECONDS.gpuOperator,
    objects: [
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: pluginConfig.name, namespace: NAMESPACES.gpuOperator },
        data: pluginConfig.data,
      },
    ],
  };
  const kueue: PlatformRelease = {
    name: CHARTS.kueue.chart,
    namespace: NAMESPACES.kueue,
    createNamespace: true,
    chart: CHARTS.kueue,
    values: kueueValues(),
    dependsOn: [],
    timeoutSeconds: RELEASE_TIMEOUT_SECONDS.controller,
    objects: [],
  };
  // Needs Kueue's CRDs and webhooks, which the kueue release installs and waits for.
  const tenancy = localRelease(LOCAL_CHARTS.tenancy, [...tenantNamespaceObjects(region.fleet), ...tenantAdmissionPolicies(), ...kueueObjects(region)], [kueue]);
  // Validation pods need the device plugin the GPU operator installs. Helm does not wait for the join gate's
  // pods: they run only when a node joins.
  const gpuValidation: PlatformRelease = { ...localRelease(LOCAL_CHARTS.gpuValidation, validationChartObjects(region, image), [gpuOperator]), wait: false };
  const all = [clusterAutoscaler, gpuOperator, kueue, tenancy, gpuValidation];
  // Every upstream release's values, for every config: a key the pinned chart does not define is refused at
  // synth, not silently ignored by Helm on the cluster.
  for (const release of all) {
    if (!isLocalChart(release.chart)) assertChartValues(release.chart, release.values, `release "${release.name}" in ${region.region}`);
  }
  return { all, gpuValidation };
}

export interface RegionDeployGate {
  /** The Jobs the deploy gate creates, their image in `repositoryPlaceholder` (the real one is known at deploy). */
  readonly jobs: readonly KubeObject[];
  readonly repositoryPlaceholder: string;
}

/** What the deploy gate of a region runs (stacks/platform-stack.ts), and what `npm run manifests` shows of it. */
export function regionDeployGate(region: RegionModel): RegionDeployGate {
  const repositoryPlaceholder = validationRepositoryPlaceholder(region);
  return { jobs: deployGateJobs(region, validationImage(repositoryPlaceholder, region.fleet)), repositoryPlaceholder };
}
