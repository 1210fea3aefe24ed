import { Fn, Op, Token, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { CapacityType } from "../lib/config/schema";
import { AutoscalingGroupTag, EksNodeGroup, IamRole, LaunchTemplate } from "./providers";
import { type NodeTaint } from "../lib/naming";

export interface NodePoolProps {
  readonly clusterName: string;
  /** The control plane's Kubernetes version: nodes follow it when it is bumped. */
  readonly kubernetesVersion: string;
  readonly nodeGroupName: string;
  readonly nodeRole: IamRole;
  readonly subnetIds: string[];
  readonly instanceType: string;
  readonly amiType: string;
  readonly capacityType: CapacityType;
  readonly capacityReservationId?: string;
  readonly minSize: number;
  readonly maxSize: number;
  readonly rootVolumeGiB: number;
  /** Base64 MIME user data merged with the node group's own bootstrap (e.g. the MIG layout unit). */
  readonly userData?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly NodeTaint[];
  /** Tags on the node group's Auto Scaling group (Cluster Autoscaler node templates). */
  readonly autoscalingGroupTags?: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly dependsOn?: ITerraformDependable[];
}

const EKS_CAPACITY_TYPE: Record<CapacityType, string> = {
  "on-demand": "ON_DEMAND",
  spot: "SPOT",
  "capacity-block": "CAPACITY_BLOCK",
};

const EKS_TAINT_EFFECT: Record<NodeTaint["effect"], string> = {
  NoSchedule: "NO_SCHEDULE",
  NoExecute: "NO_EXECUTE",
  PreferNoSchedule: "PREFER_NO_SCHEDULE",
};

/**
 * One EKS managed node group with its own launch template: IMDSv2 only, an encrypted gp3 root volume,
 * labels and taints from birth, and a desired size left to Cluster Autoscaler after creation.
 */
export class NodePool extends Construct {
  readonly launchTemplate: LaunchTemplate;
  readonly nodeGroup: EksNodeGroup;

  constructor(scope: Construct, id: string, props: NodePoolProps) {
    super(scope, id);
    const capacityBlock = props.capacityType === "capacity-block";

    this.launchTemplate = new LaunchTemplate(this, "launch-template", {
      name: props.nodeGroupName,
      description: `Nodes of ${props.nodeGroupName}`,
      updateDefaultVersion: true,
      userData: props.userData,
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        // One hop: pods cannot reach the node's credentials; they get their own through Pod Identity.
        httpPutResponseHopLimit: 1,
      },
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          ebs: {
            volumeSize: props.rootVolumeGiB,
            volumeType: "gp3",
            encrypted: "true",
            deleteOnTermination: "true",
          },
        },
      ],
      instanceMarketOptions: capacityBlock ? { marketType: "capacity-block" } : undefined,
      capacityReservationSpecification:
        capacityBlock && props.capacityReservationId
          ? { capacityReservationTarget: { capacityReservationId: props.capacityReservationId } }
          : undefined,
      tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({
        resourceType,
        tags: { ...props.tags, Name: props.nodeGroupName },
      })),
    });

    this.nodeGroup = new EksNodeGroup(this, "node-group", {
      clusterName: props.clusterName,
      nodeGroupName: props.nodeGroupName,
      nodeRoleArn: props.nodeRole.arn,
      subnetIds: props.subnetIds,
      amiType: props.amiType,
      // Upgrading the control plane rolls the nodes (and their NVIDIA driver) onto the matching AMI.
      version: props.kubernetesVersion,
      capacityType: EKS_CAPACITY_TYPE[props.capacityType],
      instanceTypes: [props.instanceType],
      scalingConfig: { minSize: props.minSize, maxSize: props.maxSize, desiredSize: props.minSize },
      labels: { ...props.labels },
      taint: props.taints.map((taint) => ({ key: taint.key, value: taint.value, effect: EKS_TAINT_EFFECT[taint.effect] })),
      launchTemplate: { id: this.launchTemplate.id, version: Token.asString(this.launchTemplate.latestVersion) },
      updateConfig: { maxUnavailable: 1 },
      // EKS replaces nodes that stay NotReady (and, with the node monitoring agent, GPUs reported unhealthy).
      nodeRepairConfig: { enabled: true },
      tags: { ...props.tags },
      lifecycle: {
        ignoreChanges: ["scaling_config[0].desired_size"],
        precondition: [
          {
            condition: Op.gte(Fn.lengthOf(props.subnetIds), 1),
            errorMessage:
              `Node group ${props.nodeGroupName} has no private subnet: none of this VPC's availability zones ` +
              `offers ${props.instanceType} (or holds its capacity reservation). Set availabilityZones on the pool ` +
              "to zones the VPC spans, or move the pool to a region that offers the instance type.",
          },
        ],
      },
      dependsOn: props.dependsOn,
    });

    const autoscalingGroupName = this.nodeGroup.resources.get(0).autoscalingGroups.get(0).name;
    for (const [key, value] of Object.entries(props.autoscalingGroupTags ?? {})) {
      new AutoscalingGroupTag(this, `asg-tag-${key.replace(/\//g, "_")}`, {
        autoscalingGroupName,
        tag: { key, value, propagateAtLaunch: false },
      });
    }
  }
}
