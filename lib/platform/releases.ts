/**
 * Every Helm release of a region's platform stack, with its values, computed in one place. The platform
 * stack turns this list into helm_release resources and `npm run manifests` prints it, so what a reviewer
 * reads is exactly what a deploy installs.
 */
import type { RegionConfig } from "../config/load";
import type { FleetFile } from "../config/schema";
import { CLUSTER_AUTOSCALER_NAMESPACE, clusterAutoscalerValues } from "../helm/cluster-autoscaler";
import { GPU_OPERATOR_NAMESPACE, gpuOperatorValues } from "../helm/gpu-operator";
import type { KubeObject } from "../k8s/object";
import { clusterName } from "../naming";
import { KUEUE_NAMESPACE, kueueValues } from "../helm/kueue";
import { tenantAdmissionPolicies } from "../tenancy/admission";
import { kueueObjects } from "../tenancy/kueue";
import { tenantNamespaceObjects } from "../tenancy/namespace";
import { VALIDATION_TAINT } from "../node-template";
import { deployGateJobs, validationChartObjects, validationImage, validationRepositoryPlaceholder } from "../validation/objects";
import { CHARTS, LOCAL_CHARTS, type HelmChartPin, type LocalChart } from "../versions";

export interface PlatformRelease {
  /** Helm release name; also how other releases refer to it in `dependsOn`. */
  readonly name: string;
  readonly namespace: string;
  readonly createNamespace: boolean;
  readonly chart: HelmChartPin | LocalChart;
  readonly values: object;
  /** Releases that must be installed first (CRDs, operators). */
  readonly dependsOn: readonly string[];
  readonly timeoutSeconds: number;
  /** Whether Helm waits for the release's resources to become ready (default true). */
  readonly wait?: boolean;
  /** Objects FastGPU computes that this release installs (our charts) or creates from its values, for `npm run manifests`. */
  readonly objects: readonly KubeObject[];
}

/** The namespace our own charts' Helm releases are recorded in. */
export const PLATFORM_NAMESPACE = "fastgpu-system";

/** A release of one of our thin charts: the objects are the values. */
function localRelease(name: string, chart: LocalChart, objects: KubeObject[], dependsOn: string[]): PlatformRelease {
  return { name, namespace: PLATFORM_NAMESPACE, createNamespace: true, chart, values: { objects }, dependsOn, timeoutSeconds: 300, objects };
}

export interface ReleaseOptions {
  /** The region's ECR repository URL for the validation image; a placeholder when unknown (manifests). */
  readonly validationImageRepository?: string;
}

export function regionReleases(fleet: FleetFile, region: RegionConfig, options: ReleaseOptions = {}): PlatformRelease[] {
  const gpuNodeTaints = fleet.validation.joinGate ? [VALIDATION_TAINT] : [];
  const operatorValues = gpuOperatorValues(region.gpuPools.map((pool) => pool.sharing), gpuNodeTaints);
  const image = validationImage(options.validationImageRepository ?? validationRepositoryPlaceholder(fleet, region.region), fleet);
  const validation = validationChartObjects(fleet, region, image);
  const pluginConfig = operatorValues.devicePlugin.config;
  return [
    {
      name: "cluster-autoscaler",
      namespace: CLUSTER_AUTOSCALER_NAMESPACE,
      createNamespace: false,
      chart: CHARTS.clusterAutoscaler,
      values: clusterAutoscalerValues({
        region: region.region,
        clusterName: clusterName(fleet.name, region.region),
        kubernetesVersion: region.kubernetesVersion,
        startupTaints: gpuNodeTaints,
      }),
      dependsOn: [],
      timeoutSeconds: 600,
      objects: [],
    },
    {
      name: "gpu-operator",
      namespace: GPU_OPERATOR_NAMESPACE,
      createNamespace: true,
      chart: CHARTS.gpuOperator,
      values: operatorValues,
      dependsOn: [],
      timeoutSeconds: 900,
      objects: [
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: pluginConfig.name, namespace: GPU_OPERATOR_NAMESPACE },
          data: pluginConfig.data,
        },
      ],
    },
    {
      name: "kueue",
      namespace: KUEUE_NAMESPACE,
      createNamespace: true,
      chart: CHARTS.kueue,
      values: kueueValues(),
      dependsOn: [],
      timeoutSeconds: 600,
      objects: [],
    },
    // Needs Kueue's CRDs and webhooks, which the kueue release installs and waits for.
    localRelease("fastgpu-tenancy", LOCAL_CHARTS.tenancy, [...tenantNamespaceObjects(fleet), ...tenantAdmissionPolicies(), ...kueueObjects(fleet, region)], ["kueue"]),
    // Validation pods need the device plugin the GPU operator installs. Helm does not wait for the join
    // gate's pods: they run only when a node joins.
    { ...localRelease("fastgpu-gpu-validation", LOCAL_CHARTS.gpuValidation, validation, ["gpu-operator"]), wait: false },
  ];
}

export interface RegionDeployGate {
  /** The Jobs the deploy gate creates, their image in `repositoryPlaceholder` (the real one is known at deploy). */
  readonly jobs: readonly KubeObject[];
  readonly repositoryPlaceholder: string;
}

/** What the deploy gate of a region runs (stacks/platform-stack.ts), and what `npm run manifests` shows of it. */
export function regionDeployGate(fleet: FleetFile, region: RegionConfig): RegionDeployGate {
  const repositoryPlaceholder = validationRepositoryPlaceholder(fleet, region.region);
  return { jobs: deployGateJobs(fleet, region, validationImage(repositoryPlaceholder, fleet)), repositoryPlaceholder };
}
