import { Fn, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { PinnedChart } from "../constructs/helm-chart";
import { applyPolicies } from "../constructs/policies";
import { HelmProvider, KubernetesProvider } from "../constructs/providers";
import type { RegionConfig } from "../lib/config/load";
import type { FleetFile } from "../lib/config/schema";
import { CLUSTER_AUTOSCALER_NAMESPACE, clusterAutoscalerValues } from "../lib/helm/cluster-autoscaler";
import { platformStackName } from "../lib/naming";
import { CHARTS } from "../lib/versions";
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
 * the platform can change without touching the cluster.
 */
export class RegionPlatformStack extends TerraformStack {
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

    new PinnedChart(this, "cluster-autoscaler", {
      releaseName: "cluster-autoscaler",
      namespace: CLUSTER_AUTOSCALER_NAMESPACE,
      chart: CHARTS.clusterAutoscaler,
      values: clusterAutoscalerValues({
        region: region.region,
        clusterName: infra.clusterName,
        kubernetesVersion: region.kubernetesVersion,
      }),
    });
  }
}
