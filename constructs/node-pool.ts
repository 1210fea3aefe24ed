import { DataResource, Op, Token, type ITerraformDependable } from "cdktf";
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
  /** True (a Terraform expression) when `subnetIds` holds at least one subnet, for subnets chosen at plan time. */
  readonly hasSubnets?: string;
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
  /** Tags of the node group resource itself: every tag, since changing them updates it in place. */
  readonly tags: Readonly<Record<string, string>>;
  /**
   * Tags the launch template puts on instances, volumes and ENIs: only the ones that never change for a pool (its
   * name, fleet, region, stack), because any change versions the template and EKS then recycles every node.
   */
  readonly instanceTags: Readonly<Record<string, string>>;
  /**
   * Tags that are edited (the fleet's cost tags): put on the Auto Scaling group with propagate-at-launch, so new
   * instances get them and an edit touches no running node (volumes and ENIs do not get them).
   */
  readonly propagatedTags: Readonly<Record<string, string>>;
  /** How long Terraform waits for the group; GPU groups get `gpuNodeGroupTimeouts`. Default: the provider's 60 minutes. */
  readonly timeouts?: { readonly create: string; readonly update: string; readonly delete: string };
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * How long Terraform waits for a GPU node group (the provider's default is 60 minutes for each). A roll replaces one
 * node at a time (maxUnavailable 1), and one large GPU node takes up to about 25 minutes: launch, boot with the NVIDIA
 * driver, fabric manager and any MIG layout, join and pass the join gate (about 10 minutes for a p5 or p4d), then the
 * old node's drain, for which EKS waits up to 15 minutes before it fails the update ("Managed node update behavior",
 * EKS User Guide, read 2026-12-02). So an update may wait a day: about 57 such nodes. A roll that cannot go on fails
 * on the EKS side (eviction or launch failure) and ends the wait with it, so a long limit costs nothing when a roll is
 * stuck; past a day Terraform stops waiting and EKS carries on (`aws eks describe-update` follows it). The limits do
 * not depend on the pool's size, so resizing a pool never changes them. Creating and deleting act on all nodes at once.
 */
export const GPU_NODE_GROUP_TIMEOUTS = { create: "90m", update: "24h", delete: "90m" } as const;

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
      // A Capacity Block node group names its type, market and reservation in the launch template and no instance
      // types in the node group; EKS rejects the create otherwise ("Create a managed node group with Amazon EC2
      // Capacity Blocks for ML", EKS User Guide).
      instanceType: capacityBlock ? props.instanceType : undefined,
      instanceMarketOptions: capacityBlock ? { marketType: "capacity-block" } : undefined,
      capacityReservationSpecification:
        capacityBlock && props.capacityReservationId
          ? { capacityReservationTarget: { capacityReservationId: props.capacityReservationId } }
          : undefined,
      tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({
        resourceType,
        tags: { ...props.instanceTags, Name: props.nodeGroupName },
      })),
    });

    this.nodeGroup = new EksNodeGroup(this, "node-group", {
      clusterName: props.clusterName,
      nodeGroupName: props.nodeGroupName,
      nodeRoleArn: props.nodeRole.arn,
      subnetIds: props.subnetIds,
      amiType: props.amiType,
      // Upgrading the control plane rolls the nodes (and their NVIDIA driver) onto the matching AMI; not a Capacity
      // Block group (see `ignoreChanges`).
      version: props.kubernetesVersion,
      capacityType: EKS_CAPACITY_TYPE[props.capacityType],
      instanceTypes: capacityBlock ? undefined : [props.instanceType],
      scalingConfig: { minSize: props.minSize, maxSize: props.maxSize, desiredSize: props.minSize },
      labels: { ...props.labels },
      taint: props.taints.map((taint) => ({ key: taint.key, value: taint.value, effect: EKS_TAINT_EFFECT[taint.effect] })),
      launchTemplate: { id: this.launchTemplate.id, version: Token.asString(this.launchTemplate.latestVersion) },
      updateConfig: { maxUnavailable: 1 },
      // EKS replaces nodes that stay NotReady (and, with the node monitoring agent, GPUs reported unhealthy).
      nodeRepairConfig: { enabled: true },
      tags: { ...props.tags },
      timeouts: props.timeouts ? { ...props.timeouts } : undefined,
      lifecycle: {
        // Cluster Autoscaler owns the desired size (raising minSize above it: `npm run deploy` raises desired first).
        // A Capacity Block group upgrades only at desired size 0 (EKS User Guide, Capacity Blocks for managed node
        // groups): a control-plane bump leaves its version alone; upgrade it once the block is idle (README).
        ignoreChanges: capacityBlock ? ["scaling_config[0].desired_size", "version"] : ["scaling_config[0].desired_size"],
        precondition: props.hasSubnets === undefined ? undefined : [
          {
            condition: props.hasSubnets,
            errorMessage:
              `Node group ${props.nodeGroupName} has no private subnet: none of this VPC's availability zones ` +
              `offers ${props.instanceType} (or holds its capacity reservation). Set availabilityZones on the pool ` +
              "to zones that offer it, or move the pool to a region that offers the instance type.",
          },
        ],
      },
      dependsOn: props.dependsOn,
    });

    // EKS refuses a minimum above the desired size, and with desired_size ignored the provider sends the desired size
    // Cluster Autoscaler last set: raising minSize past it would fail in the middle of an apply. This fails the plan
    // instead, with the fix; `npm run deploy` raises the desired size before it plans, so it never gets here. (A
    // minimum of 0 always holds.)
    if (props.minSize > 0) {
      new DataResource(this, "min-size-check", {
        lifecycle: {
          precondition: [
            {
              condition: Token.asString(Op.gte(this.nodeGroup.scalingConfig.desiredSize, props.minSize)),
              errorMessage:
                `Node group ${props.nodeGroupName}: minSize ${props.minSize} is above its current desired size, which EKS refuses. ` +
                "Deploy with npm run deploy (it raises the desired size first), or raise it yourself with aws eks " +
                `update-nodegroup-config --nodegroup-name ${props.nodeGroupName} --scaling-config desiredSize=${props.minSize} ` +
                "(and --cluster-name, --region) and plan again.",
            },
          ],
        },
      });
    }

    const autoscalingGroupName = this.nodeGroup.resources.get(0).autoscalingGroups.get(0).name;
    for (const [key, value] of Object.entries(props.autoscalingGroupTags ?? {})) {
      new AutoscalingGroupTag(this, `asg-tag-${key.replace(/\//g, "_")}`, {
        autoscalingGroupName,
        tag: { key, value, propagateAtLaunch: false },
      });
    }
    for (const [key, value] of Object.entries(props.propagatedTags).sort(([a], [b]) => a.localeCompare(b))) {
      new AutoscalingGroupTag(this, `instance-tag-${key.replace(/\//g, "_")}`, {
        autoscalingGroupName,
        tag: { key, value, propagateAtLaunch: true },
      });
    }
  }
}
