/**
 * Network plan for a region's VPC over three AZs: three large private subnets for nodes and pods (the VPC CNI gives
 * every pod a VPC address), three small public subnets for the NAT gateways and load balancers, and one small
 * private subnet for each AZ a GPU pool pins by name (a Capacity Block's AZ need not be one of the VPC's three).
 * Every choice here is made at synth from the config and dated catalog data, never from what AWS reports at plan
 * time, so a plan changes only when the config (or a catalog update, visible in review) does.
 */
import { EKS_CONTROL_PLANE_EXCLUDED_ZONE_IDS, REGION_ZONE_IDS } from "./catalog/regions";
import { parseCidr, type GpuPoolConfig, type NatGatewayMode } from "./config/schema";

export const AZ_COUNT = 3;

/**
 * The Kubernetes service CIDR EKS gives a cluster that sets no `serviceIpv4Cidr`: 172.20.0.0/16 when the VPC's CIDR
 * is in 10.0.0.0/8, 10.100.0.0/16 otherwise, so it never overlaps the VPC itself. EKS API Reference,
 * KubernetesNetworkConfigRequest.serviceIpv4Cidr ("either the 10.100.0.0/16 or 172.20.0.0/16 CIDR blocks"; it
 * recommends a block that overlaps no network peered or connected to the VPC), read 2026-12-01; the choice by VPC
 * range as the EKS AMI's bootstrap.sh makes it for the cluster DNS IP (awslabs/amazon-eks-ami).
 */
export const EKS_DEFAULT_SERVICE_CIDR = { vpcInTenSlashEight: "172.20.0.0/16", otherVpc: "10.100.0.0/16" } as const;

/**
 * The service CIDR every cluster is created with (`kubernetes_network_config.service_ipv4_cidr`). It is pinned, not
 * left to EKS, because it can only be chosen at creation and an overlap with a routed network is found only when
 * pods cannot reach it; the value is the one EKS would pick (`EKS_DEFAULT_SERVICE_CIDR`), so a cluster EKS already
 * gave that range plans no change. Config validation refuses a VPC or `privateAccessCidrs` entry that overlaps it.
 */
export function serviceCidrFor(vpcCidr: string): string {
  const vpc = parseCidr(vpcCidr);
  if (!vpc) throw new Error(`not an IPv4 CIDR: ${vpcCidr}`);
  const inTenSlashEight = vpc.address >>> 24 === 10 && vpc.prefix >= 8;
  return inTenSlashEight ? EKS_DEFAULT_SERVICE_CIDR.vpcInTenSlashEight : EKS_DEFAULT_SERVICE_CIDR.otherVpc;
}

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

/**
 * The VPC's three zones by AZ ID: `availabilityZoneIds` from the region file, else the first three of the catalog's
 * IDs (REGION_ZONE_IDS, in preference order) where EKS places control planes. Undefined when the region file names
 * none and the catalog has fewer than three usable IDs for the region (config validation reports that first).
 */
export function vpcZoneIds(region: string, configured?: readonly string[]): readonly string[] | undefined {
  if (configured && configured.length > 0) return configured;
  const usable = (REGION_ZONE_IDS[region] ?? []).filter((id) => !EKS_CONTROL_PLANE_EXCLUDED_ZONE_IDS.includes(id));
  return usable.length >= AZ_COUNT ? usable.slice(0, AZ_COUNT) : undefined;
}

/**
 * Pinned-zone subnets live in the eighths of the VPC's last quarter that the public subnets leave free (eighths 3
 * to 7), one per AZ letter: a zone's slot never moves when other pins come and go, so adding a pinned zone never
 * replaces another's subnet. Five slots cover the letters a to e.
 */
export const PINNED_ZONE_LETTERS = "abcde";

/** The slot (0 to 4) of a pinned AZ name in `region`, or undefined when its letter has none (f and later). */
export function pinnedZoneSlot(zone: string, region: string): number | undefined {
  if (!zone.startsWith(region) || zone.length !== region.length + 1) return undefined;
  const slot = PINNED_ZONE_LETTERS.indexOf(zone.slice(region.length));
  return slot >= 0 ? slot : undefined;
}

export function pinnedZoneSubnet(vpcCidr: string, slot: number): string {
  const vpc = parseCidr(vpcCidr);
  if (!vpc) throw new Error(`not an IPv4 CIDR: ${vpcCidr}`);
  const quarter = 2 ** (32 - vpc.prefix - 2);
  const eighthPrefix = vpc.prefix + 5;
  const eighth = 2 ** (32 - eighthPrefix);
  return toCidr(vpc.address + AZ_COUNT * quarter + (AZ_COUNT + slot) * eighth, eighthPrefix);
}

export interface PinnedZoneSubnet {
  /** The AZ name a pool pins (`availabilityZones`), as the account names it. */
  readonly zone: string;
  readonly cidr: string;
}

/** What the Network construct builds, decided from config alone. */
export interface NetworkPlan extends SubnetPlan {
  /** The AZ IDs of the three public and private subnet pairs, in order. */
  readonly zoneIds: readonly string[];
  /** One private subnet per distinct AZ name a GPU pool pins, sorted by name. */
  readonly pinned: readonly PinnedZoneSubnet[];
  /** The cluster's Kubernetes service CIDR (`serviceCidrFor`). */
  readonly serviceCidr: string;
}

export interface NetworkInput {
  readonly region: string;
  readonly vpcCidr: string;
  readonly availabilityZoneIds?: readonly string[];
  readonly gpuPools: readonly Pick<GpuPoolConfig, "availabilityZones">[];
}

/**
 * Throws for config that validation refuses (no usable zone IDs). A pinned zone without a slot gets no subnet of its
 * own (validation refuses one where the catalog lists the region's AZs); its pool keeps the VPC's subnets in it.
 */
export function planNetwork(input: NetworkInput): NetworkPlan {
  const zoneIds = vpcZoneIds(input.region, input.availabilityZoneIds);
  if (!zoneIds) throw new Error(`${input.region}: no AZ IDs for the VPC; set availabilityZoneIds`);
  const zones = [...new Set(input.gpuPools.flatMap((pool) => pool.availabilityZones ?? []))].sort();
  const pinned = zones.flatMap((zone) => {
    const slot = pinnedZoneSlot(zone, input.region);
    return slot === undefined ? [] : [{ zone, cidr: pinnedZoneSubnet(input.vpcCidr, slot) }];
  });
  return { ...planSubnets(input.vpcCidr), zoneIds, pinned, serviceCidr: serviceCidrFor(input.vpcCidr) };
}

