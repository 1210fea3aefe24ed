import { Fn, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { ChartRelease } from "../constructs/helm-chart";
import { applyPolicies } from "../constructs/policies";
import { AwsProvider, DataAwsEcrImages, HelmProvider } from "../constructs/providers";
import type { RegionModel } from "../lib/model/region";
import { regionDeployGate, regionReleases, type PlatformRelease } from "../lib/platform/releases";
import { DeployGate } from "../constructs/deploy-gate";
import { configureBackend } from "./backend";
import type { RegionInfraStack } from "./infra-stack";

/**
 * `fastgpu-<region>-platform`: everything inside the cluster. Its Helm provider is configured from the infra
 * stack's outputs (cdktf cross-stack references become remote-state reads), so the platform can change without
 * touching the cluster. It deploys after the infra stack, so the node groups exist when the GPU operator arrives,
 * and after the validation image is pushed to the infra stack's repository: its plan fails at once, saying so,
 * when the image is missing (`npm run deploy` pushes it in between).
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
    // No kubernetes provider: every object ships in a Helm release (docs/architecture.md §2).
    new HelmProvider(this, "helm", { kubernetes: connection });
    // Only for the image lookup below; the platform creates no AWS resource.
    new AwsProvider(this, "aws", { region });

    // The join gate's DaemonSets and the deploy gate's Jobs run the validation image. Without it they would sit in
    // ImagePullBackOff until the gate's deadline (40 minutes by default) and then fail without saying why, so the
    // plan checks first. The repository is the infra stack's (same name, same account).
    const tag = fleet.validation.image.tag;
    new DataAwsEcrImages(this, "validation-image", {
      repositoryName: names.validationRepository,
      lifecycle: {
        postcondition: [
          {
            condition: `\${contains([for image in self.image_ids : image.image_tag if image.image_tag != null], ${JSON.stringify(tag)})}`,
            errorMessage:
              `The validation image ${names.validationRepository}:${tag} is not in ${region}'s ECR repository yet, so no GPU node could pass ` +
              `the join or deploy gate. Push it first (npm run deploy -- --region ${region} does, between the infra and platform stacks; ` +
              "or run the kernels-image workflow), then deploy this stack again.",
          },
        ],
      },
    });

    const releases = new Map<PlatformRelease, ChartRelease>();
    const repositoryUrl = infra.imageRepository.repository.repositoryUrl;
    // A repository URL is no secret, but cdktf marks every cross-stack output sensitive, and Terraform would then hide
    // the validation release's whole values in plans: what a reviewer reads must be what a deploy installs.
    const validationImageRepository = Fn.nonsensitive(repositoryUrl);
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
        repositoryUrl,
        timeoutMinutes: fleet.validation.deployGateTimeoutMinutes,
        clusterEndpoint: eks.endpoint,
        clusterCaData: eks.certificateAuthority.get(0).data,
        after: releases.get(regional.gpuValidation)!.release,
      });
    }
  }
}
