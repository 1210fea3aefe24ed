import { parseCidr } from "../lib/config/schema";
import { planSubnets } from "../lib/network-plan";

function range(cidr: string): [number, number] {
  const { address, prefix } = parseCidr(cidr)!;
  return [address, address + 2 ** (32 - prefix) - 1];
}

describe("subnet plan", () => {
  it.each(["10.40.0.0/16", "172.16.0.0/18", "10.1.16.0/20"])("splits %s into disjoint subnets inside the VPC", (vpc) => {
    const plan = planSubnets(vpc);
    const [vpcStart, vpcEnd] = range(vpc);
    const ranges = [...plan.private, ...plan.public].map(range).sort((a, b) => a[0] - b[0]);
    expect(ranges).toHaveLength(6);
    for (const [start, end] of ranges) {
      expect(start).toBeGreaterThanOrEqual(vpcStart);
      expect(end).toBeLessThanOrEqual(vpcEnd);
    }
    for (let i = 1; i < ranges.length; i++) expect(ranges[i][0]).toBeGreaterThan(ranges[i - 1][1]);
  });

  it("gives nodes the large subnets", () => {
    expect(planSubnets("10.40.0.0/16")).toEqual({
      private: ["10.40.0.0/18", "10.40.64.0/18", "10.40.128.0/18"],
      public: ["10.40.192.0/21", "10.40.200.0/21", "10.40.208.0/21"],
    });
  });
});
