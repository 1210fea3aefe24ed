import { Fn, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { ChartRelease } from "../constructs/helm-chart";
import { applyPolicies } from "../constructs/policies";
import { HelmProvider, KubernetesProvider } from "../constructs/providers";
import type { RegionConfig } from "../lib/config/load";
import type { FleetFile } from "../lib/config/schema";
import { platformStackName } from "../lib/naming";
import { regionDeployGate, regionReleases } from "../lib/platform/releases";
import { DeployGate } from "../constructs/deploy-gate";
import { configureBackend } from "./backend";
import type { RegionInfraStack } from "./infra-stack";

export interface RegionPlatformStackProps {
  readonly fleet: FleetFile;
  readonly region: RegionConfig;
  readonly infra: RegionInfraStack;
}

/**
 * `fastgpu-<region>-platform`: everything inside the cluster. Its Kubernetes and Helm providers are
 * configured from the infra stack's outputs (cdktf cross-stack references become remote-state reads), so
 * the platform can change without touching the cluster. It deploys after the infra stack, so the node
 * groups exist when the GPU operator arrives.
 */
export class RegionPlatformStack extends TerraformStack {
  readonly releases: ReadonlyMap<string, ChartRelease>;

  constructor(scope: Construct, props: RegionPlatformStackProps) {
    const { fleet, region, infra } = props;
    const stackName = platformStackName(region.region);
    super(scope, stackName);
    configureBackend(this, fleet, region.region, stackName);
    applyPolicies(this);

    const eks = infra.cluster.cluster;
    const connection = {
      host: eks.endpoint,
      clusterCaCertificate: Fn.base64decode(eks.certificateAuthority.get(0).data),
      exec: {
        apiVersion: "client.authentication.k8s.io/v1beta1",
        command: "aws",
        args: ["eks", "get-token", "--cluster-name", infra.clusterName, "--region", region.region],
      },
    };
    new KubernetesProvider(this, "kubernetes", { ...connection, exec: [connection.exec] });
    new HelmProvider(this, "helm", { kubernetes: connection });

    const releases = new Map<string, ChartRelease>();
    const validationImageRepository = infra.imageRepository.repository.repositoryUrl;
    for (const release of regionReleases(fleet, region, { validationImageRepository })) {
      releases.set(
        release.name,
        new ChartRelease(this, release.name, {
          releaseName: release.name,
          namespace: release.namespace,
          createNamespace: release.createNamespace,
          chart: release.chart,
          values: release.values,
          timeoutSeconds: release.timeoutSeconds,
          wait: release.wait,
          dependsOn: release.dependsOn.map((name) => {
            const dependency = releases.get(name);
            if (!dependency) throw new Error(`release ${release.name} depends on ${name}, which is not declared before it`);
            return dependency.release;
          }),
        }),
      );
    }
    this.releases = releases;

    const gate = regionDeployGate(fleet, region);
    const validationRelease = releases.get("fastgpu-gpu-validation");
    if (gate.jobs.length > 0 && validationRelease) {
      new DeployGate(this, "deploy-gate", {
        region: region.region,
        clusterName: infra.clusterName,
        jobs: gate.jobs,
        repositoryPlaceholder: gate.repositoryPlaceholder,
        repositoryUrl: validationImageRepository,
        timeoutMinutes: fleet.validation.deployGateTimeoutMinutes,
        clusterEndpoint: eks.endpoint,
        clusterCaData: eks.certificateAuthority.get(0).data,
        after: validationRelease.release,
      });
    }
  }
}
