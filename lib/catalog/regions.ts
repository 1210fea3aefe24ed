/**
 * Which regions offer each instance type. AWS publishes no per-type region list, so this is read from a
 * catalog generated from the EC2 offering, pricing and spot APIs. It covers 24 regions only; a type missing
 * from a region outside them is unknown, not absent (a pool can set `offeredInRegion: true`).
 */
export const REGION_SOURCE = {
  date: "2026-07-20",
  source:
    "skypilot-org/skypilot-catalog catalogs/v8/aws/vms.csv at 00148f2, generated from the EC2 instance-type " +
    "offerings and Price List APIs between 2026-05-22 and 2026-07-20 (24 regions covered); p5e from the EC2 " +
    "offering list without an On-Demand price",
  regionsCovered: [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
    "eu-central-1", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
    "me-central-1", "me-south-1", "af-south-1",
    "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
    "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
  ],
} as const;

const P4D = ["us-east-1", "us-east-2", "us-west-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-2"];
const P4DE = ["us-east-1", "us-west-2", "eu-central-1", "ap-northeast-1", "ap-southeast-1"];
const P5_4XL = ["us-east-1", "us-east-2", "us-west-2", "eu-west-2", "ap-northeast-1", "ap-south-1", "ap-southeast-2", "ap-southeast-3"];
const P5_48XL = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-north-1", "eu-west-2", "ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-2", "ap-southeast-3"];
/** No On-Demand anywhere: offered through Capacity Blocks and reservations. */
const P5E = ["us-east-2", "us-west-2", "eu-north-1", "eu-west-2", "ap-southeast-2", "ap-southeast-3"];
const P5EN = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-north-1", "eu-south-2", "me-central-1", "ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-3"];
const P6_B200 = ["us-east-1", "us-east-2", "us-west-2"];
const G4DN = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-south-1", "eu-west-1", "eu-west-2", "eu-west-3", "me-south-1", "af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1", "ap-southeast-2"];
const G5 = ["us-east-1", "us-east-2", "us-west-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "me-central-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-2", "ap-southeast-3"];
const G6 = ["us-east-1", "us-east-2", "us-west-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-south-2", "eu-west-2", "eu-west-3", "me-central-1", "ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-2"];
const G6E = ["us-east-1", "us-east-2", "us-west-2", "eu-central-1", "eu-north-1", "eu-south-2", "ap-northeast-1", "ap-northeast-2"];
const M6I = REGION_SOURCE.regionsCovered.filter((region) => region !== "eu-south-2" && region !== "ap-southeast-4");
const M7I = REGION_SOURCE.regionsCovered.filter((region) => region !== "af-south-1" && region !== "me-south-1");

const family = (prefix: string, sizes: readonly string[], regions: readonly string[]) =>
  Object.fromEntries(sizes.map((size) => [`${prefix}.${size}`, regions]));

export const INSTANCE_REGIONS: Readonly<Record<string, readonly string[]>> = {
  "p4d.24xlarge": P4D,
  "p4de.24xlarge": P4DE,
  "p5.4xlarge": P5_4XL,
  "p5.48xlarge": P5_48XL,
  "p5e.48xlarge": P5E,
  "p5en.48xlarge": P5EN,
  "p6-b200.48xlarge": P6_B200,
  ...family("g4dn", ["xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "metal"], G4DN),
  ...family("g5", ["xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"], G5),
  ...family("g6", ["xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"], G6),
  ...family("g6e", ["xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"], G6E),
  ...family("m6i", ["xlarge", "2xlarge"], M6I),
  ...family("m7i", ["xlarge", "2xlarge"], M7I),
};

/**
 * The Availability Zone names of each region the catalog covers, for checking a pool's `availabilityZones`.
 * AZ IDs per region are read from the same catalog (skypilot-org/skypilot-catalog catalogs/v8/aws/vms.csv at
 * 00148f2, column AvailabilityZone, the m6i/m7i/m5a/c3 rows; 2026-07-20). Names follow from the IDs as the AWS
 * "Regions and Availability Zones" guide describes (docs.aws.amazon.com/global-infrastructure/latest/regions/
 * az-ids.html, read 2026-12-01): in regions launched after November 2012 `<region>-az<N>` is named with the
 * N-th letter (ca-central-1 has az1, az2, az4: a, b, d); in the oldest regions each account maps names to IDs
 * on its own, so every letter some account may see is listed (us-west-1 has three AZ IDs, an account sees two;
 * ap-northeast-1b exists only in older accounts). A region outside this list is not checked.
 */
export const AZ_SOURCE = {
  date: "2026-07-20",
  source:
    "skypilot-org/skypilot-catalog catalogs/v8/aws/vms.csv at 00148f2 (AZ IDs per region), named per the AWS " +
    "Regions and Availability Zones guide, AZ IDs page (read 2026-12-01)",
} as const;

const zones = (region: string, letters: string) => [...letters].map((letter) => `${region}${letter}`);

export const REGION_AZS: Readonly<Record<string, readonly string[]>> = {
  "us-east-1": zones("us-east-1", "abcdef"),
  "us-east-2": zones("us-east-2", "abc"),
  "us-west-1": zones("us-west-1", "abc"),
  "us-west-2": zones("us-west-2", "abcd"),
  "ca-central-1": zones("ca-central-1", "abd"),
  "eu-central-1": zones("eu-central-1", "abc"),
  "eu-north-1": zones("eu-north-1", "abc"),
  "eu-south-1": zones("eu-south-1", "abc"),
  "eu-south-2": zones("eu-south-2", "abc"),
  "eu-west-1": zones("eu-west-1", "abc"),
  "eu-west-2": zones("eu-west-2", "abc"),
  "eu-west-3": zones("eu-west-3", "abc"),
  "me-central-1": zones("me-central-1", "abc"),
  "me-south-1": zones("me-south-1", "abc"),
  "af-south-1": zones("af-south-1", "abc"),
  "ap-east-1": zones("ap-east-1", "abc"),
  "ap-northeast-1": zones("ap-northeast-1", "abcd"),
  "ap-northeast-2": zones("ap-northeast-2", "abcd"),
  "ap-northeast-3": zones("ap-northeast-3", "abc"),
  "ap-south-1": zones("ap-south-1", "abc"),
  "ap-southeast-1": zones("ap-southeast-1", "abc"),
  "ap-southeast-2": zones("ap-southeast-2", "abc"),
  "ap-southeast-3": zones("ap-southeast-3", "abc"),
  "ap-southeast-4": zones("ap-southeast-4", "abc"),
};

/**
 * The AZ IDs of each region the catalog covers, in the order FastGPU prefers them for a region's three VPC zones
 * (`vpcZoneIds` in lib/network-plan.ts takes the first three EKS accepts). An AZ ID names the same physical zone in
 * every account, where a name such as us-east-1a does not in the oldest regions, so subnets are placed by ID.
 * The IDs are those REGION_AZS is named from (AZ_SOURCE: the catalog's AvailabilityZone column; `<prefix>-az<N>` is
 * the N-th letter in regions launched after November 2012). The catalog's a1, c1, c3, g4dn.xlarge and g5.12xlarge rows,
 * read 2026-12-02, show use1-az1 to -az6, use2-az1 to -az3, usw1-az1 and -az3, usw2-az1 to -az3, apne1-az1, -az2 and
 * -az4, apne2-az1, -az3 and -az4, aps1-az1 to -az3, apse1-az1 and -az2, apse2-az1 to -az3, apse3-az1 and -az3,
 * ape1-az1 and -az2, cac1-az1 and -az2, euc1-, eun1-, euw1-, euw2- and euw3-az1 to -az3, eus1-az2 and -az3, and
 * mes1-az2 and -az3; the other IDs follow from REGION_AZS.
 * Zones only some accounts see go last: usw1-az2 (an account sees two of us-west-1's three), apne1-az3 (older
 * accounts' ap-northeast-1b).
 */
export const ZONE_ID_SOURCE = {
  date: "2026-12-02",
  source:
    "skypilot-org/skypilot-catalog catalogs/v8/aws/vms.csv at 00148f2 (column AvailabilityZone), as REGION_AZS; " +
    "AZ ID format per the AWS Regions and Availability Zones guide, AZ IDs page",
} as const;

const zoneIds = (prefix: string, numbers: readonly number[]) => numbers.map((n) => `${prefix}-az${n}`);

export const REGION_ZONE_IDS: Readonly<Record<string, readonly string[]>> = {
  "us-east-1": zoneIds("use1", [1, 2, 4, 5, 6, 3]),
  "us-east-2": zoneIds("use2", [1, 2, 3]),
  "us-west-1": zoneIds("usw1", [1, 3, 2]),
  "us-west-2": zoneIds("usw2", [1, 2, 3, 4]),
  "ca-central-1": zoneIds("cac1", [1, 2, 4]),
  "eu-central-1": zoneIds("euc1", [1, 2, 3]),
  "eu-north-1": zoneIds("eun1", [1, 2, 3]),
  "eu-south-1": zoneIds("eus1", [1, 2, 3]),
  "eu-south-2": zoneIds("eus2", [1, 2, 3]),
  "eu-west-1": zoneIds("euw1", [1, 2, 3]),
  "eu-west-2": zoneIds("euw2", [1, 2, 3]),
  "eu-west-3": zoneIds("euw3", [1, 2, 3]),
  "me-central-1": zoneIds("mec1", [1, 2, 3]),
  "me-south-1": zoneIds("mes1", [1, 2, 3]),
  "af-south-1": zoneIds("afs1", [1, 2, 3]),
  "ap-east-1": zoneIds("ape1", [1, 2, 3]),
  "ap-northeast-1": zoneIds("apne1", [1, 2, 4, 3]),
  "ap-northeast-2": zoneIds("apne2", [1, 2, 3, 4]),
  "ap-northeast-3": zoneIds("apne3", [1, 2, 3]),
  "ap-south-1": zoneIds("aps1", [1, 2, 3]),
  "ap-southeast-1": zoneIds("apse1", [1, 2, 3]),
  "ap-southeast-2": zoneIds("apse2", [1, 2, 3]),
  "ap-southeast-3": zoneIds("apse3", [1, 2, 3]),
  "ap-southeast-4": zoneIds("apse4", [1, 2, 3]),
};

/**
 * AZ IDs where EKS does not place a control plane: subnets given to CreateCluster may not be in them (it answers
 * UnsupportedAvailabilityZoneException after the VPC, NAT gateways and IAM already exist). Nodes may run there.
 * Source: Amazon EKS User Guide, "View Amazon EKS networking requirements for VPC and subnets", subnet requirements
 * for clusters ("The subnets can't reside in the following Availability Zones"), as quoted in the 2026-12
 * Terraform review (awsdocs/amazon-eks-user-guide latest/ug/networking/network-reqs.adoc), read 2026-12-02.
 */
export const EKS_CONTROL_PLANE_EXCLUDED_ZONE_IDS: readonly string[] = ["use1-az3", "usw1-az2", "cac1-az3"];

/**
 * The AWS partition a region belongs to, as its ARNs spell it: China regions (`cn-*`) are `aws-cn`, GovCloud
 * (`us-gov-*`) `aws-us-gov`, the ISO regions their `aws-iso*` partitions, every other region `aws`.
 */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("us-isob-")) return "aws-iso-b";
  if (region.startsWith("us-isof-")) return "aws-iso-f";
  if (region.startsWith("eu-isoe-")) return "aws-iso-e";
  if (region.startsWith("us-iso-")) return "aws-iso";
  return "aws";
}
