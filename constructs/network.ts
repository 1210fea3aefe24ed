import { DataResource, Fn, Op, Token, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { EKS_CONTROL_PLANE_EXCLUDED_ZONE_IDS } from "../lib/catalog/regions";
import type { NatGatewayMode } from "../lib/config/schema";
import { INTERFACE_ENDPOINTS, natGatewayCount, type NetworkPlan } from "../lib/network-plan";
import {
  DataAwsAvailabilityZones,
  DataAwsEc2InstanceTypeOfferings,
  Ec2TransitGatewayVpcAttachment,
  Eip,
  InternetGateway,
  NatGateway,
  Route,
  RouteTable,
  RouteTableAssociation,
  SecurityGroup,
  Subnet,
  Vpc,
  VpcEndpoint,
  VpcSecurityGroupIngressRule,
  VpnGatewayAttachment,
} from "./providers";

export interface PrivateAccessRouting {
  /** The transit gateway (`tgw-...`) or virtual private gateway (`vgw-...`) the networks are reached through. */
  readonly gatewayId: string;
  readonly cidrs: readonly string[];
}

export interface NetworkProps {
  readonly namePrefix: string;
  readonly region: string;
  readonly vpcCidr: string;
  readonly natGateways: NatGatewayMode;
  /** The EKS cluster name, for the subnet tags the AWS load balancer controller discovers subnets by. */
  readonly clusterName: string;
  /** Zones, subnets and pinned-zone subnets, decided from config (lib/network-plan.ts `planNetwork`). */
  readonly plan: NetworkPlan;
  /** The networks of `clusterEndpoint.privateAccessCidrs` and the gateway that connects them, if any. */
  readonly privateAccess?: PrivateAccessRouting;
}

/** What a node group is placed on: its subnets, and the plan-time check that it has any. */
export interface PoolPlacement {
  readonly subnetIds: string[];
  /** True (as a Terraform expression) when the group has at least one subnet. */
  readonly hasSubnets: string;
}

/** The part of a GPU pool's config its placement depends on. */
export interface PlacedPool {
  readonly name: string;
  readonly instanceType: string;
  readonly availabilityZones?: readonly string[];
}

/**
 * VPC over three AZs chosen by AZ ID (never one EKS refuses a control plane in): private subnets for nodes, public
 * subnets for NAT, a private subnet for each AZ a pool pins by name, an S3 gateway endpoint so dataset reads never
 * pay NAT processing, ECR/STS interface endpoints, and routes to the private access networks.
 */
export class Network extends Construct {
  readonly vpc: Vpc;
  /** The three private subnets of the VPC's zones: the cluster's subnets, the system pool's, the endpoints'. */
  readonly privateSubnets: readonly Subnet[];
  /** Private subnets of the AZs pools pin by name, keyed by AZ name. */
  readonly pinnedSubnets: ReadonlyMap<string, Subnet>;
  /** What must exist before nodes can reach the private access networks (the gateway attachment). */
  readonly routing: readonly ITerraformDependable[];
  private readonly plan: NetworkPlan;
  private readonly offerings = new Map<string, DataAwsEc2InstanceTypeOfferings>();

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const plan = props.plan;
    this.plan = plan;

    // Reads nothing the subnets use: it fails the plan, before anything is created, when this account lacks one of
    // the VPC's zones (us-west-1 accounts see two of its three) or when one is a zone EKS refuses.
    new DataAwsAvailabilityZones(this, "zones", {
      state: "available",
      filter: [{ name: "zone-id", values: [...plan.zoneIds] }],
      excludeZoneIds: [...EKS_CONTROL_PLANE_EXCLUDED_ZONE_IDS],
      lifecycle: {
        postcondition: [
          {
            condition: `\${length(self.zone_ids) == ${plan.zoneIds.length}}`,
            errorMessage:
              `The VPC's AZs ${plan.zoneIds.join(", ")} are not all available to this account for an EKS control plane ` +
              `(EKS refuses ${EKS_CONTROL_PLANE_EXCLUDED_ZONE_IDS.join(", ")}). Set availabilityZoneIds in this region's file to three of ` +
              `\`aws ec2 describe-availability-zones --region ${props.region} --query "AvailabilityZones[].ZoneId"\` outside that list.`,
          },
        ],
      },
    });

    this.vpc = new Vpc(this, "vpc", {
      cidrBlock: props.vpcCidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: props.namePrefix },
    });
    const internetGateway = new InternetGateway(this, "igw", { vpcId: this.vpc.id, tags: { Name: props.namePrefix } });

    const publicRoutes = new RouteTable(this, "public-routes", { vpcId: this.vpc.id, tags: { Name: `${props.namePrefix}-public` } });
    new Route(this, "public-default-route", {
      routeTableId: publicRoutes.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: internetGateway.id,
    });

    const privateSubnets: Subnet[] = [];
    const privateRouteTables: { key: string; table: RouteTable }[] = [];
    const natCount = natGatewayCount(props.natGateways);
    const natGateways: NatGateway[] = [];

    plan.zoneIds.forEach((zoneId, i) => {
      const publicSubnet = new Subnet(this, `public-${i}`, {
        vpcId: this.vpc.id,
        cidrBlock: plan.public[i],
        availabilityZoneId: zoneId,
        mapPublicIpOnLaunch: false,
        tags: { Name: `${props.namePrefix}-public-${i}`, "kubernetes.io/role/elb": "1" },
      });
      new RouteTableAssociation(this, `public-${i}-routes`, { subnetId: publicSubnet.id, routeTableId: publicRoutes.id });

      if (i < natCount) {
        const address = new Eip(this, `nat-${i}-ip`, { domain: "vpc", tags: { Name: `${props.namePrefix}-nat-${i}` } });
        natGateways.push(
          new NatGateway(this, `nat-${i}`, {
            allocationId: address.id,
            subnetId: publicSubnet.id,
            tags: { Name: `${props.namePrefix}-nat-${i}` },
            dependsOn: [internetGateway],
          }),
        );
      }
    });

    const privateSubnet = (key: string, cidrBlock: string, placement: { availabilityZoneId?: string; availabilityZone?: string }, nat: NatGateway, extraTags: Record<string, string>) => {
      const subnet = new Subnet(this, `private-${key}`, {
        vpcId: this.vpc.id,
        cidrBlock,
        ...placement,
        tags: { Name: `${props.namePrefix}-private-${key}`, [`kubernetes.io/cluster/${props.clusterName}`]: "shared", ...extraTags },
      });
      const routes = new RouteTable(this, `private-${key}-routes`, { vpcId: this.vpc.id, tags: { Name: `${props.namePrefix}-private-${key}` } });
      new Route(this, `private-${key}-default-route`, { routeTableId: routes.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id });
      new RouteTableAssociation(this, `private-${key}-routes-association`, { subnetId: subnet.id, routeTableId: routes.id });
      privateRouteTables.push({ key, table: routes });
      return subnet;
    };

    plan.zoneIds.forEach((zoneId, i) => {
      privateSubnets.push(
        privateSubnet(String(i), plan.private[i], { availabilityZoneId: zoneId }, natGateways[Math.min(i, natGateways.length - 1)], {
          "kubernetes.io/role/internal-elb": "1",
        }),
      );
    });
    this.privateSubnets = privateSubnets;

    // A pinned zone's subnet holds only the nodes of the pools that pin it; its AZ may be outside the VPC's three, so
    // it leaves through the first NAT gateway (cross-AZ traffic for those nodes, which a pinned pool chose).
    const pinned = new Map<string, Subnet>();
    for (const { zone, cidr } of plan.pinned) {
      pinned.set(zone, privateSubnet(zone, cidr, { availabilityZone: zone }, natGateways[0], {}));
    }
    this.pinnedSubnets = pinned;

    this.routing = props.privateAccess ? this.routeToPrivateNetworks(props.privateAccess, privateRouteTables, props.namePrefix) : [];

    new VpcEndpoint(this, "s3-endpoint", {
      vpcId: this.vpc.id,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: privateRouteTables.map(({ table }) => table.id),
      tags: { Name: `${props.namePrefix}-s3` },
    });

    const endpointSecurityGroup = new SecurityGroup(this, "endpoint-sg", {
      name: `${props.namePrefix}-vpc-endpoints`,
      description: "HTTPS from the VPC to AWS interface endpoints",
      vpcId: this.vpc.id,
      tags: { Name: `${props.namePrefix}-vpc-endpoints` },
    });
    new VpcSecurityGroupIngressRule(this, "endpoint-https", {
      securityGroupId: endpointSecurityGroup.id,
      cidrIpv4: props.vpcCidr,
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      description: "HTTPS from inside the VPC",
    });
    for (const service of INTERFACE_ENDPOINTS) {
      new VpcEndpoint(this, `${service.replace(".", "-")}-endpoint`, {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${props.region}.${service}`,
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: privateSubnets.map((subnet) => subnet.id),
        securityGroupIds: [endpointSecurityGroup.id],
        tags: { Name: `${props.namePrefix}-${service}` },
      });
    }
  }

  /**
   * Replies from the control plane's ENIs (and anything in the VPC) to the private access networks go through the
   * gateway, from every private route table. A transit gateway needs this VPC attached (in the VPC's three private
   * subnets); a virtual private gateway needs attaching to this VPC. The gateway's own side (the transit gateway
   * route table, or the VPN) must route the VPC's CIDR back: that is the network team's, outside this stack.
   */
  private routeToPrivateNetworks(access: PrivateAccessRouting, tables: readonly { key: string; table: RouteTable }[], namePrefix: string): ITerraformDependable[] {
    const transit = access.gatewayId.startsWith("tgw-");
    const attachment = transit
      ? new Ec2TransitGatewayVpcAttachment(this, "private-access-attachment", {
          transitGatewayId: access.gatewayId,
          vpcId: this.vpc.id,
          subnetIds: this.privateSubnets.map((subnet) => subnet.id),
          tags: { Name: `${namePrefix}-private-access` },
        })
      : new VpnGatewayAttachment(this, "private-access-attachment", { vpnGatewayId: access.gatewayId, vpcId: this.vpc.id });
    access.cidrs.forEach((cidr, index) => {
      for (const { key, table } of tables) {
        new Route(this, `private-${key}-access-${index}`, {
          routeTableId: table.id,
          destinationCidrBlock: cidr,
          ...(transit ? { transitGatewayId: access.gatewayId } : { gatewayId: access.gatewayId }),
          dependsOn: [attachment],
        });
      }
    });
    return [attachment];
  }

  /**
   * Where a GPU pool's node group runs. A pool that pins AZs (by name) gets its pinned-zone subnets and the VPC's
   * subnets in those AZs. Any other pool gets the VPC's subnets in the zones that offered its type when the pool was
   * created: that answer is kept in state (`terraform_data` whose input changes are ignored), so a later change in
   * AWS's offerings never changes the node group's subnets, which would replace it. A new instance type or new VPC
   * zones re-resolve it, and replace the node group visibly, as those changes would anyway.
   */
  placementFor(pool: PlacedPool): PoolPlacement {
    if (pool.availabilityZones && pool.availabilityZones.length > 0) {
      const zones = [...pool.availabilityZones];
      const own = zones.flatMap((zone) => {
        const subnet = this.pinnedSubnets.get(zone);
        return subnet ? [subnet.id] : [];
      });
      // The VPC's own subnet in a pinned AZ, where the account names one of the VPC's zones so; AZ names map to IDs
      // once per account, so this never changes between plans.
      const vpcSubnets = this.privateSubnets.map((subnet) => Fn.conditional(Fn.contains(zones, subnet.availabilityZone), subnet.id, ""));
      const subnetIds = Fn.concat([own, Fn.compact(vpcSubnets)]);
      return { subnetIds, hasSubnets: Token.asString(Op.gte(Fn.lengthOf(subnetIds), 1)) };
    }
    const offerings = this.zonesOffering(pool.instanceType);
    const zoneIds = [...this.plan.zoneIds];
    const resolved = new DataResource(this, `zones-${pool.name}`, {
      input: { zone_ids: offerings.locations },
      triggersReplace: { instance_type: pool.instanceType, vpc_zone_ids: zoneIds.join(",") },
      lifecycle: {
        ignoreChanges: ["input"],
        precondition: [
          {
            condition: Token.asString(Op.gte(Fn.lengthOf(Fn.setintersection(offerings.locations, [zoneIds])), 1)),
            errorMessage:
              `None of the VPC's AZs (${zoneIds.join(", ")}) offers ${pool.instanceType} for GPU pool ${pool.name}. Set availabilityZones on the pool ` +
              "to AZs that do (each gets its own subnet), or set availabilityZoneIds on the region to zones that offer it.",
          },
        ],
      },
    });
    const frozen = Token.asList(resolved.output.lookup("zone_ids"));
    const subnetIds = Fn.compact(this.privateSubnets.map((subnet, i) => Fn.conditional(Fn.contains(frozen, zoneIds[i]), subnet.id, "")));
    return { subnetIds, hasSubnets: Token.asString(Op.gte(Fn.lengthOf(subnetIds), 1)) };
  }

  private zonesOffering(instanceType: string): DataAwsEc2InstanceTypeOfferings {
    let data = this.offerings.get(instanceType);
    if (!data) {
      const id = `offerings-${instanceType.replace(/\./g, "-")}`;
      data = new DataAwsEc2InstanceTypeOfferings(this, id, {
        locationType: "availability-zone-id",
        filter: [{ name: "instance-type", values: [instanceType] }],
      });
      // The address it had when the infra stack looked offerings up itself: plans of deployed regions stay quiet.
      data.overrideLogicalId(id);
      this.offerings.set(instanceType, data);
    }
    return data;
  }
}
