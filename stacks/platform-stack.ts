import { Fn, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { ChartRelease } from "../constructs/helm-chart";
import { applyPolicies } from "../constructs/policies";
import { HelmProvider, KubernetesProvider } from "../constructs/providers";
import type { RegionModel } from "../lib/model/region";
import { regionDeployGate, regionReleases, type PlatformRelease } from "../lib/platform/releases";
import { DeployGate } from "../constructs/deploy-gate";
import { configureBackend } from "./backend";
import type { RegionInfraStack } from "./infra-stack";

/**
 * `fastgpu-<region>-platform`: everything inside the cluster. Its Kubernetes and Helm providers are
 * configured from the infra stack's outputs (cdktf cross-stack references become remote-state reads), so
 * the platform can change without touching the cluster. It deploys after the infra stack, so the node
 * groups exist when the GPU operator arrives.
 */
export class RegionPlatformStack extends TerraformStack {
  readonly releases: ReadonlyMap<PlatformRelease, ChartRelease>;

  constructor(scope: Construct, model: RegionModel, infra: RegionInfraStack) {
    const { fleet, region, names } = model;
    super(scope, names.platformStack);
    configureBackend(this, fleet, region, names.platformStack);
    applyPolicies(this);

    const eks = infra.cluster.cluster;
    const connection = {
      host: eks.endpoint,
      clusterCaCertificate: Fn.base64decode(eks.certificateAuthority.get(0).data),
      exec: {
        apiVersion: "client.authentication.k8s.io/v1beta1",
        command: "aws",
        args: ["eks", "get-token", "--cluster-name", names.cluster, "--region", region],
      },
    };
    new KubernetesProvider(this, "kubernetes", { ...connection, exec: [connection.exec] });
    new HelmProvider(this, "helm", { kubernetes: connection });

    const releases = new Map<PlatformRelease, ChartRelease>();
    const validationImageRepository = infra.imageRepository.repository.repositoryUrl;
    const regional = regionReleases(model, { validationImageRepository });
    for (const release of regional.all) {
      releases.set(
        release,
        new ChartRelease(this, release.name, {
          releaseName: release.name,
          namespace: release.namespace,
          createNamespace: release.createNamespace,
          chart: release.chart,
          values: release.values,
          timeoutSeconds: release.timeoutSeconds,
          wait: release.wait,
          dependsOn: release.dependsOn.map((dependency) => {
            const declared = releases.get(dependency);
            if (!declared) throw new Error(`release ${release.name} depends on ${dependency.name}, which is not declared before it`);
            return declared.release;
          }),
        }),
      );
    }
    this.releases = releases;

    const gate = regionDeployGate(model);
    if (gate.jobs.length > 0) {
      new DeployGate(this, "deploy-gate", {
        region,
        clusterName: names.cluster,
        jobs: gate.jobs,
        repositoryPlaceholder: gate.repositoryPlaceholder,
        repositoryUrl: validationImageRepository,
        timeoutMinutes: fleet.validation.deployGateTimeoutMinutes,
        clusterEndpoint: eks.endpoint,
        clusterCaData: eks.certificateAuthority.get(0).data,
        after: releases.get(regional.gpuValidation)!.release,
      });
    }
  }
}
