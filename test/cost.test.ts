import type { GpuPoolConfig } from "../lib/config/schema";
import { nodePrice, poolCost, regionCost, regionOverheadMonthlyUsd } from "../lib/cost";
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
  it("prices an exclusive On-Demand H100 pool", () => {
    // p5.48xlarge: $55.04/h (us-east-1, 2026-07-20), 8 GPUs; 4 nodes x 730 h.
    const cost = poolCost(pool({}));
    expect(cost.price).toEqual({ usdPerHour: 55.04, estimated: false, basis: "On-Demand" });
    expect(cost.usdPerQuotaUnitHour).toBeCloseTo(6.88, 10);
    expect(cost.monthlyUsd).toEqual({ min: 0, max: 160716.8 });
  });

  it("estimates Spot at 60% of On-Demand and divides by time-slice replicas", () => {
    // g6.xlarge: $0.8048/h; spot estimate 0.48288; 4 replicas per L4 -> 0.12072 per replica-hour.
    const cost = poolCost(pool({ instanceType: "g6.xlarge", capacityType: "spot", minSize: 1, maxSize: 8, sharing: { mode: "time-slicing", replicas: 4 } }));
    expect(cost.price.estimated).toBe(true);
    expect(cost.price.usdPerHour).toBeCloseTo(0.48288, 10);
    expect(cost.usdPerQuotaUnitHour).toBeCloseTo(0.12072, 10);
    expect(cost.monthlyUsd).toEqual({ min: 352.5, max: 2820.02 });
  });

  it("prices MIG pools per GPU of slices, the unit their quotas count", () => {
    // p4d.24xlarge: $21.9576/h, 8 A100s, each cut into 3g + 2g + 2 x 1g: a quota unit is one GPU's worth of
    // those four slices, so $21.9576 / 8 = $2.7447 per unit-hour (not per slice: slices differ in size).
    const cost = poolCost(pool({ instanceType: "p4d.24xlarge", maxSize: 2, sharing: { mode: "mig", layout: { "3g.20gb": 1, "2g.10gb": 1, "1g.5gb": 2 } } }));
    expect(cost.quotaUnitsPerNode).toBe(8);
    expect(cost.quotaUnit).toBe("GPUs of MIG slices");
    expect(cost.usdPerQuotaUnitHour).toBeCloseTo(2.7447, 10);
    expect(cost.monthlyUsd).toEqual({ min: 0, max: 32058.1 });
  });

  it("prices Capacity Blocks, including a type sold only that way", () => {
    expect(nodePrice("p5.48xlarge", "capacity-block")).toEqual({ usdPerHour: 55.04, estimated: true, basis: "Capacity Block estimate" });
    expect(nodePrice("p5e.48xlarge", "capacity-block").usdPerHour).toBe(43.26);
    expect(nodePrice("p5e.48xlarge", "on-demand").usdPerHour).toBeNull();
  });

  it("adds the system pool and the region overhead", () => {
    // EKS $0.10 + 3 NAT x $0.045 + 3 endpoints x 3 AZs x $0.01 = $0.325/h; with one NAT, $0.235/h.
    expect(regionOverheadMonthlyUsd("one-per-az")).toBe(237.25);
    expect(regionOverheadMonthlyUsd("single")).toBe(171.55);
    const cost = regionCost({ region: "us-east-1", natGateways: "single", systemPool: { instanceType: "m7i.xlarge", minSize: 2, maxSize: 3 }, pools: [pool({})] });
    // m7i.xlarge $0.2016/h x 2..3 nodes x 730 h = 294.34..441.50
    expect(cost.systemPoolMonthlyUsd).toEqual({ min: 294.34, max: 441.5 });
    expect(cost.totalMonthlyUsd).toEqual({ min: 465.89, max: 161329.85 });
  });
});

describe("npm run cost", () => {
  it("prints every region's pools, totals and how prices were obtained", () => {
    const report = renderCostReport(["--config", DEFAULT_CONFIG_DIR]);
    expect(report).toContain("## us-east-1");
    expect(report).toContain("## us-west-2");
    expect(report).toContain("| train-h100 | p5.48xlarge | on-demand | $55.04 | exclusive | 8 | 8 gpu | 8 GPUs | $6.88 | 0-4 | $0.00 | $160,716.80 |");
    expect(report).toContain("| infer-l4 | g6.xlarge | spot | $0.4829 (est.) | time-slicing x4 | 1 | 4 gpu | 4 GPU replicas | $0.1207 | 1-8 | $352.50 | $2,820.02 |");
    expect(report).toMatch(/On-Demand Linux prices of us-east-1 \(2026-07-20; /);
    expect(report).toContain("Spot is estimated at 60% of On-Demand");
    expect(report).toContain("Capacity Blocks are estimated");
    const model = defaultModel();
    const east = regionCost({ ...model.regions[0].config, pools: model.regions[0].pools });
    expect(report).toContain(`**$${east.totalMonthlyUsd!.max.toLocaleString("en-US", { minimumFractionDigits: 2 })}**`);
  });

  it("filters by region and rejects unknown ones", () => {
    const report = renderCostReport(["--region", "us-west-2", "--config", DEFAULT_CONFIG_DIR]);
    expect(report).not.toContain("## us-east-1");
    expect(() => renderCostReport(["--region", "mars-1", "--config", DEFAULT_CONFIG_DIR])).toThrow(UsageError);
  });
});
