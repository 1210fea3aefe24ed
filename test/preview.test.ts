import * as fs from "node:fs";
import * as path from "node:path";
import { differingPaths, planChanges, synthDiff } from "../lib/preview/changes";
import { COMMENT_LIMIT, COMMENT_MARKER, renderPreview } from "../lib/preview/render";
import { InputError, readSynthOutput } from "../lib/preview/synth-output";
import { KUBERNETES_VERSIONS } from "../lib/versions";
import { buildPreview } from "../tools/preview";
import { editYaml, REPO_ROOT, synthOf, tempDir } from "./helpers";

const PLANS = path.join(REPO_ROOT, "test/fixtures/plans");
const planText = (name: string) => fs.readFileSync(path.join(PLANS, name), "utf8");

const base = synthOf();

describe("plan JSON from terraform show -json", () => {
  it("gives Terraform's own summary line and the replaced and destroyed addresses", () => {
    const changes = planChanges(planText("create-update-replace-destroy.json"), "plan.json");
    // The line the real `terraform plan` printed when the fixture was made.
    expect(changes.summary).toBe(planText("create-update-replace-destroy.summary.txt").trim());
    expect(changes.changes.map((change) => [change.address, change.action])).toEqual([
      ["terraform_data.created", "create"],
      ["terraform_data.destroyed", "delete"],
      ["terraform_data.replaced", "replace"],
      ["terraform_data.updated", "update"],
    ]);
    expect(changes.changes.find((change) => change.action === "replace")!.paths).toEqual(["triggers_replace"]);
  });

  it("says so when nothing changes", () => {
    expect(planChanges(planText("no-changes.json"), "plan.json").summary).toBe("No changes. Your infrastructure matches the configuration.");
  });

  it("rejects what is not a plan JSON with a clear error", () => {
    expect(() => planChanges("Plan: 1 to add", "plan.txt")).toThrow(/plan\.txt: not valid JSON .*terraform show -json <planfile>/);
    const synthJson = fs.readFileSync(path.join(base, "stacks/fastgpu-us-east-1-infra/cdk.tf.json"), "utf8");
    expect(() => planChanges(synthJson, "cdk.tf.json")).toThrow(/cdk\.tf\.json: not a Terraform plan in JSON \(no format_version\)/);
    const wrongShape = planText("no-changes.json").replace('"resource_changes":[', '"resource_changes":{"x":[').replace(/\]\s*,\s*"output_changes"/, ']},"output_changes"');
    expect(() => planChanges(wrongShape, "odd.json")).toThrow(/odd\.json: (resource_changes is not a list|not valid JSON)/);
  });
});

describe("synth-against-synth diff", () => {
  it("finds nothing between two synths of the same config", () => {
    const again = readSynthOutput(synthOf(), "--head");
    const first = readSynthOutput(base, "--base");
    for (const [name, json] of first.stacks) expect(synthDiff(json, again.stacks.get(name)).changes).toEqual([]);
  });

  it("lists added, changed (with attribute paths) and removed resources of configs that differ", () => {
    const head = synthOf((dir) =>
      editYaml(path.join(dir, "regions/us-east-1.yaml"), (doc) => {
        doc.setIn(["gpuPools", 1, "maxSize"], 12);
        doc.deleteIn(["gpuPools", 2]); // remove the MIG pool
        doc.deleteIn(["quotas", "research", "mig-a100"]);
        doc.deleteIn(["quotas", "inference", "mig-a100"]);
      }),
    );
    const diff = synthDiff(readSynthOutput(base, "b").stacks.get("fastgpu-us-east-1-infra"), readSynthOutput(head, "h").stacks.get("fastgpu-us-east-1-infra"));
    const l4 = diff.changes.find((change) => change.address.startsWith("aws_eks_node_group.gpu-pool-infer-l4"))!;
    expect(l4).toMatchObject({ action: "update", paths: ["scaling_config.max_size"], likelyReplaced: false });
    const removed = diff.changes.filter((change) => change.action === "delete").map((change) => change.type);
    expect(removed).toEqual(expect.arrayContaining(["aws_eks_node_group", "aws_launch_template", "aws_autoscaling_group_tag"]));
    expect(diff.summary).toMatch(/^Synth diff: \d+ added, \d+ changed, \d+ removed\.$/);
  });

  it("flags a change the provider cannot update in place", () => {
    const head = synthOf((dir) => editYaml(path.join(dir, "regions/us-east-1.yaml"), (doc) => doc.setIn(["gpuPools", 1, "instanceType"], "g6.2xlarge")));
    const diff = synthDiff(readSynthOutput(base, "b").stacks.get("fastgpu-us-east-1-infra"), readSynthOutput(head, "h").stacks.get("fastgpu-us-east-1-infra"));
    expect(diff.changes.find((change) => change.address.startsWith("aws_eks_node_group.gpu-pool-infer-l4"))).toMatchObject({
      paths: expect.arrayContaining(["instance_types[0]"]),
      likelyReplaced: true,
    });
  });

  it("computes attribute paths through objects and lists", () => {
    expect(differingPaths({ a: { b: 1, c: [1, 2] }, "//": 1 }, { a: { b: 2, c: [1, 3] }, "//": 2 })).toEqual(["a.b", "a.c[1]"]);
    expect(differingPaths({ a: [1] }, { a: [1, 2] })).toEqual(["a"]);
  });
});

describe("npm run preview", () => {
  it("reports a real plan for a stack given --plan, synth diffs for the others, capacity, cost and version bumps", () => {
    const head = synthOf((dir) =>
      editYaml(path.join(dir, "regions/us-east-1.yaml"), (doc) => {
        doc.setIn(["gpuPools", 1, "maxSize"], 12);
        doc.set("kubernetesVersion", "1.36");
      }),
    );
    const { markdown } = buildPreview(["--base", base, "--head", head, "--plan", `fastgpu-us-west-2-infra=${path.join(PLANS, "create-update-replace-destroy.json")}`]);
    expect(markdown.startsWith(`${COMMENT_MARKER}\n`)).toBe(true);
    expect(markdown).toContain("| us-west-2 | `fastgpu-us-west-2-infra` | Plan: 2 to add, 1 to change, 2 to destroy. |");
    expect(markdown).toMatch(/\| us-east-1 \| `fastgpu-us-east-1-infra` \| Synth diff: 0 added, \d+ changed, 0 removed\. \|/);
    // infer-l4: max 8 -> 12 nodes of one L4 with 4 replicas each.
    expect(markdown).toContain("| us-east-1 | infer-l4 | 1-8 x L4 | 1-12 x L4 | 4-32 gpu (time-slicing x4: replicas, not GPUs) | 4-48 gpu (time-slicing x4: replicas, not GPUs) | **changed** |");
    // 4 more g6.xlarge spot nodes at the highest discounted us-east-1 AZ Spot price ($0.4011) for 730 hours, plus
    // their 200 GiB gp3 root volumes at $0.08 per GiB-month.
    const added = 4 * 0.4011 * 730 + 4 * 200 * 0.08;
    expect(markdown).toContain(`+$${added.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`);
    expect(markdown).toContain("| us-east-1: EKS Kubernetes | 1.35 | 1.36 |");
    expect(markdown).toContain(`| us-east-1: image cluster-autoscaler | ${KUBERNETES_VERSIONS["1.35"].clusterAutoscalerImageTag} | ${KUBERNETES_VERSIONS["1.36"].clusterAutoscalerImageTag} |`);
    expect(markdown).toContain("replaced `terraform_data.replaced`: triggers_replace");
  });

  it("calls out destroyed stateful resources first", () => {
    const head = synthOf((dir) =>
      editYaml(path.join(dir, "regions/us-east-1.yaml"), (doc) => {
        doc.deleteIn(["gpuPools", 2]);
        doc.deleteIn(["quotas", "research", "mig-a100"]);
        doc.deleteIn(["quotas", "inference", "mig-a100"]);
      }),
    );
    const { markdown } = buildPreview(["--base", base, "--head", head]);
    const caution = markdown.indexOf("> [!WARNING]");
    expect(caution).toBeGreaterThan(0);
    expect(caution).toBeLessThan(markdown.indexOf("### Changes"));
    expect(markdown).toMatch(/> - pool mig-a100: `aws_eks_node_group\.gpu-pool-mig-a100_node-group_\w+` destroyed: EKS drains and deletes up to 2 node\(s\); running jobs are evicted/);
  });

  it("shows n/a for a base pool whose instance type this catalog no longer lists, instead of failing", () => {
    const { input } = buildPreview(["--base", base, "--head", base]);
    const regions = input.regions.map((region) => {
      if (region.region !== "us-east-1" || !("facts" in region.before)) return region;
      const facts = region.before.facts;
      return { ...region, before: { facts: { ...facts, gpuPools: facts.gpuPools.map((pool, index) => (index === 0 ? { ...pool, instanceType: "p9.96xlarge" } : pool)) } } };
    });
    const markdown = renderPreview({ ...input, regions });
    expect(markdown).toContain('| us-east-1 | train-h100 | n/a (catalog: unknown instance type "p9.96xlarge") | 0-32 x H100 80GB HBM3 | n/a | 0-32 gpu | **changed** |');
    expect(markdown).toMatch(/\| us-east-1 \| n\/a \(catalog: unknown instance type "p9\.96xlarge"\) \| \$[\d,.]+ \| {2}\|/);
    // On the head side, which this catalog validated, the same error is a bug: it fails the preview.
    const brokenHead = regions.map((region) => ({ ...region, before: region.after, after: region.before }));
    expect(() => renderPreview({ ...input, regions: brokenHead })).toThrow(/unknown instance type "p9\.96xlarge"/);
  });

  it("writes the counts the workflow labels the PR with", () => {
    const summaryFile = path.join(tempDir(), "summary.json");
    buildPreview(["--base", base, "--head", base, "--json-summary", summaryFile]);
    const summary = JSON.parse(fs.readFileSync(summaryFile, "utf8"));
    expect(summary.statefulDestroys).toBe(0);
    expect(summary.stacks).toHaveLength(4);
  });

  it("rejects missing directories, bad --plan arguments and unknown stacks, naming what to pass", () => {
    expect(() => buildPreview(["--base", "/nonexistent", "--head", base])).toThrow(/--base \/nonexistent: directory not found; pass the output directory of `cdktf synth`/);
    expect(() => buildPreview(["--base", base, "--head", path.join(REPO_ROOT, "config")])).toThrow(InputError);
    expect(() => buildPreview(["--base", base, "--head", base, "--plan", "fastgpu-eu-west-9-infra=x.json"])).toThrow(
      /stack "fastgpu-eu-west-9-infra" is not in the head synth .*; stacks: fastgpu-us-east-1-infra, /,
    );
    expect(() => buildPreview(["--base", base, "--head", base, "--plan", "plan.json"])).toThrow(/expected <stack>=<plan\.json>/);
    expect(() => buildPreview(["--base", base, "--head", base, "--plan", `fastgpu-us-east-1-infra=${path.join(REPO_ROOT, "package.json")}`])).toThrow(
      /package\.json: not a Terraform plan in JSON/,
    );
    expect(() => buildPreview(["--head", base])).toThrow(/--base and --head are required/);
  });

  it("stays under GitHub's comment limit by folding details, keeping the whole summary", () => {
    // Renaming the fleet renames every cluster, bucket, role and node group; repeated over 30 regions'
    // worth of stacks that is thousands of changes.
    const renamed = synthOf((dir) => editYaml(path.join(dir, "fleet.yaml"), (doc) => doc.set("name", "renamed")));
    const { input } = buildPreview(["--base", base, "--head", renamed]);
    const stacks = Array.from({ length: 30 }, (_, copy) =>
      input.stacks.map((stack) => ({ ...stack, name: `${stack.name}-copy${copy}`, region: `${stack.region}-copy${copy}` })),
    ).flat();
    const markdown = renderPreview({ ...input, stacks });
    expect(stacks.reduce((sum, stack) => sum + stack.changes.changes.length, 0)).toBeGreaterThan(2000);
    expect(markdown.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    for (const stack of stacks) expect(markdown).toContain(`\`${stack.name}\` | ${stack.changes.summary} |`);
    expect(markdown).toContain("### GPU capacity");
    expect(markdown).toContain("> [!CAUTION]");
    expect(markdown).toMatch(/not shown \(GitHub's comment limit\)/);
  });
});
