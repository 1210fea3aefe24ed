import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { clusterAutoscalerPolicy, podIdentityTrustPolicy } from "../lib/iam-policies";
import { CLUSTER_AUTOSCALER_SERVICE_ACCOUNT, NAMESPACES } from "../lib/naming";
import { EksPodIdentityAssociation, IamRole, IamRolePolicy, type EksCluster } from "./providers";

export interface ClusterAutoscalerIdentityProps {
  readonly cluster: EksCluster;
  /** The cluster's name as config gives it: the policy's tag condition must be a literal Terraform can compare. */
  readonly clusterName: string;
  readonly roleName: string;
  /** Pod Identity needs its agent add-on; associations made before it exist but go unused until it runs. */
  readonly dependsOn: ITerraformDependable[];
}

/** The IAM role Cluster Autoscaler's service account assumes through EKS Pod Identity, scoped to this cluster's groups. */
export class ClusterAutoscalerIdentity extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: ClusterAutoscalerIdentityProps) {
    super(scope, id);
    this.role = new IamRole(this, "role", {
      name: props.roleName,
      assumeRolePolicy: JSON.stringify(podIdentityTrustPolicy()),
    });
    // The addresses these had when the infra stack made them itself: a deployed region sees no replacement
    // (IAM role names are unique, so a replacement could not even create the new role first). Set before any
    // reference to the resource is taken.
    this.role.overrideLogicalId("cluster-autoscaler-role");
    const policy = new IamRolePolicy(this, "policy", {
      role: this.role.name,
      policy: JSON.stringify(clusterAutoscalerPolicy(props.clusterName)),
    });
    const association = new EksPodIdentityAssociation(this, "identity", {
      clusterName: props.cluster.name,
      namespace: NAMESPACES.clusterAutoscaler,
      serviceAccount: CLUSTER_AUTOSCALER_SERVICE_ACCOUNT,
      roleArn: this.role.arn,
      dependsOn: props.dependsOn,
    });
    policy.overrideLogicalId("cluster-autoscaler-policy");
    association.overrideLogicalId("cluster-autoscaler-identity");
  }
}
