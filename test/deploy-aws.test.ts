/**
 * Deployable on real AWS (issue 13, Terraform review findings F1 to F15): the synthesized
 * resources of the default config and of one edited copy, the Terraform expressions that decide zones, images and
 * placement run through a real Terraform (terraform or OpenTofu, provider-free stand-ins for the AWS data sources,
 * whose provider this machine cannot download), and the bootstrap command with an injected runner.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { EKS_CONTROL_PLANE_EXCLUDED_ZONE_IDS, REGION_ZONE_IDS } from "../lib/catalog/regions";
import type { parseDocument } from "yaml";
import { ConfigError, formatProblem } from "../lib/config/errors";
import { loadFleetConfig } from "../lib/config/load";
import { EXIT } from "../lib/errors";
import { loadFleetModel, type RegionModel } from "../lib/model/region";
import { pinnedZoneSlot, pinnedZoneSubnet, planNetwork, serviceCidrFor, vpcZoneIds } from "../lib/network-plan";
import { isExactVersion, KUBERNETES_VERSIONS } from "../lib/versions";
import { GPU_NODE_GROUP_TIMEOUTS } from "../constructs/node-pool";
import { synthFleet } from "../stacks/fleet";
import { deployRegion, runDeploy, type Command, type CommandResult, DeployError } from "../tools/deploy";
import { UsageError } from "../tools/cli-args";
import { terraformForTests } from "../tools/toolchain/terraform";
import { copyDefaultConfig, DEFAULT_CONFIG_DIR, defaultModel, editYaml, tempDir, withPlainStackTraces } from "./helpers";

type YamlDoc = ReturnType<typeof parseDocument>;
type Body = Record<string, unknown> & { lifecycle?: Lifecycle };
interface Lifecycle {
  ignore_changes?: string[];
  precondition?: { condition: string; error_message: string }[];
  postcondition?: { condition: string; error_message: string }[];
}
type TfJson = {
  terraform: { required_providers: Record<string, unknown> };
  resource: Record<string, Record<string, Body>>;
  data?: Record<string, Record<string, Body>>;
  provider?: Record<string, unknown>;
  output?: Record<string, { value: unknown }>;
};

const EAST = "regions/us-east-1.yaml";
const WEST = "regions/us-west-2.yaml";

/** The default config, and a copy with a Capacity Block pool, a pinned pool, zones by ID, a VPN gateway, edited tags. */
let base: string;
let edited: string;
let editedDir: string;
const stack = (outdir: string, name: string): TfJson => JSON.parse(fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8"));
const resources = (json: TfJson, type: string): [string, Body][] => Object.entries(json.resource[type] ?? {});
const byPath = (json: TfJson, type: string, suffix: string, kind: "resource" | "data" = "resource"): Body => {
  const found = Object.entries((kind === "data" ? json.data : json.resource)?.[type] ?? {}).find(([, body]) => String((body["//"] as { metadata: { path: string } }).metadata.path).endsWith(suffix));
  if (!found) throw new Error(`no ${type} at .../${suffix}`);
  return found[1];
};
const idByPath = (json: TfJson, type: string, suffix: string): string =>
  resources(json, type).find(([, body]) => String((body["//"] as { metadata: { path: string } }).metadata.path).endsWith(suffix))![0];

beforeAll(() => {
  base = path.join(tempDir(), "cdktf.out");
  withPlainStackTraces(() => synthFleet(defaultModel(), base));

  editedDir = copyDefaultConfig();
  editYaml(path.join(editedDir, "fleet.yaml"), (doc) => doc.setIn(["tags", "cost-center"], "gpu-research"));
  editYaml(path.join(editedDir, EAST), (doc) => {
    doc.set("availabilityZoneIds", doc.createNode(["use1-az1", "use1-az2", "use1-az6"]));
    doc.setIn(["gpuPools", 1, "minSize"], 2);
    doc.setIn(["gpuPools", 2, "availabilityZones"], doc.createNode(["us-east-1a"]));
    (doc.get("gpuPools") as { add(node: unknown): void }).add(
      doc.createNode({
        name: "block-h100",
        instanceType: "p5.48xlarge",
        capacityType: "capacity-block",
        capacityReservationId: "cr-0123456789abcdef0",
        availabilityZones: ["us-east-1d"],
        minSize: 0,
        maxSize: 2,
        rootVolumeGiB: 500,
        sharing: { mode: "exclusive" },
      }),
    );
  });
  editYaml(path.join(editedDir, WEST), (doc) => doc.setIn(["clusterEndpoint", "privateAccessGatewayId"], "vgw-0123456789abcdef0"));
  edited = path.join(tempDir(), "cdktf.out");
  withPlainStackTraces(() => synthFleet(loadFleetModel(editedDir), edited));
});

/** Config problems of a copy of the default config after `edits` (file -> edit); none when it loads. */
function problemsAfter(edits: Record<string, (doc: YamlDoc) => void>): string[] {
  const dir = copyDefaultConfig();
  for (const [file, edit] of Object.entries(edits)) editYaml(path.join(dir, file), edit);
  try {
    loadFleetConfig(dir);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((problem) => formatProblem(problem).replace(`${dir}/`, ""));
  }
}

// --- A real Terraform, provider-free -------------------------------------------------------------------------

const terraform = terraformForTests();
const tfIt = terraform.run ? it : it.skip;

/** Runs `terraform <command> -no-color <args>`; `output` is stdout and stderr with line wrapping undone. */
function tf(dir: string, [command, ...args]: string[]): { status: number; stdout: string; output: string } {
  if (!terraform.binary) throw new Error(terraform.missing);
  const result = spawnSync(terraform.binary.path, [command, "-no-color", ...args], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" },
    timeout: 100_000,
  });
  return { status: result.status ?? 1, stdout: result.stdout, output: `${result.stdout}${result.stderr}`.replace(/\s+/g, " ") };
}

function tfDir(config: object): string {
  const dir = tempDir("fastgpu-tf-");
  fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(config, null, 2));
  const init = tf(dir, ["init", "-input=false"]);
  if (init.status !== 0) throw new Error(`init failed: ${init.output}`);
  return dir;
}

/** A local state file whose outputs stand in for a data source's attributes (read by terraform_remote_state). */
function stateWithOutputs(dir: string, outputs: Record<string, { value: unknown; type: unknown }>): void {
  fs.writeFileSync(
    path.join(dir, "facts.tfstate"),
    JSON.stringify({ version: 4, terraform_version: "1.10.0", serial: 1, lineage: "fastgpu-test", outputs, resources: [] }),
  );
}

/**
 * A synthesized data source's postcondition on a `terraform_remote_state` whose outputs are the data source's
 * attributes: Terraform evaluates the very condition and message at plan time, as it would on the AWS data source.
 */
function remoteStateWithPostcondition(postcondition: { condition: string; error_message: string }, attribute: string): object {
  return {
    data: {
      terraform_remote_state: {
        facts: {
          backend: "local",
          config: { path: "facts.tfstate" },
          lifecycle: { postcondition: [{ ...postcondition, condition: postcondition.condition.replaceAll(`self.${attribute}`, `self.outputs.${attribute}`) }] },
        },
      },
    },
    output: { checked: { value: "${data.terraform_remote_state.facts.outputs}" } },
  };
}

// --- F1 -------------------------------------------------------------------------------------------------------

describe("F1: the VPC's zones are chosen by AZ ID, never one EKS refuses a control plane in", () => {
  it("places every subnet of the default config by AZ ID, the cluster only in the VPC's three", () => {
    for (const [region, ids] of [["us-east-1", ["use1-az1", "use1-az2", "use1-az4"]], ["us-west-2", ["usw2-az1", "usw2-az2", "usw2-az3"]]] as const) {
      const infra = stack(base, `fastgpu-${region}-infra`);
      const subnets = resources(infra, "aws_subnet").map(([, subnet]) => subnet);
      expect(subnets).toHaveLength(6);
      expect([...new Set(subnets.map((subnet) => subnet.availability_zone_id))].sort()).toEqual(ids);
      for (const subnet of subnets) expect(subnet.availability_zone).toBeUndefined();
      const [[, cluster]] = resources(infra, "aws_eks_cluster");
      const clusterSubnets = (cluster.vpc_config as { subnet_ids: string[] }).subnet_ids;
      expect(clusterSubnets.map((ref) => /aws_subnet\.(network_private-\d)_/.exec(ref)?.[1])).toEqual(["network_private-0", "network_private-1", "network_private-2"]);
      // The zones data source checks the account has them (and that none is refused), with the fix in its message.
      const zones = byPath(infra, "aws_availability_zones", "network/zones", "data") as Body & { filter: { name: string; values: string[] }[]; exclude_zone_ids: string[] };
      expect(zones.filter).toEqual([{ name: "zone-id", values: ids }]);
      expect(zones.exclude_zone_ids).toEqual(["use1-az3", "usw1-az2", "cac1-az3"]);
      expect(zones.lifecycle!.postcondition![0].condition).toBe("${length(self.zone_ids) == 3}");
      expect(zones.lifecycle!.postcondition![0].error_message).toContain("Set availabilityZoneIds");
      // What the preview can show: the zones, decided at synth.
      expect(JSON.parse(infra.output!.availability_zones.value as string)).toEqual({ zoneIds: ids, pinned: [] });
    }
  });

  it("never picks a refused zone by default in any region of the catalog, and takes configured IDs as given", () => {
    for (const region of Object.keys(REGION_ZONE_IDS)) {
      const ids = vpcZoneIds(region);
      if (ids === undefined) continue;
      expect(ids).toHaveLength(3);
      for (const id of ids) expect(EKS_CONTROL_PLANE_EXCLUDED_ZONE_IDS).not.toContain(id);
    }
    expect(vpcZoneIds("us-east-1")).toEqual(["use1-az1", "use1-az2", "use1-az4"]);
    // us-west-1 has two usable IDs only: no default, and the config check says why.
    expect(vpcZoneIds("us-west-1")).toBeUndefined();
    const east = stack(edited, "fastgpu-us-east-1-infra");
    expect(resources(east, "aws_subnet").map(([, subnet]) => subnet.availability_zone_id).filter(Boolean).sort()).toEqual(
      ["use1-az1", "use1-az1", "use1-az2", "use1-az2", "use1-az6", "use1-az6"],
    );
  });

  it("refuses a refused, foreign or repeated AZ ID in availabilityZoneIds", () => {
    const problems = problemsAfter({ [EAST]: (doc) => doc.set("availabilityZoneIds", doc.createNode(["use1-az3", "usw2-az1", "use1-az1"])) });
    expect(problems).toEqual([
      expect.stringMatching(/^regions\/us-east-1\.yaml: availabilityZoneIds\[0\]: EKS places no control plane in use1-az3/),
      expect.stringMatching(/^regions\/us-east-1\.yaml: availabilityZoneIds\[1\]: usw2-az1 is not an AZ ID of us-east-1; its IDs are use1-az1/),
    ]);
    expect(problemsAfter({ [EAST]: (doc) => doc.set("availabilityZoneIds", doc.createNode(["use1-az1", "use1-az1", "use1-az2"])) })).toEqual([
      expect.stringMatching(/availabilityZoneIds\[1\]: use1-az1 is listed twice/),
    ]);
    expect(problemsAfter({ [EAST]: (doc) => doc.set("availabilityZoneIds", doc.createNode(["use1-az1"])) })).toEqual([
      expect.stringMatching(/availabilityZoneIds: list exactly three AZ IDs/),
    ]);
  });

  tfIt("fails the plan, naming the fix, when the account lacks one of the VPC's zones", () => {
    const zones = byPath(stack(base, "fastgpu-us-east-1-infra"), "aws_availability_zones", "network/zones", "data");
    const dir = tfDir(remoteStateWithPostcondition(zones.lifecycle!.postcondition![0], "zone_ids"));
    stateWithOutputs(dir, { zone_ids: { value: ["use1-az1", "use1-az2"], type: ["list", "string"] } });
    const missing = tf(dir, ["plan", "-input=false"]);
    expect(missing.status).not.toBe(0);
    expect(missing.output).toContain("not all available to this account for an EKS control plane");
    stateWithOutputs(dir, { zone_ids: { value: ["use1-az1", "use1-az2", "use1-az4"], type: ["list", "string"] } });
    expect(tf(dir, ["plan", "-input=false"]).status).toBe(0);
  });
});

// --- F2 -------------------------------------------------------------------------------------------------------

describe("F2: the first deploy in one command, and a missing image fails the platform plan at once", () => {
  it("looks the pinned image tag up in the region's repository, with the fix in the message", () => {
    const platform = stack(base, "fastgpu-us-east-1-platform");
    const images = platform.data!.aws_ecr_images["validation-image"];
    expect(images.repository_name).toBe("fastgpu/gpu-validate");
    const [check] = images.lifecycle!.postcondition!;
    expect(check.condition).toContain('"0.1.0"');
    expect(check.error_message).toMatch(/fastgpu\/gpu-validate:0\.1\.0 is not in us-east-1's ECR repository yet.*npm run deploy -- --region us-east-1/);
    expect(Object.keys(platform.provider!)).toEqual(["aws", "helm"]);
  });

  tfIt("that check passes with the tag and fails the plan without it (untagged images ignored)", () => {
    const [check] = stack(base, "fastgpu-us-east-1-platform").data!.aws_ecr_images["validation-image"].lifecycle!.postcondition!;
    const dir = tfDir(remoteStateWithPostcondition(check, "image_ids"));
    const type = ["list", ["object", { image_digest: "string", image_tag: "string" }]];
    stateWithOutputs(dir, { image_ids: { value: [{ image_digest: "sha256:aa", image_tag: "0.0.9" }, { image_digest: "sha256:bb", image_tag: null }], type } });
    const missing = tf(dir, ["plan", "-input=false"]);
    expect(missing.status).not.toBe(0);
    expect(missing.output).toContain("The validation image fastgpu/gpu-validate:0.1.0 is not in us-east-1's ECR repository yet");
    stateWithOutputs(dir, { image_ids: { value: [{ image_digest: "sha256:cc", image_tag: "0.1.0" }], type } });
    expect(tf(dir, ["plan", "-input=false"]).status).toBe(0);
  });

  /** A fake `aws`/`cdktf`/`docker`: answers checks from `answers`, succeeds at everything else, records each call. */
  function fakeRunner(answers: (argv: readonly string[]) => CommandResult | undefined) {
    const calls: Command[] = [];
    const lines: string[] = [];
    const run = (command: Command): CommandResult => {
      calls.push(command);
      const answer = answers(command.argv);
      if (answer) return answer;
      const argv = command.argv.join(" ");
      if (argv.startsWith("aws sts get-caller-identity")) return ok("123456789012\n");
      if (argv.startsWith("aws eks describe-addon-versions")) {
        const addon = command.argv[command.argv.indexOf("--addon-name") + 1] as keyof (typeof KUBERNETES_VERSIONS)["1.35"]["eksAddons"];
        return ok(JSON.stringify(["v0.0.1-eksbuild.1", KUBERNETES_VERSIONS["1.35"].eksAddons[addon]]));
      }
      if (argv.startsWith("aws eks describe-nodegroup")) return fail("An error occurred (ResourceNotFoundException) when calling the DescribeNodegroup operation: No node group found");
      if (argv.startsWith("aws ecr describe-images")) return fail("An error occurred (ImageNotFoundException) when calling the DescribeImages operation");
      if (argv.startsWith("aws ecr get-login-password")) return ok("s3cret-password");
      return ok("");
    };
    return { calls, lines, io: { run, print: (line: string) => lines.push(line) }, index: (pattern: RegExp) => calls.findIndex((call) => pattern.test(call.argv.join(" "))) };
  }
  const ok = (stdout: string): CommandResult => ({ status: 0, stdout, stderr: "" });
  const fail = (stderr: string): CommandResult => ({ status: 254, stdout: "", stderr });
  const east = (): RegionModel => defaultModel().regions.find((region) => region.region === "us-east-1")!;

  it("runs synth, preflight, infra, the image push, then platform, printing each command (first deploy)", () => {
    const fake = fakeRunner(() => undefined);
    expect(deployRegion(east(), {}, fake.io)).toBe(EXIT.success);
    const order = [
      /^env CHECKPOINT_DISABLE=1 npx cdktf synth$/,
      /^aws sts get-caller-identity/,
      /^aws eks describe-addon-versions .*--addon-name coredns/,
      /^aws eks describe-nodegroup .*fastgpu-train-h100/,
      /^env CHECKPOINT_DISABLE=1 npx cdktf deploy fastgpu-us-east-1-infra --skip-synth$/,
      /^aws ecr describe-images --repository-name fastgpu\/gpu-validate --image-ids imageTag=0\.1\.0/,
      /^docker build kernels-image .*--build-arg VERSION=0\.1\.0 --tag 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/fastgpu\/gpu-validate:0\.1\.0$/,
      /^docker login --username AWS --password-stdin 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com$/,
      /^docker push 123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/fastgpu\/gpu-validate:0\.1\.0$/,
      /^env CHECKPOINT_DISABLE=1 npx cdktf deploy fastgpu-us-east-1-platform --skip-synth --ignore-missing-stack-dependencies$/,
    ].map((pattern) => fake.index(pattern));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // The password goes to docker on stdin and is never printed.
    expect(fake.calls.find((call) => call.argv[1] === "login")!.input).toBe("s3cret-password");
    expect(fake.lines.join("\n")).not.toContain("s3cret-password");
    expect(fake.lines).toContain("$ aws ecr get-login-password --region us-east-1 | docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com");
    expect(fake.lines).toContain("$ env CHECKPOINT_DISABLE=1 npx cdktf deploy fastgpu-us-east-1-infra --skip-synth");
  });

  it("pushes nothing when the tag is there, and with --skip-image-push stops before the platform when it is not", () => {
    const present = fakeRunner((argv) => (argv.join(" ").startsWith("aws ecr describe-images") ? ok("{}") : undefined));
    deployRegion(east(), { autoApprove: true }, present.io);
    expect(present.index(/^docker /)).toBe(-1);
    expect(present.index(/cdktf deploy fastgpu-us-east-1-platform --skip-synth --ignore-missing-stack-dependencies --auto-approve$/)).toBeGreaterThan(0);

    const missing = fakeRunner(() => undefined);
    expect(() => deployRegion(east(), { skipImagePush: true }, missing.io)).toThrow(
      /validation image fastgpu\/gpu-validate:0\.1\.0 is not in us-east-1's repository, and --skip-image-push was given/,
    );
    expect(missing.index(/cdktf deploy fastgpu-us-east-1-infra/)).toBeGreaterThan(0);
    expect(missing.index(/cdktf deploy fastgpu-us-east-1-platform/)).toBe(-1);
    expect(missing.index(/^docker /)).toBe(-1);
  });

  it("prints the plan and runs nothing with --dry-run; needs a known region", () => {
    const fake = fakeRunner(() => undefined);
    expect(runDeploy(["--region", "us-west-2", "--dry-run"], fake.io)).toBe(EXIT.success);
    expect(fake.calls).toEqual([]);
    expect(fake.lines.filter((line) => line.startsWith("$ ")).length).toBeGreaterThan(8);
    expect(fake.lines.at(-1)).toBe("$ env CHECKPOINT_DISABLE=1 npx cdktf deploy fastgpu-us-west-2-platform --skip-synth --ignore-missing-stack-dependencies");
    expect(() => runDeploy([], fake.io)).toThrow(UsageError);
    expect(() => runDeploy(["--region", "eu-west-9"], fake.io)).toThrow(/region "eu-west-9" is not in the config/);
    const withConfig = fakeRunner(() => undefined);
    runDeploy(["--region", "us-east-1", "--config", DEFAULT_CONFIG_DIR, "--dry-run"], withConfig.io);
    expect(withConfig.lines).toContain(`$ env CHECKPOINT_DISABLE=1 FASTGPU_CONFIG=${DEFAULT_CONFIG_DIR} npx cdktf synth`);
  });

  it("stops when a step fails, naming it", () => {
    const fake = fakeRunner((argv) => (argv.includes("fastgpu-us-east-1-infra") ? { status: 1, stdout: "", stderr: "Error: creating EKS Cluster" } : undefined));
    expect(() => deployRegion(east(), {}, fake.io)).toThrow(DeployError);
    expect(() => deployRegion(east(), {}, fakeRunner((argv) => (argv.includes("fastgpu-us-east-1-infra") ? { status: 1, stdout: "", stderr: "boom" } : undefined)).io)).toThrow(
      /deploying fastgpu-us-east-1-infra failed \(exit 1\): env CHECKPOINT_DISABLE=1 npx cdktf deploy fastgpu-us-east-1-infra --skip-synth\nboom/,
    );
    expect(fake.index(/cdktf deploy fastgpu-us-east-1-platform/)).toBe(-1);
  });

  // F4 and F7 run in the same preflight; their tests are below.
  describe("preflight", () => {
    it("F4: raises a node group's desired size to a raised minSize before the infra deploy, and waits for it", () => {
      const model = loadFleetModel(editedDir).regions.find((region) => region.region === "us-east-1")!;
      expect(model.pools.find(({ pool }) => pool.name === "infer-l4")!.pool.minSize).toBe(2);
      const fake = fakeRunner((argv) => {
        const line = argv.join(" ");
        if (line.startsWith("aws eks describe-nodegroup") && line.includes("fastgpu-infer-l4")) return ok(JSON.stringify({ minSize: 1, maxSize: 2, desiredSize: 1 }));
        if (line.startsWith("aws eks describe-nodegroup") && line.includes("fastgpu-system")) return ok(JSON.stringify({ minSize: 2, maxSize: 4, desiredSize: 3 }));
        return undefined;
      });
      deployRegion(model, {}, fake.io);
      const update = fake.index(/^aws eks update-nodegroup-config --cluster-name fastgpu-us-east-1 --nodegroup-name fastgpu-infer-l4 --scaling-config minSize=1,maxSize=2,desiredSize=2 --region us-east-1$/);
      const wait = fake.index(/^aws eks wait nodegroup-active --cluster-name fastgpu-us-east-1 --nodegroup-name fastgpu-infer-l4/);
      const infra = fake.index(/cdktf deploy fastgpu-us-east-1-infra/);
      expect(update).toBeGreaterThan(0);
      expect(wait).toBe(update + 1);
      expect(infra).toBeGreaterThan(wait);
      // A group already at or above its minimum, or not created yet, is left alone.
      expect(fake.calls.filter((call) => call.argv.includes("update-nodegroup-config"))).toHaveLength(1);
    });

    it("F7: stops before anything is deployed when EKS does not offer a pinned add-on version", () => {
      const fake = fakeRunner((argv) => (argv.includes("coredns") && argv.includes("describe-addon-versions") ? ok('["v1.99.0-eksbuild.1"]') : undefined));
      expect(() => deployRegion(east(), {}, fake.io)).toThrow(/EKS does not offer these pinned add-on versions for Kubernetes 1\.35 in us-east-1: coredns v1\.14\.3-eksbuild\.3/);
      expect(fake.index(/cdktf deploy/)).toBe(-1);
    });
  });
});

// --- F3 -------------------------------------------------------------------------------------------------------

describe("F3: a Capacity Block pool is what EKS accepts", () => {
  it("puts type, market and reservation in the launch template, no instance types on the node group", () => {
    const east = stack(edited, "fastgpu-us-east-1-infra");
    const template = byPath(east, "aws_launch_template", "gpu-pool-block-h100/launch-template");
    expect(template).toMatchObject({
      instance_type: "p5.48xlarge",
      instance_market_options: { market_type: "capacity-block" },
      capacity_reservation_specification: { capacity_reservation_target: { capacity_reservation_id: "cr-0123456789abcdef0" } },
    });
    const group = byPath(east, "aws_eks_node_group", "gpu-pool-block-h100/node-group");
    expect(group.capacity_type).toBe("CAPACITY_BLOCK");
    expect(group.instance_types).toBeUndefined();
    // EKS upgrades a Capacity Block group only at desired size 0: a control-plane bump leaves its version alone.
    expect(group.lifecycle!.ignore_changes).toEqual(["scaling_config[0].desired_size", "version"]);
    // Every other pool keeps its instance types out of the template and follows the control plane.
    for (const pool of ["train-h100", "infer-l4", "mig-a100"]) {
      expect(byPath(east, "aws_launch_template", `gpu-pool-${pool}/launch-template`).instance_type).toBeUndefined();
      expect(byPath(east, "aws_eks_node_group", `gpu-pool-${pool}/node-group`).lifecycle!.ignore_changes).toEqual(["scaling_config[0].desired_size"]);
    }
  });

  it("gives the block's AZ its own subnet, routed like the others, even outside the VPC's three zones", () => {
    const east = stack(edited, "fastgpu-us-east-1-infra");
    const subnetId = idByPath(east, "aws_subnet", "network/private-us-east-1d");
    const subnet = byPath(east, "aws_subnet", "network/private-us-east-1d");
    expect(subnet).toMatchObject({ availability_zone: "us-east-1d", cidr_block: pinnedZoneSubnet("10.40.0.0/16", pinnedZoneSlot("us-east-1d", "us-east-1")!) });
    expect(subnet.cidr_block).toBe("10.40.240.0/21");
    expect(byPath(east, "aws_subnet", "network/private-us-east-1a").cidr_block).toBe("10.40.216.0/21");
    const group = byPath(east, "aws_eks_node_group", "gpu-pool-block-h100/node-group");
    expect(String(group.subnet_ids)).toContain(`aws_subnet.${subnetId}.id`);
    expect(String(group.subnet_ids)).not.toContain("aws_ec2_instance_type_offerings");
    const routesId = idByPath(east, "aws_route_table", "network/private-us-east-1d-routes");
    expect(resources(east, "aws_route").map(([, route]) => route).filter((route) => route.route_table_id === `\${aws_route_table.${routesId}.id}`)).toEqual([
      expect.objectContaining({ destination_cidr_block: "0.0.0.0/0", nat_gateway_id: expect.stringContaining("aws_nat_gateway.network_nat-0") }),
    ]);
    expect((byPath(east, "aws_vpc_endpoint", "network/s3-endpoint").route_table_ids as string[]).some((ref) => ref.includes(routesId))).toBe(true);
    // The cluster's own subnets stay the VPC's three.
    expect(((resources(east, "aws_eks_cluster")[0][1].vpc_config as { subnet_ids: string[] }).subnet_ids)).toHaveLength(3);
    expect(JSON.parse(east.output!.availability_zones.value as string).pinned).toEqual(["us-east-1a", "us-east-1d"]);
  });

  it("keeps pinned-zone subnets apart from the rest of the plan and from each other", () => {
    const plan = planNetwork({ region: "us-east-1", vpcCidr: "10.40.0.0/16", gpuPools: ["a", "b", "c", "d", "e"].map((letter) => ({ availabilityZones: [`us-east-1${letter}`] })) });
    const all = [...plan.private, ...plan.public, ...plan.pinned.map(({ cidr }) => cidr)];
    expect(new Set(all).size).toBe(11);
    expect(plan.pinned.map(({ cidr }) => cidr)).toEqual(["10.40.216.0/21", "10.40.224.0/21", "10.40.232.0/21", "10.40.240.0/21", "10.40.248.0/21"]);
    expect(pinnedZoneSlot("us-east-1f", "us-east-1")).toBeUndefined();
    expect(problemsAfter({ [EAST]: (doc) => doc.setIn(["gpuPools", 0, "availabilityZones"], doc.createNode(["us-east-1f"])) })).toEqual([
      expect.stringMatching(/gpuPools\[0\]\.availabilityZones\[0\]: FastGPU gives each pinned AZ its own subnet .* us-east-1f has none/),
    ]);
  });
});

// --- F4 -------------------------------------------------------------------------------------------------------

describe("F4: raising minSize above the autoscaler's desired size never fails in the middle of an apply", () => {
  it("checks every node group with a minimum against the desired size it will send, at plan time", () => {
    const east = stack(base, "fastgpu-us-east-1-infra");
    for (const [pool, minSize] of [["system-pool", 2], ["gpu-pool-infer-l4", 1]] as const) {
      const groupId = idByPath(east, "aws_eks_node_group", `${pool}/node-group`);
      const [check] = byPath(east, "terraform_data", `${pool}/min-size-check`).lifecycle!.precondition!;
      expect(check.condition).toBe(`\${(aws_eks_node_group.${groupId}.scaling_config[0].desired_size >= ${minSize})}`);
      expect(check.error_message).toContain("Deploy with npm run deploy (it raises the desired size first)");
    }
    // A minimum of 0 always holds: no check.
    expect(resources(east, "terraform_data").filter(([id]) => id.startsWith("gpu-pool-train-h100_min-size-check"))).toEqual([]);
  });

  tfIt("fails the plan, naming the fix, when the desired size Terraform would send is below the new minimum", () => {
    const east = stack(base, "fastgpu-us-east-1-infra");
    const groupId = idByPath(east, "aws_eks_node_group", "gpu-pool-infer-l4/node-group");
    const check = structuredClone(byPath(east, "terraform_data", "gpu-pool-infer-l4/min-size-check"));
    delete check["//"];
    const body = JSON.parse(JSON.stringify(check).replaceAll(`aws_eks_node_group.${groupId}.scaling_config[0].desired_size`, "var.desired"));
    const dir = tfDir({ variable: { desired: { type: "number" } }, resource: { terraform_data: { check: body } } });
    const refused = tf(dir, ["plan", "-input=false", "-var=desired=0"]);
    expect(refused.status).not.toBe(0);
    expect(refused.output).toContain("Node group fastgpu-infer-l4: minSize 1 is above its current desired size, which EKS refuses");
    expect(tf(dir, ["plan", "-input=false", "-var=desired=3"]).status).toBe(0);
  });
});

// --- F5 -------------------------------------------------------------------------------------------------------

describe("F5: AWS changing its offerings never changes a node group's subnets", () => {
  it("places each unpinned pool on the zones resolved when it was created, kept in state", () => {
    const east = stack(base, "fastgpu-us-east-1-infra");
    for (const pool of ["train-h100", "infer-l4", "mig-a100"]) {
      const zonesId = idByPath(east, "terraform_data", `network/zones-${pool}`);
      const zones = byPath(east, "terraform_data", `network/zones-${pool}`);
      expect(zones.lifecycle!.ignore_changes).toEqual(["input"]);
      expect(zones.triggers_replace).toMatchObject({ vpc_zone_ids: "use1-az1,use1-az2,use1-az4" });
      expect(String((zones.input as { zone_ids: string }).zone_ids)).toMatch(/^\$\{data\.aws_ec2_instance_type_offerings\.offerings-[\w-]+\.locations\}$/);
      const group = byPath(east, "aws_eks_node_group", `gpu-pool-${pool}/node-group`);
      expect(String(group.subnet_ids)).toContain(`terraform_data.${zonesId}.output["zone_ids"]`);
      expect(String(group.subnet_ids)).not.toContain("aws_ec2_instance_type_offerings");
    }
    // Offerings by AZ ID, as the subnets are placed.
    for (const [, offerings] of Object.entries(east.data!.aws_ec2_instance_type_offerings)) expect(offerings.location_type).toBe("availability-zone-id");
  });

  tfIt("keeps the resolved zones when the offerings change, re-resolves them only when the pool's type does, and fails the plan when no VPC zone offers it", () => {
    const east = stack(base, "fastgpu-us-east-1-infra");
    const zones = structuredClone(byPath(east, "terraform_data", "network/zones-train-h100"));
    delete zones["//"];
    const withVariable = (body: Body) => JSON.parse(JSON.stringify(body).replaceAll("data.aws_ec2_instance_type_offerings.offerings-p5-48xlarge.locations", "var.offered"));
    const config = (body: Body) => ({
      variable: { offered: { type: "list(string)" } },
      resource: { terraform_data: { zones: withVariable(body) } },
      output: { zone_ids: { value: '${terraform_data.zones.output["zone_ids"]}' } },
    });
    const dir = tfDir(config(zones));
    const zoneIds = () => JSON.parse(tf(dir, ["output", "-json", "zone_ids"]).stdout);
    expect(tf(dir, ["apply", "-auto-approve", "-input=false", '-var=offered=["use1-az4","use1-az6"]']).status).toBe(0);
    expect(zoneIds()).toEqual(["use1-az4", "use1-az6"]);
    // AWS now offers the type in two more of the VPC's zones: no change planned, the node group's subnets stay.
    const later = tf(dir, ["plan", "-detailed-exitcode", "-input=false", '-var=offered=["use1-az1","use1-az2","use1-az4","use1-az6"]']);
    expect(later.status).toBe(0);
    expect(later.output).toContain("No changes");
    // A new instance type replaces the resolution (and, through subnet_ids, the node group, as the type would anyway).
    fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(config({ ...zones, triggers_replace: { ...(zones.triggers_replace as object), instance_type: "p5e.48xlarge" } })));
    const replaced = tf(dir, ["apply", "-auto-approve", "-input=false", '-var=offered=["use1-az1","use1-az2"]']);
    expect(replaced.output).toMatch(/must be replaced|1 added, 0 changed, 1 destroyed/);
    expect(zoneIds()).toEqual(["use1-az1", "use1-az2"]);

    const none = tfDir(config(zones));
    const refused = tf(none, ["plan", "-input=false", '-var=offered=["use1-az6"]']);
    expect(refused.status).not.toBe(0);
    expect(refused.output).toContain("None of the VPC's AZs (use1-az1, use1-az2, use1-az4) offers p5.48xlarge for GPU pool train-h100");
  });
});

// --- F6 -------------------------------------------------------------------------------------------------------

describe("F6: a private-only endpoint is routed to its networks, through its own security group", () => {
  it("attaches the transit gateway and routes the access networks from every private route table", () => {
    const west = stack(base, "fastgpu-us-west-2-infra");
    const [[attachmentId, attachment]] = resources(west, "aws_ec2_transit_gateway_vpc_attachment");
    expect(attachment.transit_gateway_id).toBe("tgw-0123456789abcdef0");
    expect(attachment.subnet_ids).toHaveLength(3);
    const privateTables = resources(west, "aws_route_table").filter(([, table]) => String((table.tags as { Name: string }).Name).includes("-private-")).map(([id]) => id);
    expect(privateTables).toHaveLength(3);
    const access = resources(west, "aws_route").map(([, route]) => route).filter((route) => route.destination_cidr_block === "10.100.0.0/16");
    expect(access.map((route) => String(route.route_table_id)).sort()).toEqual(privateTables.map((id) => `\${aws_route_table.${id}.id}`).sort());
    for (const route of access) {
      expect(route).toMatchObject({ transit_gateway_id: "tgw-0123456789abcdef0", depends_on: [`aws_ec2_transit_gateway_vpc_attachment.${attachmentId}`] });
    }
    // us-east-1 lists no private access networks: no attachment, no extra routes.
    expect(resources(stack(base, "fastgpu-us-east-1-infra"), "aws_ec2_transit_gateway_vpc_attachment")).toEqual([]);
  });

  it("attaches and routes through a virtual private gateway the same way", () => {
    const west = stack(edited, "fastgpu-us-west-2-infra");
    const [[attachmentId, attachment]] = resources(west, "aws_vpn_gateway_attachment");
    expect(attachment.vpn_gateway_id).toBe("vgw-0123456789abcdef0");
    const access = resources(west, "aws_route").map(([, route]) => route).filter((route) => route.destination_cidr_block === "10.100.0.0/16");
    expect(access).toHaveLength(3);
    for (const route of access) expect(route).toMatchObject({ gateway_id: "vgw-0123456789abcdef0", depends_on: [`aws_vpn_gateway_attachment.${attachmentId}`] });
  });

  it("opens 443 to the access networks on a control-plane security group, not on the cluster security group", () => {
    const west = stack(base, "fastgpu-us-west-2-infra");
    const sgId = idByPath(west, "aws_security_group", "eks/control-plane-sg");
    const [[, cluster]] = resources(west, "aws_eks_cluster");
    expect((cluster.vpc_config as { security_group_ids: string[] }).security_group_ids).toEqual([`\${aws_security_group.${sgId}.id}`]);
    const rules = resources(west, "aws_vpc_security_group_ingress_rule").map(([, rule]) => rule).filter((rule) => rule.cidr_ipv4 === "10.100.0.0/16");
    expect(rules).toEqual([expect.objectContaining({ security_group_id: `\${aws_security_group.${sgId}.id}`, from_port: 443, to_port: 443, ip_protocol: "tcp" })]);
    expect(JSON.stringify(west.resource.aws_vpc_security_group_ingress_rule)).not.toContain("cluster_security_group_id");
  });

  it("asks for the gateway with privateAccessCidrs, and says when one has no effect", () => {
    expect(problemsAfter({ [WEST]: (doc) => doc.deleteIn(["clusterEndpoint", "privateAccessGatewayId"]) })).toEqual([
      expect.stringMatching(/^regions\/us-west-2\.yaml: clusterEndpoint\.privateAccessGatewayId: privateAccessCidrs need a route from the VPC back to them/),
    ]);
    expect(problemsAfter({ [EAST]: (doc) => doc.setIn(["clusterEndpoint", "privateAccessGatewayId"], "tgw-0123456789abcdef0") })).toEqual([
      expect.stringMatching(/clusterEndpoint\.privateAccessGatewayId: has no effect without privateAccessCidrs/),
    ]);
    expect(problemsAfter({ [WEST]: (doc) => doc.setIn(["clusterEndpoint", "privateAccessGatewayId"], "igw-0123456789abcdef0") })).toEqual([
      expect.stringMatching(/clusterEndpoint\.privateAccessGatewayId: must be a transit gateway \(tgw-\.\.\.\) or virtual private gateway/),
    ]);
  });
});

// --- F7 -------------------------------------------------------------------------------------------------------

describe("F7: add-on versions are literal pins per Kubernetes version", () => {
  it("installs each add-on at its pin, with no version lookup", () => {
    for (const region of ["us-east-1", "us-west-2"]) {
      const infra = stack(base, `fastgpu-${region}-infra`);
      expect(infra.data!.aws_eks_addon_version).toBeUndefined();
      const versions = Object.fromEntries(resources(infra, "aws_eks_addon").map(([, addon]) => [addon.addon_name, addon.addon_version]));
      expect(versions).toEqual(KUBERNETES_VERSIONS["1.35"].eksAddons);
    }
  });

  it("pins every add-on exactly for every supported Kubernetes version", () => {
    for (const [kubernetes, pins] of Object.entries(KUBERNETES_VERSIONS)) {
      expect(Object.keys(pins.eksAddons).sort()).toEqual(["coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni"]);
      for (const version of Object.values(pins.eksAddons)) expect(`${kubernetes}: ${version} ${isExactVersion(version)}`).toMatch(/ true$/);
      expect(pins.eksAddons["kube-proxy"]).toMatch(new RegExp(`^v${kubernetes.replace(".", "\\.")}\\.`));
    }
  });
});

// --- F8 -------------------------------------------------------------------------------------------------------

describe("F8: editing the fleet's tags recycles no node", () => {
  it("keeps the fleet's tags out of launch templates and puts them on the Auto Scaling groups, propagated at launch", () => {
    const east = stack(base, "fastgpu-us-east-1-infra");
    for (const [, template] of resources(east, "aws_launch_template")) {
      for (const spec of template.tag_specifications as { tags: Record<string, string> }[]) {
        expect(Object.keys(spec.tags)).not.toContain("cost-center");
        expect(Object.keys(spec.tags)).not.toContain("owner");
        expect(spec.tags["fastgpu.io/fleet"]).toBe("fastgpu");
      }
    }
    const propagated = resources(east, "aws_autoscaling_group_tag").map(([, tag]) => tag.tag as { key: string; value: string; propagate_at_launch: boolean }).filter((tag) => tag.propagate_at_launch);
    // One of each fleet tag per node group (system and three GPU pools).
    expect(propagated.filter((tag) => tag.key === "cost-center")).toHaveLength(4);
    expect(propagated.map((tag) => tag.key).sort()).toEqual([...Array(4).fill("cost-center"), ...Array(4).fill("owner")]);
  });

  it("leaves every launch template byte-identical when a fleet tag changes", () => {
    const before = stack(base, "fastgpu-us-east-1-infra").resource.aws_launch_template;
    const after = stack(edited, "fastgpu-us-east-1-infra").resource.aws_launch_template;
    for (const id of Object.keys(before)) expect(after[id]).toEqual(before[id]);
    const values = resources(stack(edited, "fastgpu-us-east-1-infra"), "aws_autoscaling_group_tag")
      .map(([, tag]) => tag.tag as { key: string; value: string })
      .filter((tag) => tag.key === "cost-center");
    expect(new Set(values.map((tag) => tag.value))).toEqual(new Set(["gpu-research"]));
  });
});

// --- F9, F10 ----------------------------------------------------------------------------------------------------

describe("F9 and F10: long rolls and support end are decided", () => {
  it("F9: gives GPU node groups timeouts for a one-at-a-time roll of large nodes, the same whatever their size", () => {
    const east = stack(base, "fastgpu-us-east-1-infra");
    const model = defaultModel().regions[0];
    for (const { pool } of model.pools) {
      expect(byPath(east, "aws_eks_node_group", `gpu-pool-${pool.name}/node-group`).timeouts).toEqual({ create: "90m", update: "24h", delete: "90m" });
    }
    // A day covers 25 minutes a node for every default pool, one node at a time.
    for (const { pool } of model.pools) expect(25 * pool.maxSize).toBeLessThanOrEqual(24 * 60);
    expect(GPU_NODE_GROUP_TIMEOUTS).toEqual({ create: "90m", update: "24h", delete: "90m" });
    // Resizing a pool changes its scaling config only, not its timeouts.
    const resized = byPath(stack(edited, "fastgpu-us-east-1-infra"), "aws_eks_node_group", "gpu-pool-infer-l4/node-group");
    expect(resized.timeouts).toEqual(byPath(east, "aws_eks_node_group", "gpu-pool-infer-l4/node-group").timeouts);
    expect(byPath(east, "aws_eks_node_group", "system-pool/node-group").timeouts).toBeUndefined();
  });

  it("F10: keeps the cluster on its version past standard support (EXTENDED), never auto-upgraded under the pin", () => {
    for (const region of ["us-east-1", "us-west-2"]) {
      const [[, cluster]] = resources(stack(base, `fastgpu-${region}-infra`), "aws_eks_cluster");
      expect(cluster.upgrade_policy).toEqual({ support_type: "EXTENDED" });
    }
  });
});

// --- F11, F12, F13, F15 -----------------------------------------------------------------------------------------

describe("smaller findings", () => {
  it("F11: the validation release's values are not sensitive (the repository URL is unwrapped)", () => {
    const platform = stack(base, "fastgpu-us-east-1-platform");
    const release = Object.values(platform.resource.helm_release).find((candidate) => candidate.name === "fastgpu-gpu-validation")!;
    const values = (release.values as string[])[0];
    expect(values).toContain("${nonsensitive(data.terraform_remote_state.cross-stack-reference-input-fastgpu-us-east-1-infra.outputs.");
    expect(values.match(/\$\{[^}]*\}/g)!.every((reference) => reference.startsWith("${nonsensitive("))).toBe(true);
  });

  it("F12: the platform stack declares no kubernetes provider", () => {
    const platform = stack(base, "fastgpu-us-west-2-platform");
    expect(Object.keys(platform.provider!)).not.toContain("kubernetes");
    expect(Object.keys(platform.terraform.required_providers).sort()).toEqual(["aws", "helm"]);
  });

  it("F13: versioned buckets with noncurrent expiration also remove expired delete markers, in a rule of their own", () => {
    const east = stack(base, "fastgpu-us-east-1-infra");
    const lifecycle = (kind: string) => resources(east, "aws_s3_bucket_lifecycle_configuration").map(([, body]) => body).find((body) => String(body.bucket).includes(kind))!;
    const rules = lifecycle("checkpoints").rule as { id: string; expiration?: Record<string, unknown>[] }[];
    expect(rules.map((rule) => rule.id)).toEqual(["retention", "expired-delete-markers"]);
    expect(rules[0].expiration).toEqual([{ days: 180 }]);
    expect(rules[1]).toMatchObject({ status: "Enabled", filter: [{ prefix: "" }], expiration: [{ expired_object_delete_marker: true }] });
    expect((lifecycle("artifacts").rule as unknown[]).length).toBe(2);
    // Unversioned datasets have no delete markers to clean.
    expect((lifecycle("datasets").rule as unknown[]).length).toBe(1);
  });

  it("F15: pins the service CIDR, apart from the VPC and every private access network", () => {
    for (const region of ["us-east-1", "us-west-2"]) {
      const [[, cluster]] = resources(stack(base, `fastgpu-${region}-infra`), "aws_eks_cluster");
      expect(cluster.kubernetes_network_config).toEqual({ service_ipv4_cidr: "172.20.0.0/16" });
    }
    expect(serviceCidrFor("10.41.0.0/16")).toBe("172.20.0.0/16");
    expect(serviceCidrFor("192.168.0.0/16")).toBe("10.100.0.0/16");
    expect(serviceCidrFor("172.16.0.0/16")).toBe("10.100.0.0/16");
    // The config check uses the same pinned value: 172.20.0.0/16 for us-west-2's 10.41.0.0/16 VPC.
    expect(problemsAfter({ [WEST]: (doc) => doc.setIn(["clusterEndpoint", "privateAccessCidrs"], doc.createNode(["172.20.0.0/16"])) })).toEqual([
      expect.stringMatching(/clusterEndpoint\.privateAccessCidrs\[0\]: 172\.20\.0\.0\/16 overlaps 172\.20\.0\.0\/16, the Kubernetes service CIDR/),
    ]);
  });
});
