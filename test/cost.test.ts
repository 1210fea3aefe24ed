import type { GpuPoolConfig } from "../lib/config/schema";
import { guaranteedPhysicalGpus, isTrainingPool, nodePrice, onDemandRate, poolCost, regionCost, regionOverheadMonthlyUsd, spotShares, tenantQuotaCosts } from "../lib/cost";
import { REGIONAL_PRICES } from "../lib/catalog/prices";
import { INSTANCE_TYPES } from "../lib/catalog/instances";
import { renderCostReport } from "../tools/cost";
import { UsageError } from "../tools/cli-args";
import { DEFAULT_CONFIG_DIR, defaultModel, poolModel } from "./helpers";

const poolConfig = (overrides: Partial<GpuPoolConfig>): GpuPoolConfig => ({
  name: "p",
  instanceType: "p5.48xlarge",
  capacityType: "on-demand",
  minSize: 0,
  maxSize: 4,
  sharing: { mode: "exclusive" },
  rootVolumeGiB: 200,
  labels: {},
  ...overrides,
});
const pool = (overrides: Partial<GpuPoolConfig>) => poolModel(poolConfig(overrides));

describe("cost from the catalog, checked by hand", () => {
  it("prices an exclusive On-Demand H100 pool, with its root volumes apart", () => {
    // p5.48xlarge: $55.04/h (us-east-1, 2026-07-20), 8 GPUs; 4 nodes x 730 h; root volumes 4 x 200 GiB x $0.08.
    const cost = poolCost(pool({}));
    expect(cost.price).toEqual({ usdPerHour: 55.04, estimated: false, basis: "On-Demand", regional: true });
    expect(cost.usdPerQuotaUnitHour).toBeCloseTo(6.88, 10);
    expect(cost.usdPerGpuHour).toBeCloseTo(6.88, 10);
    expect(cost.monthlyUsd).toEqual({ min: 0, max: 160716.8 });
    expect(cost.ebsMonthlyUsd).toEqual({ min: 0, max: 64 });
    expect(cost.training).toBe(true);
  });

  it("estimates Spot per family and region from the snapshot's AZ prices, and divides by time-slice replicas", () => {
    // g6.xlarge us-east-1: On-Demand $0.8048; the AZs' Spot prices were $0.4011, $0.3653, $0.3490, $0.3988, all
    // discounted: the estimate is the highest, $0.4011 (49.8% of On-Demand), the range $0.349-$0.4011.
    // 4 replicas per L4 -> $0.100275 per replica-hour; 1..8 nodes x 730 h = $292.80..$2,342.42.
    const cost = poolCost(pool({ instanceType: "g6.xlarge", capacityType: "spot", minSize: 1, maxSize: 8, sharing: { mode: "time-slicing", replicas: 4 } }));
    expect(cost.price).toEqual({ usdPerHour: 0.4011, estimated: true, basis: "Spot estimate", range: { low: 0.349, high: 0.4011 }, regional: true });
    expect(cost.usdPerQuotaUnitHour).toBeCloseTo(0.100275, 10);
    expect(cost.usdPerGpuHour).toBeCloseTo(0.4011, 10);
    expect(cost.monthlyUsd).toEqual({ min: 292.803, max: 2342.424 });
    // The same pool in us-east-2, where g6 Spot ran at $0.2599-$0.2756 (32-34% of On-Demand).
    expect(nodePrice("g6.xlarge", "spot", "us-east-2")).toMatchObject({ usdPerHour: 0.2756, range: { low: 0.2599, high: 0.2756 } });
  });

  it("prices P-family Spot well below 60% of On-Demand, leaves out AZs without a discount, and warns for training pools", () => {
    // p5.48xlarge us-east-1: Spot per AZ 55.04, 19.2531, 21.1543, 55.04, 25.7522, 17.6289; the two at $55.04 are
    // On-Demand (no Spot capacity), so the range is $17.6289-$25.7522 (32-47% of On-Demand).
    expect(spotShares("p5.48xlarge", "us-east-1")).toMatchObject({ azs: 6, withoutDiscount: 2 });
    expect(nodePrice("p5.48xlarge", "spot")).toEqual({ usdPerHour: 25.7522, estimated: true, basis: "Spot estimate", range: { low: 17.6289, high: 25.7522 }, regional: true });
    // us-east-2: $11.2543-$11.9912 (20-22%).
    expect(nodePrice("p5.48xlarge", "spot", "us-east-2").usdPerHour).toBe(11.9912);
    const training = poolCost(pool({ name: "train-h100", capacityType: "spot" }));
    expect(training.warnings).toEqual([expect.stringMatching(/^training pool on Spot: AWS reclaims a Spot node with a two-minute notice.*; in us-east-1 2 of 6 AZs had no Spot discount/)]);
    // p5.4xlarge had no Spot price in us-east-1 at all: priced at On-Demand, said so.
    expect(nodePrice("p5.4xlarge", "spot")).toEqual({ usdPerHour: 6.88, estimated: true, basis: "Spot at On-Demand (no Spot price for us-east-1)", regional: true });
  });

  it("tells training pools by P family, name or labels", () => {
    expect(isTrainingPool({ name: "x", instanceType: "p4d.24xlarge", labels: {} })).toBe(true);
    expect(isTrainingPool({ name: "train-l4", instanceType: "g6.xlarge", labels: {} })).toBe(true);
    expect(isTrainingPool({ name: "x", instanceType: "g6.xlarge", labels: { workload: "training" } })).toBe(true);
    expect(isTrainingPool({ name: "infer-l4", instanceType: "g6.xlarge", labels: {} })).toBe(false);
  });

  it("prices On-Demand per region from the snapshot, sizes of a family by their table's ratio", () => {
    // p5.48xlarge ap-northeast-1: $68.80 in the snapshot (+25%); us-west-2 the same as us-east-1.
    expect(onDemandRate("p5.48xlarge", "ap-northeast-1")).toEqual({ usdPerHour: 68.8, regional: true });
    expect(onDemandRate("p5.48xlarge", "us-west-2")).toEqual({ usdPerHour: 55.04, regional: true });
    // g6.2xlarge ap-northeast-1: $0.9776 x (g6.xlarge $1.1672 / $0.8048) = $1.417812 (+45%).
    expect(onDemandRate("g6.2xlarge", "ap-northeast-1")).toEqual({ usdPerHour: 1.417812, regional: true });
    // m7i takes m6i's ratios: m7i.xlarge eu-central-1 = $0.2016 x ($0.92 / $0.768) = $0.2415.
    expect(onDemandRate("m7i.xlarge", "eu-central-1")).toEqual({ usdPerHour: 0.2415, regional: true });
    // A region the snapshot does not cover: the us-east-1 rate, marked.
    expect(onDemandRate("g6.xlarge", "sa-east-1")).toEqual({ usdPerHour: 0.8048, regional: false });
    expect(poolCost(pool({ instanceType: "g6.xlarge" }), "sa-east-1").warnings).toEqual(["no sa-east-1 price for g6.xlarge in the catalog: priced at us-east-1 rates"]);
  });

  it("has a regional On-Demand price wherever the catalog offers a type, but p5e (none anywhere) and m7i in two regions", () => {
    const missing = INSTANCE_TYPES.flatMap((type) =>
      type.regions.filter((region) => {
        const rate = onDemandRate(type.name, region);
        return !rate.regional || rate.usdPerHour === null;
      }).map((region) => `${type.name}@${region}`),
    );
    // m7i borrows m6i's ratios, and m6i is not offered in eu-south-2 and ap-southeast-4.
    expect(missing.filter((pair) => !pair.startsWith("p5e.48xlarge@"))).toEqual(["m7i.xlarge@eu-south-2", "m7i.xlarge@ap-southeast-4", "m7i.2xlarge@eu-south-2", "m7i.2xlarge@ap-southeast-4"]);
    // Each table's us-east-1 row is the catalog's own price (the catalog rounds to 4 digits); m6i.4xlarge, not in
    // the catalog, is 4 x m6i.xlarge ($0.192).
    const catalog = (name: string) => INSTANCE_TYPES.find((type) => type.name === name)?.onDemandUsdPerHour;
    for (const [table, rows] of Object.entries(REGIONAL_PRICES)) {
      expect(rows["us-east-1"].onDemand).toBeCloseTo(catalog(table) ?? 4 * catalog("m6i.xlarge")!, 3);
    }
  });

  it("shows MIG pools per GPU of slices, the unit their quotas count", () => {
    // p4d.24xlarge: $21.9576/h, 8 A100s, each cut into 3g + 2g + 2 x 1g: a quota unit is one GPU's worth of
    // those four slices, so $21.9576 / 8 = $2.7447 per unit-hour (not per slice: slices differ in size).
    const model = pool({ instanceType: "p4d.24xlarge", maxSize: 2, sharing: { mode: "mig", layout: { "3g.20gb": 1, "2g.10gb": 1, "1g.5gb": 2 } } });
    const cost = poolCost(model);
    expect(cost.quotaUnitsPerNode).toBe(8);
    expect(cost.quotaUnit).toBe("GPUs of MIG slices");
    expect(cost.usdPerQuotaUnitHour).toBeCloseTo(2.7447, 10);
    expect(cost.monthlyUsd).toEqual({ min: 0, max: 32058.096 });
    expect(guaranteedPhysicalGpus(model, 8)).toBe(8);
  });

  it("keeps Capacity Blocks out of usage: committed spend per reservation, with what the config does not say", () => {
    expect(nodePrice("p5.48xlarge", "capacity-block")).toEqual({ usdPerHour: 39.33, estimated: true, basis: "Capacity Block (committed)", regional: true, committed: true });
    expect(nodePrice("p5e.48xlarge", "capacity-block").usdPerHour).toBe(43.26);
    expect(nodePrice("p5e.48xlarge", "on-demand").usdPerHour).toBeNull();
    const cost = poolCost(pool({ instanceType: "p5e.48xlarge", capacityType: "capacity-block", capacityReservationId: "cr-0123456789abcdef0", minSize: 2, maxSize: 2 }), "us-east-2");
    expect(cost.monthlyUsd).toEqual({ min: 0, max: 0 });
    // 2 instances x $43.26 x 730 h = $63,159.60 per 730 h of block, for scale only.
    expect(cost.committed).toEqual({
      region: "us-east-2",
      pool: "p",
      instanceType: "p5e.48xlarge",
      reservationId: "cr-0123456789abcdef0",
      instances: 2,
      usdPerInstanceHour: 43.26,
      monthlyEquivalentUsd: 63159.6,
      unknown: "start and end dates, instance count and the fee paid are not in the config",
    });
  });

  it("adds the system pool as usage and the region's fixed costs apart", () => {
    // EKS $0.10 + 3 NAT x $0.045 + 3 NAT IPv4 x $0.005 + 3 endpoints x 3 AZs x $0.01 = $0.34/h x 730 = $248.20,
    // plus 2 KMS keys x $1 = $250.20; with one NAT gateway $0.24/h x 730 + $2 = $177.20.
    expect(regionOverheadMonthlyUsd("one-per-az")).toBe(250.2);
    expect(regionOverheadMonthlyUsd("single")).toBe(177.2);
    const cost = regionCost({ region: "us-east-1", natGateways: "single", systemPool: { instanceType: "m7i.xlarge", minSize: 2, maxSize: 3 }, pools: [pool({})] });
    // m7i.xlarge $0.2016/h x 2..3 nodes x 730 h = $294.336..$441.504
    expect(cost.systemPoolMonthlyUsd).toEqual({ min: 294.336, max: 441.504 });
    // usage: H100 pool 0..$160,716.80 + system = $294.336..$161,158.304
    expect(cost.usageMonthlyUsd).toEqual({ min: 294.336, max: 161158.304 });
    // root volumes: pool 0..4 x 200 GiB, system 2..3 x 50 GiB, at $0.08/GiB-month = $8..$76; fixed $185.20..$253.20
    expect(cost.fixed.find((item) => item.item === "EBS root volumes")!.monthlyUsd).toEqual({ min: 8, max: 76 });
    expect(cost.fixedMonthlyUsd).toEqual({ min: 185.2, max: 253.2 });
    expect(cost.totalMonthlyUsd).toEqual({ min: 479.536, max: 161411.504 });
    expect(cost.committed).toEqual([]);
  });

  it("says what each tenant's quota guarantees in physical GPUs: time-slicing multiplies units, not GPUs", () => {
    const l4 = pool({ name: "infer-l4", instanceType: "g6.xlarge", capacityType: "spot", minSize: 1, maxSize: 8, sharing: { mode: "time-slicing", replicas: 4 } });
    const h100 = pool({ name: "train-h100" });
    const quotas = tenantQuotaCosts(
      [
        { tenant: "research", pool: "infer-l4", nominal: 8 },
        { tenant: "research", pool: "train-h100", nominal: 24 },
      ],
      [l4, h100],
    );
    // 8 replicas of x4 time-sliced L4s = 2 GPUs; 8 x $0.100275 x 730 h = $585.606. 24 H100s = 24 GPUs; 24 x $6.88 x 730 = $120,537.60.
    expect(quotas).toEqual([
      { tenant: "research", pool: "infer-l4", units: 8, quotaUnit: "GPU replicas", physicalGpus: 2, monthlyAtFullUseUsd: 585.606 },
      { tenant: "research", pool: "train-h100", units: 24, quotaUnit: "GPUs", physicalGpus: 24, monthlyAtFullUseUsd: 120537.6 },
    ]);
  });
});

describe("npm run cost", () => {
  it("prints every region's pools, fixed costs apart, quotas in GPUs, totals and how prices were obtained", () => {
    const report = renderCostReport(["--config", DEFAULT_CONFIG_DIR]);
    expect(report).toContain("## us-east-1");
    expect(report).toContain("## us-west-2");
    expect(report).toContain("| train-h100 | p5.48xlarge | on-demand | $55.04 | exclusive | 8 | 8 gpu | 8 GPUs | $6.88 | $6.88 | 0-4 | $0.00 | $160,716.80 |");
    expect(report).toContain("| infer-l4 | g6.xlarge | spot | $0.4011 (est., Spot $0.349-$0.4011) | time-slicing x4 | 1 | 4 gpu | 4 GPU replicas | $0.1003 | $0.4011 | 1-8 | $292.80 | $2,342.42 |");
    // us-west-2's L4 Spot ran higher: $0.39-$0.4541.
    expect(report).toContain("| infer-l4 | g6.xlarge | spot | $0.4541 (est., Spot $0.39-$0.4541) |");
    expect(report).toContain("| system pool | m7i.xlarge | on-demand | $0.2016 |");
    expect(report).toContain("| fixed: NAT public IPv4 | 3 x $0.005/h |");
    expect(report).toContain("| research | infer-l4 | 8 GPU replicas | 2 | $585.61 |");
    expect(report).toMatch(/On-Demand Linux: us-east-1 from the catalog \(2026-07-20; .*other regions from skypilot-org\/skypilot-catalog catalogs\/v8\/aws\/vms\.csv at 00148f2/);
    expect(report).toContain("Spot is estimated per instance family and region");
    expect(report).toContain("Capacity Blocks are committed spend");
    expect(report).toContain("Not estimated (usage-based): S3 storage");
    const model = defaultModel();
    const east = regionCost({ ...model.regions[0].config, pools: model.regions[0].pools });
    expect(report).toContain(`**$${east.totalMonthlyUsd!.max.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}**`);
  });

  it("filters by region and rejects unknown ones", () => {
    const report = renderCostReport(["--region", "us-west-2", "--config", DEFAULT_CONFIG_DIR]);
    expect(report).not.toContain("## us-east-1");
    expect(() => renderCostReport(["--region", "mars-1", "--config", DEFAULT_CONFIG_DIR])).toThrow(UsageError);
  });
});
