import { Fn } from "cdktf";
import { Construct } from "constructs";
import { AZ_COUNT, INTERFACE_ENDPOINTS, natGatewayCount, planSubnets } from "../lib/network-plan";
import type { NatGatewayMode } from "../lib/config/schema";
import {
  DataAwsAvailabilityZones,
  DataAwsEc2InstanceTypeOfferings,
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
} from "./providers";

export interface NetworkProps {
  readonly namePrefix: string;
  readonly region: string;
  readonly vpcCidr: string;
  readonly natGateways: NatGatewayMode;
  /** The EKS cluster name, for the subnet tags the AWS load balancer controller discovers subnets by. */
  readonly clusterName: string;
}

/**
 * VPC over three AZs: private subnets for nodes, public subnets for NAT, an S3 gateway endpoint so dataset
 * reads never pay NAT processing, and ECR/STS interface endpoints.
 */
export class Network extends Construct {
  readonly vpc: Vpc;
  readonly privateSubnets: readonly Subnet[];
  private readonly offerings = new Map<string, DataAwsEc2InstanceTypeOfferings>();

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const plan = planSubnets(props.vpcCidr);
    const zones = new DataAwsAvailabilityZones(this, "zones", {
      state: "available",
      filter: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
    });
    const zoneName = (index: number) => Fn.element(zones.names, index);

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

    const publicSubnets: Subnet[] = [];
    const privateSubnets: Subnet[] = [];
    const privateRouteTables: RouteTable[] = [];
    const natCount = natGatewayCount(props.natGateways);
    const natGateways: NatGateway[] = [];

    for (let i = 0; i < AZ_COUNT; i++) {
      const publicSubnet = new Subnet(this, `public-${i}`, {
        vpcId: this.vpc.id,
        cidrBlock: plan.public[i],
        availabilityZone: zoneName(i),
        mapPublicIpOnLaunch: false,
        tags: { Name: `${props.namePrefix}-public-${i}`, "kubernetes.io/role/elb": "1" },
      });
      new RouteTableAssociation(this, `public-${i}-routes`, { subnetId: publicSubnet.id, routeTableId: publicRoutes.id });
      publicSubnets.push(publicSubnet);

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
    }

    for (let i = 0; i < AZ_COUNT; i++) {
      const privateSubnet = new Subnet(this, `private-${i}`, {
        vpcId: this.vpc.id,
        cidrBlock: plan.private[i],
        availabilityZone: zoneName(i),
        tags: {
          Name: `${props.namePrefix}-private-${i}`,
          "kubernetes.io/role/internal-elb": "1",
          [`kubernetes.io/cluster/${props.clusterName}`]: "shared",
        },
      });
      const routes = new RouteTable(this, `private-${i}-routes`, { vpcId: this.vpc.id, tags: { Name: `${props.namePrefix}-private-${i}` } });
      new Route(this, `private-${i}-default-route`, {
        routeTableId: routes.id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: natGateways[Math.min(i, natGateways.length - 1)].id,
      });
      new RouteTableAssociation(this, `private-${i}-routes-association`, { subnetId: privateSubnet.id, routeTableId: routes.id });
      privateSubnets.push(privateSubnet);
      privateRouteTables.push(routes);
    }
    this.privateSubnets = privateSubnets;

    new VpcEndpoint(this, "s3-endpoint", {
      vpcId: this.vpc.id,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: privateRouteTables.map((table) => table.id),
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
   * The private subnets a node group of `instanceType` may use: those in `zones` when the pool pins them, else
   * those whose AZ offers the type (one offerings lookup per type, shared by its pools).
   */
  subnetIdsFor(instanceType: string, zones?: readonly string[]): string[] {
    const allowed = zones ? [...zones] : this.zonesOffering(instanceType);
    return Fn.compact(this.privateSubnets.map((subnet) => Fn.conditional(Fn.contains(allowed, subnet.availabilityZone), subnet.id, "")));
  }

  private zonesOffering(instanceType: string): string[] {
    let data = this.offerings.get(instanceType);
    if (!data) {
      const id = `offerings-${instanceType.replace(/\./g, "-")}`;
      data = new DataAwsEc2InstanceTypeOfferings(this, id, {
        locationType: "availability-zone",
        filter: [{ name: "instance-type", values: [instanceType] }],
      });
      // The address it had when the infra stack looked offerings up itself: plans of deployed regions stay quiet.
      data.overrideLogicalId(id);
      this.offerings.set(instanceType, data);
    }
    return data.locations;
  }
}
