import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { serviceTrustPolicy } from "../lib/iam-policies";
import {
  CloudwatchLogGroup,
  DataAwsEksAddonVersion,
  DataAwsPartition,
  EksAccessEntry,
  EksAccessPolicyAssociation,
  EksAddon,
  EksCluster,
  IamRole,
  IamRolePolicyAttachment,
  KmsAlias,
  KmsKey,
  Subnet,
  VpcSecurityGroupIngressRule,
} from "./providers";

export interface ClusterProps {
  readonly name: string;
  readonly kubernetesVersion: string;
  readonly privateSubnets: readonly Subnet[];
  readonly publicAccess: boolean;
  readonly publicAccessCidrs: readonly string[];
  /** Networks allowed to the private endpoint (443 on the cluster security group). */
  readonly privateAccessCidrs: readonly string[];
  readonly clusterAdmins: readonly string[];
  readonly partition: DataAwsPartition;
}

const CONTROL_PLANE_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"];
const CONTROL_PLANE_LOG_RETENTION_DAYS = 90;

/** Add-ons EKS manages for us; coredns waits for nodes, so it is created by the stack after the system pool. */
export const NETWORK_ADDONS = ["vpc-cni", "kube-proxy", "eks-pod-identity-agent"] as const;

/**
 * EKS control plane: pinned version, API-only authentication (access entries, no aws-auth ConfigMap),
 * secrets envelope-encrypted with a KMS key, all control-plane logs with a retention, a private endpoint
 * and an optional public one behind an allowlist. Also the node role every node group shares.
 */
export class Cluster extends Construct {
  readonly cluster: EksCluster;
  readonly nodeRole: IamRole;
  readonly nodeRolePolicies: readonly IamRolePolicyAttachment[];
  /** vpc-cni, kube-proxy and the Pod Identity agent: nodes need them to become Ready and to get credentials. */
  readonly networkAddons: readonly EksAddon[];
  private readonly partition: DataAwsPartition;

  constructor(scope: Construct, id: string, props: ClusterProps) {
    super(scope, id);
    this.partition = props.partition;
    const managedPolicy = (name: string) => `arn:${props.partition.partition}:iam::aws:policy/${name}`;

    const secretsKey = new KmsKey(this, "secrets-key", {
      description: `EKS secrets encryption for ${props.name}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
    });
    new KmsAlias(this, "secrets-key-alias", { name: `alias/${props.name}-eks-secrets`, targetKeyId: secretsKey.keyId });

    const clusterRole = new IamRole(this, "cluster-role", {
      name: `${props.name}-cluster`,
      assumeRolePolicy: JSON.stringify(serviceTrustPolicy("eks.amazonaws.com")),
    });
    const clusterPolicy = new IamRolePolicyAttachment(this, "cluster-policy", {
      role: clusterRole.name,
      policyArn: managedPolicy("AmazonEKSClusterPolicy"),
    });

    // Created before the cluster so EKS does not create it without a retention.
    const logGroup = new CloudwatchLogGroup(this, "control-plane-logs", {
      name: `/aws/eks/${props.name}/cluster`,
      retentionInDays: CONTROL_PLANE_LOG_RETENTION_DAYS,
    });

    this.cluster = new EksCluster(this, "cluster", {
      name: props.name,
      version: props.kubernetesVersion,
      roleArn: clusterRole.arn,
      vpcConfig: {
        subnetIds: props.privateSubnets.map((subnet) => subnet.id),
        endpointPrivateAccess: true,
        endpointPublicAccess: props.publicAccess,
        publicAccessCidrs: props.publicAccess ? [...props.publicAccessCidrs] : undefined,
      },
      accessConfig: {
        authenticationMode: "API",
        // The identity running `cdktf deploy` must reach the API to install the platform stack.
        bootstrapClusterCreatorAdminPermissions: true,
      },
      encryptionConfig: { resources: ["secrets"], provider: { keyArn: secretsKey.arn } },
      enabledClusterLogTypes: CONTROL_PLANE_LOGS,
      // We install vpc-cni, kube-proxy and coredns as managed add-ons with pinned versions instead.
      bootstrapSelfManagedAddons: false,
      upgradePolicy: { supportType: "STANDARD" },
      dependsOn: [clusterPolicy, logGroup],
    });

    props.privateAccessCidrs.forEach((cidrIpv4, index) => {
      new VpcSecurityGroupIngressRule(this, `private-endpoint-access-${index}`, {
        securityGroupId: this.cluster.vpcConfig.clusterSecurityGroupId,
        description: "Kubernetes API over the private endpoint (VPN / CI)",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4,
      });
    });

    props.clusterAdmins.forEach((principalArn, index) => {
      const entry = new EksAccessEntry(this, `admin-${index}`, {
        clusterName: this.cluster.name,
        principalArn,
        type: "STANDARD",
      });
      new EksAccessPolicyAssociation(this, `admin-${index}-policy`, {
        clusterName: this.cluster.name,
        principalArn: entry.principalArn,
        policyArn: `arn:${props.partition.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
        accessScope: { type: "cluster" },
      });
    });

    this.networkAddons = NETWORK_ADDONS.map((name) =>
      // The VPC CNI enforces NetworkPolicies (tenant isolation) only when asked to.
      this.addon(name, [], name === "vpc-cni" ? { enableNetworkPolicy: "true" } : undefined),
    );

    this.nodeRole = new IamRole(this, "node-role", {
      name: `${props.name}-node`,
      assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ec2.amazonaws.com")),
    });
    this.nodeRolePolicies = [
      "AmazonEKSWorkerNodePolicy",
      "AmazonEKS_CNI_Policy",
      "AmazonEC2ContainerRegistryPullOnly",
      "AmazonSSMManagedInstanceCore",
    ].map(
      (policy) =>
        new IamRolePolicyAttachment(this, `node-${policy}`, { role: this.nodeRole.name, policyArn: managedPolicy(policy) }),
    );
  }

  /**
   * A managed add-on at the default version EKS publishes for the cluster's Kubernetes version, so the
   * add-on moves only when the pinned Kubernetes version does.
   */
  addon(name: string, dependsOn: ITerraformDependable[] = [], configuration?: object): EksAddon {
    const version = new DataAwsEksAddonVersion(this, `${name}-version`, {
      addonName: name,
      kubernetesVersion: this.cluster.version,
      mostRecent: false,
    });
    return new EksAddon(this, name, {
      clusterName: this.cluster.name,
      addonName: name,
      addonVersion: version.version,
      resolveConflictsOnCreate: "OVERWRITE",
      resolveConflictsOnUpdate: "OVERWRITE",
      configurationValues: configuration ? JSON.stringify(configuration) : undefined,
      dependsOn: dependsOn.length > 0 ? dependsOn : undefined,
    });
  }

  get partitionName(): string {
    return this.partition.partition;
  }
}
