/**
 * Subnet plan for a region's VPC over three AZs: three large private subnets for nodes and pods (the VPC
 * CNI gives every pod a VPC address), three small public subnets for the NAT gateways and load balancers.
 */
import { parseCidr, type NatGatewayMode } from "./config/schema";

export const AZ_COUNT = 3;

/**
 * The Kubernetes service CIDR EKS gives a cluster that sets no `serviceIpv4Cidr` (ours set none): 172.20.0.0/16
 * when the VPC's CIDR is in 10.0.0.0/8, 10.100.0.0/16 otherwise, so it never overlaps the VPC itself. EKS API
 * Reference, KubernetesNetworkConfigRequest.serviceIpv4Cidr ("either the 10.100.0.0/16 or 172.20.0.0/16 CIDR
 * blocks"; it recommends a block that overlaps no network peered or connected to the VPC), read 2026-12-01; the
 * choice by VPC range as the EKS AMI's bootstrap.sh makes it for the cluster DNS IP (awslabs/amazon-eks-ami).
 */
export const EKS_DEFAULT_SERVICE_CIDR = { vpcInTenSlashEight: "172.20.0.0/16", otherVpc: "10.100.0.0/16" } as const;

/** Interface endpoints every VPC gets, one per AZ: image pulls from ECR and IAM role credentials. */
export const INTERFACE_ENDPOINTS = ["ecr.api", "ecr.dkr", "sts"] as const;

export function natGatewayCount(mode: NatGatewayMode): number {
  return mode === "single" ? 1 : AZ_COUNT;
}

export interface SubnetPlan {
  readonly private: readonly string[];
  readonly public: readonly string[];
}

function toCidr(address: number, prefix: number): string {
  return `${[24, 16, 8, 0].map((shift) => (address >>> shift) & 255).join(".")}/${prefix}`;
}

/** Private subnets take three quarters of the VPC; public ones are eighths of the last quarter. */
export function planSubnets(vpcCidr: string): SubnetPlan {
  const vpc = parseCidr(vpcCidr);
  if (!vpc) throw new Error(`not an IPv4 CIDR: ${vpcCidr}`);
  const quarter = 2 ** (32 - vpc.prefix - 2);
  const privatePrefix = vpc.prefix + 2;
  const publicPrefix = vpc.prefix + 5;
  const publicSize = 2 ** (32 - publicPrefix);
  const privateSubnets: string[] = [];
  const publicSubnets: string[] = [];
  for (let i = 0; i < AZ_COUNT; i++) {
    privateSubnets.push(toCidr(vpc.address + i * quarter, privatePrefix));
    publicSubnets.push(toCidr(vpc.address + AZ_COUNT * quarter + i * publicSize, publicPrefix));
  }
  return { private: privateSubnets, public: publicSubnets };
}
