import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { serviceTrustPolicy } from "../lib/iam-policies";
import { KUBERNETES_VERSIONS, type EksAddonName } from "../lib/versions";
import {
  CloudwatchLogGroup,
  DataAwsPartition,
  EksAccessEntry,
  EksAccessPolicyAssociation,
  EksAddon,
  EksCluster,
  IamRole,
  IamRolePolicyAttachment,
  KmsAlias,
  KmsKey,
  SecurityGroup,
  Subnet,
  VpcSecurityGroupIngressRule,
} from "./providers";

export interface ClusterProps {
  readonly name: string;
  readonly kubernetesVersion: string;
  readonly vpcId: string;
  readonly privateSubnets: readonly Subnet[];
  /** The Kubernetes service CIDR, pinned at creation (lib/network-plan.ts `serviceCidrFor`). */
  readonly serviceCidr: string;
  readonly publicAccess: boolean;
  readonly publicAccessCidrs: readonly string[];
  /** Networks allowed to the private endpoint (443 on the control plane's own security group). */
  readonly privateAccessCidrs: readonly string[];
  readonly clusterAdmins: readonly string[];
  readonly partition: DataAwsPartition;
}

const CONTROL_PLANE_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"];
const CONTROL_PLANE_LOG_RETENTION_DAYS = 90;

/** Add-ons EKS manages for us; coredns waits for nodes, so it is created by the stack after the system pool. */
export const NETWORK_ADDONS = ["vpc-cni", "kube-proxy", "eks-pod-identity-agent"] as const satisfies readonly EksAddonName[];

/**
 * EXTENDED: at the end of a version's standard support EKS keeps the cluster on it (and bills extended support)
 * instead of upgrading the control plane under Terraform's pin; with STANDARD the state would say 1.36 while the
 * config says 1.35, the next plan would ask EKS for a downgrade it refuses, and the node groups, which follow the
 * control plane, would roll out of band. Version bumps stay changes to `kubernetesVersion`, reviewed and previewed;
 * plan them before the end of standard support (docs/architecture.md §15).
 */
export const EKS_SUPPORT_TYPE = "EXTENDED";

/**
 * EKS control plane: pinned version, API-only authentication (access entries, no aws-auth ConfigMap),
 * secrets envelope-encrypted with a KMS key, all control-plane logs with a retention, a private endpoint
 * and an optional public one behind an allowlist. Also the node role every node group shares.
 */
export class Cluster extends Construct {
  readonly cluster: EksCluster;
  /** Attached to the control plane's ENIs only: the private access networks' 443 ingress goes here, not on the
   * cluster security group EKS gives every node and pod ENI too. */
  readonly controlPlaneSecurityGroup: SecurityGroup;
  readonly nodeRole: IamRole;
  readonly nodeRolePolicies: readonly IamRolePolicyAttachment[];
  /** vpc-cni, kube-proxy and the Pod Identity agent: nodes need them to become Ready and to get credentials. */
  readonly networkAddons: readonly EksAddon[];
  private readonly partition: DataAwsPartition;
  private readonly kubernetesVersion: string;

  constructor(scope: Construct, id: string, props: ClusterProps) {
    super(scope, id);
    this.partition = props.partition;
    this.kubernetesVersion = props.kubernetesVersion;
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

    this.controlPlaneSecurityGroup = new SecurityGroup(this, "control-plane-sg", {
      name: `${props.name}-control-plane`,
      description: "Kubernetes API from the private access networks; EKS attaches it to the control plane ENIs only",
      vpcId: props.vpcId,
      tags: { Name: `${props.name}-control-plane` },
    });

    this.cluster = new EksCluster(this, "cluster", {
      name: props.name,
      version: props.kubernetesVersion,
      roleArn: clusterRole.arn,
      vpcConfig: {
        subnetIds: props.privateSubnets.map((subnet) => subnet.id),
        securityGroupIds: [this.controlPlaneSecurityGroup.id],
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
      kubernetesNetworkConfig: { serviceIpv4Cidr: props.serviceCidr },
      upgradePolicy: { supportType: EKS_SUPPORT_TYPE },
      dependsOn: [clusterPolicy, logGroup],
    });

    props.privateAccessCidrs.forEach((cidrIpv4, index) => {
      new VpcSecurityGroupIngressRule(this, `private-endpoint-access-${index}`, {
        securityGroupId: this.controlPlaneSecurityGroup.id,
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
   * A managed add-on at the version pinned for the cluster's Kubernetes version (lib/versions.ts
   * KUBERNETES_VERSIONS): a literal, so it moves only when the pin or the Kubernetes version does, and a plan
   * shows it even while the cluster has changes pending.
   */
  addon(name: EksAddonName, dependsOn: ITerraformDependable[] = [], configuration?: object): EksAddon {
    return new EksAddon(this, name, {
      clusterName: this.cluster.name,
      addonName: name,
      addonVersion: KUBERNETES_VERSIONS[this.kubernetesVersion].eksAddons[name],
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
