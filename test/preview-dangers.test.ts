import * as fs from "node:fs";
import * as path from "node:path";
import { planChanges } from "../lib/preview/changes";
import { classifyDangers, followReferences, helmValueChanges, type Danger, type RegionPreview, type StackPreview } from "../lib/preview/dangers";
import type { RegionFacts } from "../lib/preview/region-facts";
import { COMMENT_LIMIT, COMMENT_MARKER, renderPreview, type PreviewInput } from "../lib/preview/render";
import { readSynthOutput } from "../lib/preview/synth-output";
import { buildPreview } from "../tools/preview";
import { editYaml, REPO_ROOT, synthOf } from "./helpers";

const PLANS = path.join(REPO_ROOT, "test/fixtures/plans");

/** What `npm run preview` builds: both synth outputs ride along, so Helm objects are compared and references followed. */
function previewOf(base: string, head: string, extra: string[] = []): { input: PreviewInput; dangers: Danger[]; markdown: string } {
  const { input, markdown } = buildPreview(["--base", base, "--head", head, ...extra]);
  expect(input.synth).toBeDefined();
  return { input, dangers: classifyDangers(input), markdown };
}

const of = (dangers: readonly Danger[], kind: string, region?: string) => dangers.filter((danger) => danger.kind === kind && (region === undefined || danger.region === region));
const dangerSection = (markdown: string) => markdown.slice(0, markdown.indexOf("### Changes"));

// Synth is slow: one base and four heads, each head carrying several dangers at once.
const base = synthOf();
/** us-east-1: Kubernetes 1.36, train-h100 minSize 0 -> 2, checkpoints expiry 180 -> 30 days, artifacts versioning off,
 *  infer-l4 root volume 200 -> 300 GiB (launch template), mig-a100 on Spot; us-west-2: VPC CIDR; tenant inference removed. */
const many = synthOf((dir) => {
  editYaml(path.join(dir, "fleet.yaml"), (doc) => doc.deleteIn(["tenants", 1]));
  editYaml(path.join(dir, "regions/us-east-1.yaml"), (doc) => {
    doc.set("kubernetesVersion", "1.36");
    doc.setIn(["gpuPools", 0, "minSize"], 2);
    doc.setIn(["gpuPools", 1, "rootVolumeGiB"], 300);
    doc.setIn(["gpuPools", 2, "capacityType"], "spot");
    doc.setIn(["buckets", "checkpoints", "expireAfterDays"], 30);
    doc.setIn(["buckets", "artifacts", "versioning"], false);
    doc.deleteIn(["buckets", "artifacts", "noncurrentVersionExpireAfterDays"]);
    doc.deleteIn(["quotas", "inference"]);
  });
  editYaml(path.join(dir, "regions/us-west-2.yaml"), (doc) => {
    doc.set("vpcCidr", "10.42.0.0/16");
    doc.deleteIn(["quotas", "inference"]);
  });
});
const renamed = synthOf((dir) => editYaml(path.join(dir, "fleet.yaml"), (doc) => doc.set("name", "fastgpu2")));
const withoutWest = synthOf((dir) => fs.rmSync(path.join(dir, "regions/us-west-2.yaml")));
/** us-east-1: Kubernetes 1.34 (a downgrade), train-h100 exclusive -> time-slicing x2, train-h100 maxSize 4 -> 16;
 *  us-west-2: a new pool of two p5e.48xlarge in a Capacity Block. */
const downgraded = synthOf((dir) => {
  editYaml(path.join(dir, "regions/us-east-1.yaml"), (doc) => {
    doc.set("kubernetesVersion", "1.34");
    doc.setIn(["gpuPools", 0, "sharing"], doc.createNode({ mode: "time-slicing", replicas: 2 }));
    doc.setIn(["gpuPools", 0, "maxSize"], 16);
  });
  editYaml(path.join(dir, "regions/us-west-2.yaml"), (doc) => {
    const block = { name: "train-h200", instanceType: "p5e.48xlarge", capacityType: "capacity-block", capacityReservationId: "cr-0123456789abcdef0" };
    doc.addIn(["gpuPools"], doc.createNode({ ...block, availabilityZones: ["us-west-2a"], minSize: 2, maxSize: 2, rootVolumeGiB: 500, sharing: { mode: "exclusive" } }));
  });
});

const manyPreview = previewOf(base, many);

describe("data dangers", () => {
  it("says a fleet rename moves every stack to new, empty state and builds a second fleet, with the cost of both", () => {
    const { dangers, markdown } = previewOf(base, renamed);
    const moved = of(dangers, "state-moved");
    expect(moved.map((danger) => danger.region)).toEqual(["us-east-1", "us-west-2"]);
    expect(moved[0].message).toContain("s3://fastgpu-tfstate-123456789012/fastgpu/us-east-1/fastgpu-us-east-1-infra.tfstate (us-east-1) -> s3://fastgpu-tfstate-123456789012/fastgpu2/us-east-1/");
    expect(moved[0].message).toMatch(/second copy of the region .* the first keeps running, unmanaged\. Cost of both: \$[\d,.]+-\$[\d,.]+ \(old, still running\) \+ .* = \$[\d,.]+-\$[\d,.]+ per month/);
    // The renamed buckets and cluster are not "replaced": the state-moved danger explains them instead.
    expect(of(dangers, "stateful-destroy")).toEqual([]);
    expect(markdown).toMatch(/> \[!CAUTION\]\n> \*\*Data: 2 danger\(s\)\*\*/);
    // The headline counts both copies: the bill doubles.
    expect(markdown).toMatch(/Monthly cost of the fleet at max size: up \$[\d,.]+ \(\+100%\)/);
    // Without the synth outputs (what `npm run preview` has), the facts say the same.
    const facts = buildPreview(["--base", base, "--head", renamed]).markdown;
    expect(dangerSection(facts)).toContain("state moves for `fastgpu-us-east-1-infra`, `fastgpu-us-east-1-platform`");
  });

  it("says a removed region is no longer managed, not destroyed, and keeps billing", () => {
    const { dangers, markdown } = previewOf(base, withoutWest);
    const [unmanaged] = of(dangers, "region-unmanaged");
    expect(unmanaged).toMatchObject({ class: "data", region: "us-west-2" });
    expect(unmanaged.message).toContain("no longer managed — destroy its stacks before merging");
    expect(unmanaged.message).toContain("nothing is destroyed");
    expect(unmanaged.message).toContain("`npx cdktf destroy fastgpu-us-west-2-platform fastgpu-us-west-2-infra`");
    expect(unmanaged.message).toMatch(/keep running and billing \(\$827\.03-\$82,459\.08 per month/);
    expect(dangers.filter((danger) => danger.region === "us-west-2" && danger.kind !== "region-unmanaged")).toEqual([]);
    expect(markdown).toContain("still billed: $0.00 in the config until destroyed");
    expect(dangerSection(buildPreview(["--base", base, "--head", withoutWest]).markdown)).toContain("no longer managed — destroy its stacks before merging");
  });

  it("names what a removed tenant loses and what our chart keeps, object by object", () => {
    const removed = of(manyPreview.dangers, "tenant-removed");
    expect(removed.map((danger) => danger.region)).toEqual(["us-east-1", "us-west-2"]);
    expect(removed[0].message).toMatch(/deletes .*`ClusterQueue\/inference`.*`LocalQueue\/inference\/default`/);
    expect(removed[0].message).toMatch(/keeps `Namespace\/inference`, `NetworkPolicy\/inference\/default-deny`.*\(`helm\.sh\/resource-policy: keep`\)/);
    // The tenancy release's values, diffed by object in the details, not "values[0]".
    expect(manyPreview.markdown).toMatch(/changed `helm_release\.fastgpu-tenancy_release_\w+`: \d+ object change\(s\)\n(  - .*\n)*  - deletes `ClusterQueue\/inference`/);
    expect(manyPreview.markdown).toContain("  - kept `Namespace/inference` (removed from the chart; `helm.sh/resource-policy: keep` leaves it in the cluster)");
    // Facts alone (no synth outputs) name the same objects.
    const facts = classifyDangers(buildPreview(["--base", base, "--head", many]).input);
    expect(of(facts, "tenant-removed", "us-east-1")[0].message).toContain("`ClusterQueue/inference`");
  });

  it("names the bucket and field when retention is cut or versioning turned off", () => {
    const east = manyPreview.dangers.filter((danger) => danger.region === "us-east-1");
    expect(of(east, "versioning-off")).toEqual([expect.objectContaining({ subject: "artifacts bucket", field: "buckets.artifacts.versioning" })]);
    expect(of(east, "retention-cut")).toEqual([expect.objectContaining({ subject: "checkpoints bucket", field: "buckets.checkpoints.expireAfterDays" })]);
    expect(of(east, "retention-cut")[0].message).toContain("180 -> 30: objects older than 30 days are deleted");
  });
});

describe("capacity dangers", () => {
  it("says a Kubernetes bump rolls every node group and add-on, and that it cannot be undone", () => {
    const [upgrade] = of(manyPreview.dangers, "k8s-upgrade");
    expect(upgrade.region).toBe("us-east-1");
    expect(upgrade.message).toContain("`kubernetesVersion` 1.35 -> 1.36");
    expect(upgrade.message).toContain("irreversible");
    expect(upgrade.message).toMatch(/`train-h100` up to 4, `infer-l4` up to 8, `mig-a100` up to 2, `system` up to 4 node\(s\)/);
    expect(upgrade.message).toContain("`coredns`, `eks-pod-identity-agent`, `kube-proxy`, `vpc-cni`");
  });

  it("refuses a downgrade as impossible", () => {
    const { dangers } = previewOf(base, downgraded);
    expect(of(dangers, "k8s-downgrade")).toEqual([expect.objectContaining({ region: "us-east-1", field: "kubernetesVersion" })]);
    expect(of(dangers, "k8s-downgrade")[0].message).toContain("EKS cannot downgrade a cluster; the apply fails");
  });

  it("says a launch-template change rolls the pool's nodes, naming the pool and field", () => {
    const [rollout] = of(manyPreview.dangers, "rollout", "us-east-1").filter((danger) => danger.subject === "pool infer-l4");
    expect(rollout.message).toContain("pool `infer-l4`: its launch template changes (`block_device_mappings[].ebs.volume_size`)");
    expect(rollout.message).toContain("rolls up to 8 node(s)");
  });

  it("warns that a minSize raise above the current desired size is rejected at apply", () => {
    const [raise] = of(manyPreview.dangers, "min-above-desired");
    expect(raise).toMatchObject({ region: "us-east-1", subject: "pool train-h100", field: "minSize" });
    expect(raise.message).toContain("`minSize` 0 -> 2: the apply fails unless the node group already runs 2 or more nodes");
    expect(raise.message).toContain("--cluster-name fastgpu-us-east-1 --nodegroup-name fastgpu-train-h100");
  });

  it("follows a CIDR change through references to everything that is replaced with the VPC", () => {
    const [cidr] = of(manyPreview.dangers, "cidr-change");
    expect(cidr.region).toBe("us-west-2");
    expect(cidr.message).toContain("`vpcCidr` 10.41.0.0/16 -> 10.42.0.0/16");
    expect(cidr.message).toMatch(/through references it also replaces .*1 aws_eks_cluster.*aws_eks_node_group.*aws_subnet/);
    // One danger, not one per subnet.
    expect(of(manyPreview.dangers, "replaced-by-reference", "us-west-2")).toEqual([]);
    const json = readSynthOutput(many, "h").stacks.get("fastgpu-us-west-2-infra");
    const vpc = Object.keys(json?.resource?.aws_vpc ?? {}).map((name) => `aws_vpc.${name}`);
    const { replaced } = followReferences(json, vpc);
    expect([...replaced.keys()].some((address) => address.startsWith("aws_eks_cluster."))).toBe(true);
    expect(replaced.get([...replaced.keys()].find((address) => address.startsWith("aws_eks_cluster."))!)).toMatch(/^vpc_config\.subnet_ids -> aws_subnet\./);
  });

  it("warns when a training pool goes to Spot, and names the node group replaced by it", () => {
    expect(of(manyPreview.dangers, "spot-training")).toEqual([expect.objectContaining({ region: "us-east-1", subject: "pool mig-a100" })]);
    expect(of(manyPreview.dangers, "stateful-destroy", "us-east-1").map((danger) => danger.message).join("\n")).toMatch(/pool mig-a100: `aws_eks_node_group\.gpu-pool-mig-a100_node-group_\w+` likely replaced: `capacity_type`/);
  });

  it("says when a sharing change makes the same quotas guarantee fewer physical GPUs", () => {
    const { dangers, markdown } = previewOf(base, downgraded);
    expect(of(dangers, "quota-unit-changed")[0].message).toContain("inference 8 -> 4 GPUs, research 24 -> 12 GPUs");
    expect(markdown).toContain("| us-east-1 | research | train-h100 | 24 GPUs -> 24 GPU replicas | 24 -> 12 |");
    expect(markdown).toMatch(/\| 0-32 gpu \| 0-256 gpu \(time-slicing x2: replicas, not GPUs\) \|/);
  });
});

describe("cost dangers", () => {
  it("shows a Capacity Block as committed spend per reservation, outside the monthly totals", () => {
    const { dangers, markdown } = previewOf(base, downgraded);
    expect(of(dangers, "capacity-block")).toEqual([expect.objectContaining({ class: "cost", region: "us-west-2", subject: "pool train-h200", field: "capacityReservationId" })]);
    expect(of(dangers, "capacity-block")[0].message).toContain("committed spend, paid up front when the block was bought (not in the monthly totals)");
    // 2 x p5e.48xlarge at the last published $43.26/h: $63,159.60 per 730 h of block, for scale; the dates are unknown.
    expect(markdown).toContain("| us-west-2 | train-h200 | `cr-0123456789abcdef0` | 2 x p5e.48xlarge | $43.26 (last published; indicative) | $63,159.60 | start and end dates, instance count and the fee paid are not in the config |");
    expect(markdown).toContain("1 Capacity Block pool(s) are committed spend, listed apart and not in these totals");
    // Only its root volumes (2 x 500 GiB x $0.08 = $80) count as monthly spend.
    expect(markdown).toMatch(/\| us-west-2 \| \$827\.03 \| \$907\.03 \| \+\$80\.00 \(\+9\.7%\) \|/);
  });


  it("names a large rise of the ceiling with its percentage", () => {
    const { dangers } = previewOf(base, downgraded);
    // train-h100 4 -> 16 nodes: +12 x $55.04 x 730 h node hours, +12 x 500 GiB x $0.08 root volumes.
    const rise = 12 * 55.04 * 730 + 12 * 500 * 0.08;
    expect(of(dangers, "cost-ceiling")[0].message).toContain(`rises by $${rise.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`);
  });
});

describe("the danger list", () => {
  it("comes first, ordered data -> capacity -> cost, grouped by region", () => {
    const { markdown, dangers } = manyPreview;
    const classes = dangers.map((danger) => danger.class);
    expect(classes).toEqual([...classes].sort((a, b) => ["data", "capacity", "cost"].indexOf(a) - ["data", "capacity", "cost"].indexOf(b)));
    const caution = markdown.indexOf("> [!CAUTION]");
    const warning = markdown.indexOf("> [!WARNING]");
    expect(caution).toBeGreaterThan(0);
    expect(warning).toBeGreaterThan(caution);
    expect(warning).toBeLessThan(markdown.indexOf("### Changes"));
    expect(markdown.split("\n")[1]).toMatch(/^<!-- fastgpu-dangers data=\d+ capacity=\d+ cost=\d+ stateful=\d+ -->$/);
  });

  it("reads plan JSON: rollouts, replaced node groups and buckets, destroyed keys and versioning", () => {
    const fixture = path.join(PLANS, "danger-rollout-replace-destroy.json");
    const plan = planChanges(fs.readFileSync(fixture, "utf8"), "plan.json");
    expect(plan.summary).toBe(fs.readFileSync(path.join(PLANS, "danger-rollout-replace-destroy.summary.txt"), "utf8").trim());
    const { dangers } = previewOf(base, base, ["--plan", `fastgpu-us-east-1-infra=${fixture}`]);
    const east = dangers.filter((danger) => danger.region === "us-east-1");
    expect(of(east, "rollout")).toEqual([expect.objectContaining({ subject: "pool train-h100" })]);
    const stateful = of(east, "stateful-destroy");
    expect(stateful.map((danger) => [danger.class, danger.subject])).toEqual(
      expect.arrayContaining([
        ["data", "checkpoints bucket"],
        ["data", "aws_kms_key.data-key"],
        ["capacity", "pool infer-l4"],
      ]),
    );
    expect(stateful.find((danger) => danger.subject === "pool infer-l4")!.message).toContain("replaced (`triggers_replace`)");
    expect(of(east, "versioning-off")).toEqual([expect.objectContaining({ subject: "artifacts bucket" })]);
  });

  it("names what a plan stops managing without destroying, and leaves deposed leftovers out", () => {
    const forgotten = previewOf(base, base, ["--plan", `fastgpu-us-east-1-infra=${path.join(PLANS, "moved-imported-forgotten.json")}`]);
    const [forget] = of(forgotten.dangers, "forgotten");
    expect(forget).toMatchObject({ class: "data", region: "us-east-1" });
    expect(forget.message).toContain("keeps running and billing with nothing managing it");
    expect(forgotten.markdown).toMatch(/- moved `terraform_data\.\w+`/);
    const deposed = previewOf(base, base, ["--plan", `fastgpu-us-east-1-infra=${path.join(PLANS, "deposed.json")}`]);
    expect(of(deposed.dangers, "stateful-destroy")).toEqual([]);
    expect(deposed.markdown).toMatch(/  - Terraform: .*deposed object/);
  });

  it("diffs Helm values of upstream charts by value path", () => {
    expect(helmValueChanges(["a:\n  b: 1\nc: 2\n"], ["a:\n  b: 2\nc: 2\n"])).toEqual({ paths: ["a.b"] });
    expect(helmValueChanges(["objects:\n  - {kind: Namespace, metadata: {name: x}}\n"], ["objects: []\n"])).toEqual({
      objects: [{ object: "Namespace/x", action: "removed", fields: [], kept: false }],
    });
  });
});

describe("GitHub's comment limit", () => {
  /** 50 regions x 10 pools, every pool and region changed: a Kubernetes bump, 10 launch templates and a bigger maxSize each. */
  function fleetOf(regions: number, pools: number): PreviewInput {
    const facts = (region: string, version: string, maxSize: number): RegionFacts => ({
      region,
      kubernetesVersion: version,
      natGateways: "one-per-az",
      systemPool: { instanceType: "m7i.xlarge", minSize: 2, maxSize: 4 },
      gpuPools: Array.from({ length: pools }, (_, index) => ({
        name: `pool-${index}`,
        instanceType: index % 2 === 0 ? "p5.48xlarge" : "g6.xlarge",
        capacityType: index % 2 === 0 ? ("on-demand" as const) : ("spot" as const),
        minSize: 0,
        maxSize,
        rootVolumeGiB: 200,
        labels: {},
        sharing: index % 2 === 0 ? { mode: "exclusive" as const } : { mode: "time-slicing" as const, replicas: 4 },
      })),
    });
    const names = Array.from({ length: regions }, (_, index) => `zz-region-${index + 1}`);
    const regionPreviews: RegionPreview[] = names.map((region) => ({ region, before: { facts: facts(region, "1.35", 4) }, after: { facts: facts(region, "1.36", 8) } }));
    const stacks: StackPreview[] = names.flatMap((region) => [
      {
        name: `fastgpu-${region}-infra`,
        region,
        kind: "infra",
        changes: {
          source: "synth" as const,
          summary: `Synth diff: 0 added, ${pools * 2 + 1} changed, 0 removed.`,
          changes: [
            { address: "aws_eks_cluster.eks_cluster_55B0C966", type: "aws_eks_cluster", action: "update" as const, paths: ["version"], likelyReplaced: false },
            ...Array.from({ length: pools }, (_, index) => [
              { address: `aws_launch_template.gpu-pool-pool-${index}_launch-template_ABCDEF12`, type: "aws_launch_template", action: "update" as const, paths: ["tag_specifications[0].tags.owner"], likelyReplaced: false },
              { address: `aws_eks_node_group.gpu-pool-pool-${index}_node-group_ABCDEF12`, type: "aws_eks_node_group", action: "update" as const, paths: ["scaling_config.max_size"], likelyReplaced: false },
            ]).flat(),
          ],
        },
      },
      { name: `fastgpu-${region}-platform`, region, kind: "platform", changes: { source: "synth" as const, summary: "Synth diff: 0 added, 1 changed, 0 removed.", changes: [{ address: "helm_release.cluster-autoscaler_release_AA634CEF", type: "helm_release", action: "update" as const, paths: ["values[0]"], likelyReplaced: false }] } },
    ]);
    return { stacks, regions: regionPreviews, versions: names.map((region) => ({ component: `${region}: EKS Kubernetes`, before: "1.35", after: "1.36" })) };
  }

  it("stays under it at 50 regions x 10 pools, with every region's dangers, every stack and the cost headline", () => {
    const input = fleetOf(50, 10);
    const markdown = renderPreview(input);
    expect(markdown.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(markdown.startsWith(`${COMMENT_MARKER}\n`)).toBe(true);
    const dangers = dangerSection(markdown);
    for (const region of input.regions) expect(dangers).toContain(`**${region.region}**`);
    for (const stack of input.stacks) expect(markdown).toContain(`\`${stack.name}\` | ${stack.changes.summary} |`);
    expect(markdown).toMatch(/\*\*Monthly cost of the fleet at max size: up \$[\d,.]+ \(\+\d+%\)/);
    expect(markdown).toContain("### GPU capacity");
  });
});
