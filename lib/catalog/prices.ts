/**
 * Prices the catalog's us-east-1 On-Demand column (`instances.ts`) does not hold: On-Demand and Spot per
 * region, the last published Capacity Block rates, and the rates of what every region pays for besides its
 * nodes. Everything here is data with its source and date; `lib/cost.ts` does the arithmetic.
 */

/** Where the per-region On-Demand and Spot prices below were read. */
export const REGIONAL_PRICE_SOURCE = {
  date: "2026-07-20",
  read: "2026-12-02",
  source:
    "skypilot-org/skypilot-catalog catalogs/v8/aws/vms.csv at 00148f2 (the commit REGION_SOURCE cites), generated " +
    "from the EC2 Price List and Spot price history APIs between 2026-05-22 and 2026-07-20: column Price " +
    "(On-Demand, Linux) and SpotPrice (one Availability Zone per row; Local Zones such as usw2-lax1 left out)",
  method:
    "One instance type is read per family (the key of each table below). Another size of the family is priced " +
    "at its us-east-1 rate times that type's regional ratio (AWS prices the sizes of a family linearly in every " +
    "region). A Spot price at 99% of On-Demand or more is AWS's cap, not a discount (no Spot capacity at the " +
    "time), and is left out of the range; a region with no discounted Spot price has no Spot estimate",
} as const;

export interface RegionPrices {
  /** On-Demand USD/hour of the table's instance type in the region. */
  readonly onDemand: number;
  /** Spot USD/hour per Availability Zone, as sampled; empty where no AZ had a Spot price. */
  readonly spot: readonly number[];
}

/**
 * Per instance type read, per region: On-Demand and the Spot price of each AZ. m7i has no table of its own:
 * it takes m6i's regional ratios (m7i.xlarge is 1.05 x m6i.xlarge in us-east-1; assumed alike elsewhere, not
 * read). p5e has none: it has no On-Demand price anywhere.
 */
export const REGIONAL_PRICES: Readonly<Record<string, Readonly<Record<string, RegionPrices>>>> = {
  "g4dn.xlarge": {
    "af-south-1": { onDemand: 0.698, spot: [0.1399, 0.1169] },
    "ap-east-1": { onDemand: 0.81, spot: [0.1314, 0.1915, 0.1442] },
    "ap-northeast-1": { onDemand: 0.71, spot: [0.2846, 0.2853, 0.2840] },
    "ap-northeast-2": { onDemand: 0.647, spot: [0.2825, 0.2949, 0.2838] },
    "ap-northeast-3": { onDemand: 0.71, spot: [0.2821, 0.2278] },
    "ap-south-1": { onDemand: 0.579, spot: [0.2437, 0.2487, 0.2601] },
    "ap-southeast-1": { onDemand: 0.736, spot: [0.3073, 0.3194, 0.3179] },
    "ap-southeast-2": { onDemand: 0.684, spot: [0.2978, 0.2609, 0.2804] },
    "ca-central-1": { onDemand: 0.584, spot: [0.1937, 0.2070] },
    "eu-central-1": { onDemand: 0.658, spot: [0.2674, 0.2670, 0.2737] },
    "eu-north-1": { onDemand: 0.558, spot: [0.1822, 0.1934, 0.1840] },
    "eu-south-1": { onDemand: 0.616, spot: [0.1009, 0.0974] },
    "eu-west-1": { onDemand: 0.587, spot: [0.3147, 0.3171, 0.3317] },
    "eu-west-2": { onDemand: 0.615, spot: [0.2059, 0.1937, 0.1955] },
    "eu-west-3": { onDemand: 0.615, spot: [0.1932, 0.1602, 0.1743] },
    "me-south-1": { onDemand: 0.645, spot: [0.1107, 0.1332] },
    "us-east-1": { onDemand: 0.526, spot: [0.2158, 0.2000, 0.2039, 0.2020, 0.2043] },
    "us-east-2": { onDemand: 0.526, spot: [0.1915, 0.1915, 0.1901] },
    "us-west-1": { onDemand: 0.631, spot: [0.3144, 0.3044] },
    "us-west-2": { onDemand: 0.526, spot: [0.2464, 0.2479, 0.2386] },
  },
  "g5.xlarge": {
    "ap-east-1": { onDemand: 1.5488, spot: [1.5163, 0.4693] },
    "ap-northeast-1": { onDemand: 1.459, spot: [0.6318, 0.6822] },
    "ap-northeast-2": { onDemand: 1.237, spot: [0.5038, 0.5455, 0.3701] },
    "ap-south-1": { onDemand: 1.208, spot: [0.4880, 0.4999] },
    "ap-southeast-2": { onDemand: 1.308, spot: [0.5693, 0.4669] },
    "ap-southeast-3": { onDemand: 1.408, spot: [0.4948, 0.4207] },
    "ca-central-1": { onDemand: 1.117, spot: [0.4301, 0.5272] },
    "eu-central-1": { onDemand: 1.258, spot: [0.6178, 0.6510, 0.6059] },
    "eu-north-1": { onDemand: 1.067, spot: [0.4388, 0.4166] },
    "eu-west-1": { onDemand: 1.123, spot: [0.5765, 0.5746, 0.5727] },
    "eu-west-2": { onDemand: 1.277, spot: [0.5036, 0.5181] },
    "me-central-1": { onDemand: 1.234, spot: [0.5088, 0.4475] },
    "us-east-1": { onDemand: 1.006, spot: [0.4507, 0.4246, 0.4360, 0.4259, 0.4364] },
    "us-east-2": { onDemand: 1.006, spot: [0.3770, 0.3943, 0.3841] },
    "us-west-2": { onDemand: 1.006, spot: [0.4857, 0.5134, 0.4829] },
  },
  "g6.xlarge": {
    "ap-northeast-1": { onDemand: 1.1672, spot: [0.5708, 0.5647] },
    "ap-northeast-2": { onDemand: 0.9896, spot: [0.3409, 0.3584, 0.2909] },
    "ap-south-1": { onDemand: 0.9664, spot: [0.4391, 0.4665] },
    "ap-southeast-2": { onDemand: 1.0464, spot: [0.4026, 0.3553, 0.4183] },
    "ca-central-1": { onDemand: 0.8936, spot: [0.4005, 0.4124] },
    "eu-central-1": { onDemand: 1.0064, spot: [0.4392, 0.4424] },
    "eu-north-1": { onDemand: 0.8536, spot: [0.3451, 0.2584] },
    "eu-south-2": { onDemand: 0.848, spot: [0.1724, 0.0951, 0.0913] },
    "eu-west-2": { onDemand: 1.0216, spot: [0.3907, 0.3252] },
    "eu-west-3": { onDemand: 1.0216, spot: [0.3573, 0.3789] },
    "me-central-1": { onDemand: 0.98824, spot: [0.6022, 0.2933] },
    "us-east-1": { onDemand: 0.8048, spot: [0.4011, 0.3653, 0.3490, 0.3988] },
    "us-east-2": { onDemand: 0.8048, spot: [0.2756, 0.2599, 0.2612] },
    "us-west-2": { onDemand: 0.8048, spot: [0.4250, 0.4537, 0.3900, 0.4541] },
  },
  "g6e.xlarge": {
    "ap-northeast-1": { onDemand: 2.699, spot: [1.2105, 1.2059] },
    "ap-northeast-2": { onDemand: 2.288, spot: [0.6602, 0.5713] },
    "eu-central-1": { onDemand: 2.327, spot: [1.4934, 1.4351, 1.0228] },
    "eu-north-1": { onDemand: 1.974, spot: [0.8449, 0.8242] },
    "eu-south-2": { onDemand: 1.961, spot: [0.4796, 0.5504] },
    "us-east-1": { onDemand: 1.861, spot: [1.1975, 0.9154, 0.9599, 1.0492] },
    "us-east-2": { onDemand: 1.861, spot: [0.5315, 0.5461, 0.5261] },
    "us-west-2": { onDemand: 1.861, spot: [0.9228, 0.7201, 0.6538, 1.5145] },
  },
  "p4d.24xlarge": {
    "ap-northeast-1": { onDemand: 30.09784, spot: [30.0978, 7.5205] },
    "ap-northeast-2": { onDemand: 30.41028, spot: [10.7997, 10.7939] },
    "ap-south-1": { onDemand: 26.3444, spot: [26.3444, 26.3444, 26.3444] },
    "ap-southeast-2": { onDemand: 28.54493, spot: [10.6494, 11.6816] },
    "ca-central-1": { onDemand: 25.25174, spot: [25.2517, 4.5461] },
    "eu-central-1": { onDemand: 27.43298, spot: [13.3383, 27.4330, 27.4330] },
    "eu-north-1": { onDemand: 23.71569, spot: [6.1657] },
    "eu-west-1": { onDemand: 23.71569, spot: [9.7598] },
    "eu-west-2": { onDemand: 28.54493, spot: [28.5449, 10.2712] },
    "us-east-1": { onDemand: 21.957642, spot: [2.4655, 8.1915, 8.1203, 7.8799] },
    "us-east-2": { onDemand: 21.95764, spot: [6.0374, 6.0965, 21.8535] },
    "us-west-2": { onDemand: 21.95764, spot: [7.9992, 8.2259, 9.7315, 8.4794] },
  },
  "p4de.24xlarge": {
    "ap-northeast-1": { onDemand: 37.6223, spot: [15.9785, 37.6223] },
    "ap-southeast-1": { onDemand: 32.93646, spot: [13.7534, 32.9365] },
    "eu-central-1": { onDemand: 34.29122, spot: [8.8218, 8.0274] },
    "us-east-1": { onDemand: 27.44705, spot: [9.9734, 8.6505] },
    "us-west-2": { onDemand: 27.44705, spot: [10.9991, 11.0144, 10.3338] },
  },
  "p5.4xlarge": {
    "ap-northeast-1": { onDemand: 8.6, spot: [8.6] },
    "ap-south-1": { onDemand: 8.256, spot: [8.256, 8.256] },
    "ap-southeast-2": { onDemand: 8.944, spot: [] },
    "ap-southeast-3": { onDemand: 9.4944, spot: [9.4944] },
    "eu-west-2": { onDemand: 8.944, spot: [8.944] },
    "us-east-1": { onDemand: 6.88, spot: [] },
    "us-east-2": { onDemand: 6.88, spot: [] },
    "us-west-2": { onDemand: 6.88, spot: [] },
  },
  "p5.48xlarge": {
    "ap-northeast-1": { onDemand: 68.8, spot: [68.8, 23.1449] },
    "ap-northeast-2": { onDemand: 75.9552, spot: [] },
    "ap-south-1": { onDemand: 66.048, spot: [48.1142, 33.2941, 18.8933] },
    "ap-southeast-2": { onDemand: 71.552, spot: [71.552, 71.552, 26.5713] },
    "ap-southeast-3": { onDemand: 75.9552, spot: [75.9552] },
    "ca-central-1": { onDemand: 63.296, spot: [63.296] },
    "eu-north-1": { onDemand: 58.8928, spot: [28.3188] },
    "eu-west-2": { onDemand: 71.552, spot: [15.7259, 15.5259, 16.3251] },
    "us-east-1": { onDemand: 55.04, spot: [55.04, 19.2531, 21.1543, 55.04, 25.7522, 17.6289] },
    "us-east-2": { onDemand: 55.04, spot: [11.2543, 11.5616, 11.9912] },
    "us-west-1": { onDemand: 68.8, spot: [19.8326] },
    "us-west-2": { onDemand: 55.04, spot: [12.6935, 12.9785, 12.9727, 16.1301] },
  },
  "p5en.48xlarge": {
    "ap-northeast-1": { onDemand: 79.12, spot: [31.6303] },
    "ap-northeast-2": { onDemand: 87.34848, spot: [11.8564] },
    "ap-south-1": { onDemand: 75.9552, spot: [75.9552, 75.9552] },
    "ap-southeast-3": { onDemand: 87.34848, spot: [13.5902, 10.6017] },
    "eu-north-1": { onDemand: 67.72672, spot: [15.3535, 10.4392] },
    "eu-south-2": { onDemand: 68.35968, spot: [16.8642, 6.8360] },
    "me-central-1": { onDemand: 75.9552, spot: [] },
    "us-east-1": { onDemand: 63.296, spot: [18.2492, 16.5551] },
    "us-east-2": { onDemand: 63.296, spot: [22.9370, 24.2039, 16.2400] },
    "us-west-1": { onDemand: 79.12, spot: [11.7642] },
    "us-west-2": { onDemand: 63.296, spot: [23.8930, 15.4820, 18.3464] },
  },
  "p6-b200.48xlarge": {
    "us-east-1": { onDemand: 113.9328, spot: [21.0148] },
    "us-east-2": { onDemand: 113.9328, spot: [22.5640, 21.7293, 21.1530] },
    "us-west-2": { onDemand: 113.9328, spot: [28.4420, 25.1060, 23.0826] },
  },
  "m6i.4xlarge": {
    "af-south-1": { onDemand: 1.016, spot: [] },
    "ap-east-1": { onDemand: 1.056, spot: [] },
    "ap-northeast-1": { onDemand: 0.992, spot: [] },
    "ap-northeast-2": { onDemand: 0.944, spot: [] },
    "ap-northeast-3": { onDemand: 0.992, spot: [] },
    "ap-south-1": { onDemand: 0.808, spot: [] },
    "ap-southeast-1": { onDemand: 0.96, spot: [] },
    "ap-southeast-2": { onDemand: 0.96, spot: [] },
    "ap-southeast-3": { onDemand: 0.96, spot: [] },
    "ca-central-1": { onDemand: 0.856, spot: [] },
    "eu-central-1": { onDemand: 0.92, spot: [] },
    "eu-north-1": { onDemand: 0.816, spot: [] },
    "eu-south-1": { onDemand: 0.896, spot: [] },
    "eu-west-1": { onDemand: 0.856, spot: [] },
    "eu-west-2": { onDemand: 0.888, spot: [] },
    "eu-west-3": { onDemand: 0.896, spot: [] },
    "me-central-1": { onDemand: 0.9416, spot: [] },
    "me-south-1": { onDemand: 1.056, spot: [] },
    "us-east-1": { onDemand: 0.768, spot: [] },
    "us-east-2": { onDemand: 0.768, spot: [] },
    "us-west-1": { onDemand: 0.896, spot: [] },
    "us-west-2": { onDemand: 0.768, spot: [] },
  },
};

/** Which table prices an instance family. */
export const FAMILY_PRICE_TABLE: Readonly<Record<string, string>> = {
  g4dn: "g4dn.xlarge",
  g5: "g5.xlarge",
  g6: "g6.xlarge",
  g6e: "g6e.xlarge",
  p4d: "p4d.24xlarge",
  p4de: "p4de.24xlarge",
  p5: "p5.48xlarge",
  p5en: "p5en.48xlarge",
  "p6-b200": "p6-b200.48xlarge",
  m6i: "m6i.4xlarge",
  m7i: "m6i.4xlarge",
};

/**
 * The last Capacity Block reservation rates AWS published (USD per instance-hour), from the "Amazon EC2
 * Capacity Blocks for ML Pricing" page as captured in late 2024; the page said "the current prices are scheduled
 * to be updated on January 1, 2025" and AWS sets the price of each offering by supply and demand since. Shown
 * only as an indication of a reservation's size: the real fee is the one paid up front for the block.
 */
export const CAPACITY_BLOCK_RATES = {
  date: "2024-12",
  source: "aws.amazon.com/ec2/capacityblocks/pricing/ (late 2024 capture: p5.48xlarge us-east-1/us-east-2 $39.33, p5e.48xlarge us-east-2 $43.26, p4d.24xlarge us-east-2/us-west-2 $14.75 per instance-hour)",
  usdPerInstanceHour: { "p5.48xlarge": 39.33, "p5e.48xlarge": 43.26, "p4d.24xlarge": 14.75 } as Readonly<Record<string, number>>,
  billing:
    "A Capacity Block is paid up front when it is bought, for a fixed window (1 to 14 days, or 7-day steps up to 182 days) " +
    "ending at 11:30 UTC; the price does not change after purchase and the nodes are terminated when it ends " +
    "(Amazon EC2 User Guide, \"Capacity Blocks for ML\", \"Find and purchase Capacity Blocks\", \"Extend Capacity Blocks\", read 2026-12-02)",
} as const;

/**
 * What a region pays for besides its nodes' hours, at us-east-1 rates: the catalog has no per-region table for
 * these, so other regions are shown at these rates and marked (NAT gateways, for one, cost $0.062/h in
 * ap-northeast-1).
 */
export const FIXED_RATES = {
  region: "us-east-1",
  read: "2026-12-02",
  source:
    "AWS price pages for us-east-1: aws.amazon.com/eks/pricing (standard support), /vpc/pricing (NAT gateway, " +
    "public IPv4 address), /privatelink/pricing (interface endpoint per AZ), /ebs/pricing (gp3), /kms/pricing, " +
    "/s3/pricing (S3 Standard), /cloudwatch/pricing (log ingestion), /ec2/pricing/on-demand (data transfer)",
  eksControlPlaneUsdPerHour: 0.1,
  natGatewayUsdPerHour: 0.045,
  /** Every public IPv4 address, attached or not, since 2024-02-01; each NAT gateway holds one Elastic IP. */
  publicIpv4UsdPerHour: 0.005,
  interfaceEndpointUsdPerAzHour: 0.01,
  ebsGp3UsdPerGibMonth: 0.08,
  kmsKeyUsdPerMonth: 1,
  /** Usage-based: not estimated, named in the notes. */
  usage: {
    s3StandardUsdPerGibMonth: 0.023,
    natGatewayUsdPerGib: 0.045,
    interfaceEndpointUsdPerGib: 0.01,
    cloudWatchLogsIngestionUsdPerGib: 0.5,
    crossAzUsdPerGibEachWay: 0.01,
  },
} as const;
