/**
 * Config validation by root cause (the December 2026 bad-input review): each test breaks a copy of the
 * default config in several ways of one class and checks that every problem is reported, at its path, in the
 * project's words, and that nothing is reported that follows from a problem already reported.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { REGION_AZS } from "../lib/catalog/regions";
import { ConfigError, formatProblem, type ConfigProblem } from "../lib/config/errors";
import { loadFleetConfig } from "../lib/config/load";
import { parseCidr, s3BucketNameProblems } from "../lib/config/schema";
import { copyDefaultConfig, editYaml } from "./helpers";

type YamlDoc = Parameters<Parameters<typeof editYaml>[1]>[0];
type Edits = Record<string, (doc: YamlDoc) => void>;

const EAST = "regions/us-east-1.yaml";
const WEST = "regions/us-west-2.yaml";
const FLEET = "fleet.yaml";

function brokenCopy(edits: Edits, prepare?: (dir: string) => void): string {
  const dir = copyDefaultConfig();
  prepare?.(dir);
  for (const [file, edit] of Object.entries(edits)) editYaml(path.join(dir, file), edit);
  return dir;
}

const relative = (dir: string, problems: readonly ConfigProblem[]) => problems.map((problem) => formatProblem(problem).replace(`${dir}/`, ""));

/** The reported lines of a broken copy of the default config; [] when it loads. */
function problemsAfter(edits: Edits, prepare?: (dir: string) => void): string[] {
  const dir = brokenCopy(edits, prepare);
  try {
    loadFleetConfig(dir);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return relative(dir, error.problems);
  }
}

/** Matches `<file>: <path>: ...<phrase>...`. */
function at(file: string, problemPath: string, phrase: string | RegExp): ReturnType<typeof expect.stringMatching> {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const body = typeof phrase === "string" ? escape(phrase) : phrase.source;
  return expect.stringMatching(new RegExp(`^${escape(file)}: ${escape(problemPath)}: .*${body}`));
}

/** Exactly these problems, in any order. */
function expectExactly(lines: readonly string[], expected: readonly ReturnType<typeof at>[]): void {
  expect(lines).toEqual(expect.arrayContaining(expected));
  expect(lines).toHaveLength(expected.length);
}

const copyRegion = (from: string, region: string, vpcCidr: string) => (dir: string) => {
  const text = fs
    .readFileSync(path.join(dir, from), "utf8")
    .replace(/^region: .*$/m, `region: ${region}`)
    .replace(/^vpcCidr: .*$/m, `vpcCidr: ${vpcCidr}`);
  fs.writeFileSync(path.join(dir, `regions/${region}.yaml`), text);
};

describe("bad input, by root cause", () => {
  it("1: a schema error in one part switches off no check of the rest, and draws no follow-on errors", () => {
    // A malformed label beside an unknown instance type in the same pool.
    expectExactly(
      problemsAfter({
        [EAST]: (doc) => {
          doc.setIn(["gpuPools", 0, "labels"], doc.createNode({ team: 5 }));
          doc.setIn(["gpuPools", 0, "instanceType"], "p9.96xlarge");
        },
      }),
      [at(EAST, "gpuPools[0].labels.team", ""), at(EAST, "gpuPools[0].instanceType", 'unknown instance type "p9.96xlarge"')],
    );
    // One malformed bucket; the others are still checked.
    expectExactly(
      problemsAfter({
        [EAST]: (doc) => {
          doc.setIn(["buckets", "datasets", "versioning"], "maybe");
          doc.setIn(["buckets", "checkpoints", "versioning"], false);
        },
      }),
      [
        at(EAST, "buckets.datasets.versioning", ""),
        at(EAST, "buckets.checkpoints.noncurrentVersionExpireAfterDays", "noncurrent versions exist only with versioning: true"),
        at(EAST, "buckets.checkpoints.versioning", "checkpoints must be versioned"),
      ],
    );
    // One malformed quota entry; unknown pools, lending limits and capacity are still checked.
    expectExactly(
      problemsAfter({
        [EAST]: (doc) => {
          doc.setIn(["quotas", "research", "infer-l4"], -1);
          doc.setIn(["quotas", "inference", "train-a100"], 2);
          doc.setIn(["quotas", "inference", "mig-a100"], doc.createNode({ nominal: 2, lendingLimit: 3 }));
          doc.setIn(["quotas", "inference", "train-h100"], 40);
        },
      }),
      [
        at(EAST, "quotas.research.infer-l4", "0 or more"),
        at(EAST, "quotas.inference.train-a100", 'no GPU pool "train-a100" in this region'),
        at(EAST, "quotas.inference.mig-a100", "lendingLimit 3 is above the nominal quota 2"),
        at(EAST, "quotas", 'nominal quotas on pool "train-h100" add up to 64'),
      ],
    );
    // A MIG media profile and a misfit of the other profiles.
    expectExactly(
      problemsAfter({ [EAST]: (doc) => doc.setIn(["gpuPools", 2, "sharing", "layout"], doc.createNode({ "1g.5gb+me": 1, "3g.20gb": 3 })) }),
      [at(EAST, "gpuPools[2].sharing.layout.1g.5gb+me", 'use "1g.5gb" instead'), at(EAST, "gpuPools[2].sharing.layout", "3 x 3g.20gb exceeds its maximum of 2")],
    );
    // A malformed MIG count; the well-formed profiles are still placed.
    expectExactly(
      problemsAfter({ [EAST]: (doc) => doc.setIn(["gpuPools", 2, "sharing", "layout"], doc.createNode({ "1g.5gb": 0, "4g.20gb": 2 })) }),
      [at(EAST, "gpuPools[2].sharing.layout.1g.5gb", ""), at(EAST, "gpuPools[2].sharing.layout", "2 x 4g.20gb exceeds its maximum of 1")],
    );
    // List items: a malformed priority class beside a duplicate; a malformed region beside a missing one; AZs.
    expectExactly(
      problemsAfter({
        [FLEET]: (doc) => {
          doc.setIn(["priorityClasses", 0, "value"], "high");
          doc.setIn(["priorityClasses", 2, "name"], "standard");
          doc.set("regions", doc.createNode(["US-EAST-1", "eu-west-9"]));
        },
        [EAST]: (doc) => doc.setIn(["gpuPools", 0, "availabilityZones"], doc.createNode(["us-east-1a", "bogus", "us-east-1a"])),
      }),
      [
        at(FLEET, "priorityClasses[0].value", ""),
        at(FLEET, "priorityClasses[2].name", 'duplicate priority class "standard"'),
        at(FLEET, "regions[0]", ""),
        at(FLEET, "regions[1]", "no regions/eu-west-9.yaml"),
        at(EAST, "gpuPools[0].availabilityZones[1]", ""),
        at(EAST, "gpuPools[0].availabilityZones[2]", "us-east-1a is listed twice"),
      ],
    );

    // No follow-ons: a pool list of the wrong type draws no "no GPU pool" per quota...
    expectExactly(problemsAfter({ [EAST]: (doc) => doc.set("gpuPools", "none") }), [at(EAST, "gpuPools", "")]);
    // ... nor does a malformed pool name draw one for the quotas that may name it...
    expectExactly(problemsAfter({ [EAST]: (doc) => doc.setIn(["gpuPools", 0, "name"], 42) }), [at(EAST, "gpuPools[0].name", "")]);
    // ... a mistyped tenants key draws no "no tenant" in every region...
    const tenantsTypo = problemsAfter({
      [FLEET]: (doc) => {
        doc.set("tenant", doc.get("tenants"));
        doc.delete("tenants");
      },
    });
    expect(tenantsTypo).toEqual([expect.stringMatching(/^fleet\.yaml: tenant: unknown key "tenant"/)]);
    // ... and a region file that is only a stub draws no endpoint complaint, while a complete one does.
    const stub = problemsAfter({}, (dir) => fs.writeFileSync(path.join(dir, "regions/eu-west-1.yaml"), "region: eu-west-1\n"));
    expect(stub.length).toBeGreaterThan(0);
    expect(stub.filter((line) => line.includes("clusterEndpoint"))).toEqual([]);
    expectExactly(problemsAfter({ [WEST]: (doc) => doc.delete("clusterEndpoint") }), [at(WEST, "clusterEndpoint", "no clusterEndpoint: the default is a private-only API endpoint")]);
  });

  it("5: node counts are bounded by EKS's node-group quota and by a fleet limit that can be raised", () => {
    const eksLimit = /is above EKS's limit of 450 nodes per managed node group \(EKS service quota "Nodes per managed node group"/;
    expectExactly(
      problemsAfter({
        [EAST]: (doc) => {
          doc.setIn(["gpuPools", 0, "maxSize"], 451);
          doc.setIn(["gpuPools", 1, "maxSize"], 1e20); // too large, not "not a whole number"
          doc.setIn(["gpuPools", 2, "minSize"], 1.5);
          doc.setIn(["systemPool", "maxSize"], 5000);
        },
      }),
      [
        at(EAST, "gpuPools[0].maxSize", eksLimit),
        at(EAST, "gpuPools[1].maxSize", eksLimit),
        at(EAST, "gpuPools[2].minSize", "minSize must be a whole number (from 0 to 450)"),
        at(EAST, "systemPool.maxSize", eksLimit),
      ],
    );

    // Three pools of 400 nodes: each within EKS's quota, together above the fleet's default of 1000.
    const big = { [EAST]: (doc: YamlDoc) => [0, 1, 2].forEach((index) => doc.setIn(["gpuPools", index, "maxSize"], 400)) };
    expectExactly(problemsAfter(big), [
      at(EAST, "gpuPools", /can scale to 1200 nodes together \(train-h100 400, infer-l4 400, mig-a100 400\), above the fleet's limit of 1000 .*raise limits\.maxGpuNodesPerRegion/),
    ]);
    // Raised explicitly in fleet.yaml, the same pools are fine; a lowered limit catches a smaller region.
    expect(problemsAfter({ ...big, [FLEET]: (doc) => doc.set("limits", doc.createNode({ maxGpuNodesPerRegion: 1500 })) })).toEqual([]);
    expectExactly(problemsAfter({ [FLEET]: (doc) => doc.set("limits", doc.createNode({ maxGpuNodesPerRegion: 10 })) }), [
      at(EAST, "gpuPools", "can scale to 14 nodes together"),
    ]);
    expect(loadFleetConfig(brokenCopy({ [FLEET]: (doc) => doc.set("limits", doc.createNode({ maxGpuNodesPerRegion: 1500 })) })).fleet.limits).toEqual({
      maxGpuNodesPerRegion: 1500,
    });
    expectExactly(problemsAfter({ [FLEET]: (doc) => doc.set("limits", doc.createNode({ maxGpuNodesPerRegion: 0 })) }), [
      at(FLEET, "limits.maxGpuNodesPerRegion", "must be 1 or more"),
    ]);
  });

  it("6: endpoint allowlists refuse entries that defeat them", () => {
    const publicCidrs = (cidrs: string[], extra?: (doc: YamlDoc) => void) => ({
      [EAST]: (doc: YamlDoc) => {
        doc.setIn(["clusterEndpoint", "publicAccessCidrs"], doc.createNode(cidrs));
        extra?.(doc);
      },
    });
    expectExactly(
      problemsAfter(
        publicCidrs(["0.0.0.0/0", "8.0.0.0/5", "10.0.0.0/8", "100.64.0.0/16", "169.254.1.0/24", "203.0.113.7/24", "198.51.100.0/24", "198.51.100.0/24", "192.0.02.0/24"]),
      ),
      [
        at(EAST, "clusterEndpoint.publicAccessCidrs[0]", /the whole internet.*allowBroadPublicAccess: true/),
        at(EAST, "clusterEndpoint.publicAccessCidrs[1]", /a \/5, a large part of the internet.*allowBroadPublicAccess: true/),
        at(EAST, "clusterEndpoint.publicAccessCidrs[2]", "a private range (RFC 1918)"),
        at(EAST, "clusterEndpoint.publicAccessCidrs[3]", "carrier-grade NAT space"),
        at(EAST, "clusterEndpoint.publicAccessCidrs[4]", "link-local space"),
        at(EAST, "clusterEndpoint.publicAccessCidrs[5]", "has host bits set; use the network address 203.0.113.0/24"),
        at(EAST, "clusterEndpoint.publicAccessCidrs[7]", "198.51.100.0/24 is listed twice"),
        at(EAST, "clusterEndpoint.publicAccessCidrs[8]", "has a leading zero"),
      ],
    );
    // Acknowledged, a broad range is accepted.
    expect(problemsAfter(publicCidrs(["0.0.0.0/0"], (doc) => doc.setIn(["clusterEndpoint", "allowBroadPublicAccess"], true)))).toEqual([]);
    // EKS takes at most 40 public ranges.
    expectExactly(problemsAfter(publicCidrs(Array.from({ length: 41 }, (_, i) => `198.51.${i}.0/24`))), [
      at(EAST, "clusterEndpoint.publicAccessCidrs", "EKS allows at most 40"),
    ]);
    // The private list: too broad, inside the VPC, host bits, duplicates, leading zeros.
    expectExactly(
      problemsAfter({
        [WEST]: (doc) =>
          doc.setIn(["clusterEndpoint", "privateAccessCidrs"], doc.createNode(["0.0.0.0/0", "10.41.8.0/24", "10.100.0.1/16", "192.168.0.0/16", "192.168.0.0/16", "10.050.0.0/16"])),
      }),
      [
        at(WEST, "clusterEndpoint.privateAccessCidrs[0]", "broader than any VPN or CI network"),
        at(WEST, "clusterEndpoint.privateAccessCidrs[1]", "overlaps this region's VPC 10.41.0.0/16"),
        at(WEST, "clusterEndpoint.privateAccessCidrs[2]", "has host bits set"),
        at(WEST, "clusterEndpoint.privateAccessCidrs[4]", "is listed twice"),
        at(WEST, "clusterEndpoint.privateAccessCidrs[5]", "write 10.50.0.0/16"),
      ],
    );
  });

  it("11: every derived name is valid where it is used", () => {
    const fleetName = (name: string) => problemsAfter({ [FLEET]: (doc) => doc.set("name", name) });
    expectExactly(fleetName("xn--gpu"), [at(FLEET, "name", 'the datasets bucket name xn--gpu-datasets-us-east-1-<account id> must not start with "xn--"')]);
    expectExactly(fleetName("sthree-gpu"), [at(FLEET, "name", 'must not start with "sthree-"')]);
    expectExactly(fleetName("amzn-s3-demo-gpu"), [at(FLEET, "name", 'must not start with "amzn-s3-demo-"')]);

    const stateBucket = (bucket: string) => problemsAfter({ [FLEET]: (doc) => doc.setIn(["state", "bucket"], bucket) });
    expectExactly(stateBucket("192.168.10.1"), [at(FLEET, "state.bucket", "must not be formatted as an IP address")]);
    expectExactly(stateBucket("tf..state"), [at(FLEET, "state.bucket", "must not hold two adjacent periods")]);
    expectExactly(stateBucket("tfstate-s3alias"), [at(FLEET, "state.bucket", 'must not end with "-s3alias"')]);
    expectExactly(stateBucket("xn--tfstate"), [at(FLEET, "state.bucket", 'must not start with "xn--"')]);
    expectExactly(stateBucket("ab"), [at(FLEET, "state.bucket", "is 2 characters; S3 bucket names have 3 to 63")]);
    expectExactly(stateBucket("TF_State"), [
      at(FLEET, "state.bucket", "may hold only lowercase letters"),
      at(FLEET, "state.bucket", "must begin and end with a lowercase letter or digit"),
    ]);
    for (const suffix of ["--ol-s3", ".mrap", "--x-s3"]) expect(s3BucketNameProblems(`bucket${suffix}`)).toEqual([expect.stringContaining(`"${suffix}"`)]);

    // A long region code: the bucket names and the cluster-autoscaler role outgrow S3's and IAM's limits.
    const region = `us-${"a".repeat(38)}-1`;
    const lines = problemsAfter({}, copyRegion(WEST, region, "10.60.0.0/16"));
    expect(lines).toEqual(
      expect.arrayContaining([
        at(FLEET, "name", "S3 bucket names have 3 to 63"),
        at(FLEET, "name", /the cluster-autoscaler IAM role fastgpu-us-a+-1-cluster-autoscaler would be 70 characters, above IAM's 64/),
        at(FLEET, "tenants[0].name", "the tenant's IAM role"),
      ]),
    );
  });

  it("12: a region outside the catalog is called that, and every pool can override the catalog", () => {
    const outside = problemsAfter({}, copyRegion(EAST, "ap-south-2", "10.60.0.0/16"));
    const file = "regions/ap-south-2.yaml";
    const notInCatalog = /ap-south-2 is not in the catalog's region list \(dated \d{4}-\d{2}-\d{2}, 24 regions\)/;
    expectExactly(outside, [
      at(file, "systemPool.instanceType", new RegExp(`${notInCatalog.source}.*set offeredInRegion: true on the system pool`)),
      at(file, "gpuPools[0].instanceType", new RegExp(`${notInCatalog.source}.*set offeredInRegion: true on this pool`)),
      at(file, "gpuPools[1].instanceType", notInCatalog),
      at(file, "gpuPools[2].instanceType", notInCatalog),
      at(file, "availabilityZoneIds", "has none for ap-south-2: set availabilityZoneIds to three of"),
    ]);
    expect(outside.join("\n")).not.toMatch(/not offered/);
    const overridden = problemsAfter(
      {
        [file]: (doc) => {
          [["systemPool"], ["gpuPools", 0], ["gpuPools", 1], ["gpuPools", 2]].forEach((part) => doc.setIn([...part, "offeredInRegion"], true));
          doc.set("availabilityZoneIds", doc.createNode(["aps2-az1", "aps2-az2", "aps2-az3"]));
        },
      },
      copyRegion(EAST, "ap-south-2", "10.60.0.0/16"),
    );
    expect(overridden).toEqual([]);

    // A known region that does not offer the system pool's type: the system pool names the override too.
    const south = "regions/eu-south-2.yaml";
    const lines = problemsAfter({ [south]: (doc) => doc.setIn(["systemPool", "instanceType"], "m6i.xlarge") }, copyRegion(EAST, "eu-south-2", "10.61.0.0/16"));
    expect(lines).toEqual(
      expect.arrayContaining([at(south, "systemPool.instanceType", /m6i\.xlarge is not offered in eu-south-2 per the catalog.*set offeredInRegion: true on the system pool/)]),
    );
    expect(problemsAfter({ [EAST]: (doc) => doc.setIn(["systemPool", "offeredInRegion"], false) })).toEqual([
      at(EAST, "systemPool.offeredInRegion", "set it to true or remove it"),
    ]);
  });

  it("13: fleet tags follow AWS's tag rules", () => {
    const tags = (entries: Record<string, string>) => problemsAfter({ [FLEET]: (doc) => doc.set("tags", doc.createNode(entries)) });
    expectExactly(
      tags({
        "aws:cost-center": "gpu",
        "AWS:team": "gpu",
        ["k".repeat(129)]: "v",
        long: "v".repeat(257),
        "cost#center": "gpu",
        owner: "platform;team",
        Name: "fleet",
        "managed-by": "me",
      }),
      [
        at(FLEET, "tags.aws:cost-center", '"aws:" prefix is reserved'),
        at(FLEET, "tags.AWS:team", '"aws:" prefix is reserved'),
        at(FLEET, `tags.${"k".repeat(129)}`, "at most 128 characters; this one has 129"),
        at(FLEET, "tags.long", "a tag value has at most 256 characters; this one has 257"),
        at(FLEET, "tags.cost#center", 'remove "#"'),
        at(FLEET, "tags.owner", 'a tag value may hold only letters, digits, spaces and _ . : / = + - @ (AWS tag rules); remove ";"'),
        at(FLEET, "tags.Name", "would replace the names FastGPU gives each resource"),
        at(FLEET, "tags.managed-by", "FastGPU sets this tag on every resource itself"),
      ],
    );
    expect(tags({ équipe: "données ü", "team/ml": "a b_c.d:e/f=g+h-i@j", empty: "" })).toEqual([]);
    expectExactly(tags(Object.fromEntries(Array.from({ length: 44 }, (_, i) => [`tag${i}`, "v"]))), [at(FLEET, "tags", "lists 44 tags; AWS allows 50 per resource")]);
  });

  it("14: networks stay apart and AZs exist", () => {
    expect(parseCidr("010.0.0.0/16")).toBeNull();
    expect(parseCidr("10.0.0.0/08")).toBeNull();
    expect(parseCidr("10.0.0.0/8")).toEqual({ address: 0x0a000000, prefix: 8 });
    expectExactly(problemsAfter({ [EAST]: (doc) => doc.set("vpcCidr", "10.040.0.0/16") }), [at(EAST, "vpcCidr", "has a leading zero, which AWS and Terraform reject (some tools read it as octal); write 10.40.0.0/16")]);

    // Public address space as a VPC range needs an acknowledgement.
    expectExactly(problemsAfter({ [EAST]: (doc) => doc.set("vpcCidr", "8.8.0.0/16") }), [at(EAST, "vpcCidr", /not in a private range.*allowPublicVpcCidr: true/)]);
    expect(problemsAfter({ [EAST]: (doc) => { doc.set("vpcCidr", "8.8.0.0/16"); doc.set("allowPublicVpcCidr", true); } })).toEqual([]);

    // A routed network on the Kubernetes service CIDR EKS picks for the VPC (10.100.0.0/16 outside 10.0.0.0/8).
    expectExactly(problemsAfter({ [WEST]: (doc) => doc.set("vpcCidr", "192.168.0.0/16") }), [
      at(WEST, "clusterEndpoint.privateAccessCidrs[0]", "overlaps 10.100.0.0/16, the Kubernetes service CIDR EKS gives a cluster in 192.168.0.0/16"),
    ]);
    expectExactly(problemsAfter({ [WEST]: (doc) => doc.setIn(["clusterEndpoint", "privateAccessCidrs"], doc.createNode(["172.20.0.0/16"])) }), [
      at(WEST, "clusterEndpoint.privateAccessCidrs[0]", "overlaps 172.20.0.0/16, the Kubernetes service CIDR"),
    ]);

    // VPCs of two regions overlap.
    expectExactly(problemsAfter({ [WEST]: (doc) => doc.set("vpcCidr", "10.40.128.0/17") }), [
      at(WEST, "vpcCidr", "10.40.128.0/17 overlaps us-east-1's vpcCidr 10.40.0.0/16 (us-east-1.yaml); peering and transit gateways need"),
    ]);
    expectExactly(problemsAfter({}, copyRegion(WEST, "us-east-2", "10.41.0.0/16")), [at(WEST, "vpcCidr", "overlaps us-east-2's vpcCidr 10.41.0.0/16")]);

    // AZs: one the region lacks, a repeat, another region's, and none checked where the catalog has no AZ list.
    expect(REGION_AZS["us-east-1"]).toContain("us-east-1f");
    expectExactly(
      problemsAfter({ [EAST]: (doc) => doc.setIn(["gpuPools", 0, "availabilityZones"], doc.createNode(["us-east-1a", "us-east-1g", "us-east-1a", "us-west-2a"])) }),
      [
        at(EAST, "gpuPools[0].availabilityZones[1]", "us-east-1 has no AZ us-east-1g; its AZs are us-east-1a, us-east-1b"),
        at(EAST, "gpuPools[0].availabilityZones[2]", "us-east-1a is listed twice"),
        at(EAST, "gpuPools[0].availabilityZones[3]", "us-west-2a is not an AZ of us-east-1"),
      ],
    );
    expectExactly(problemsAfter({ [WEST]: (doc) => doc.setIn(["gpuPools", 1, "availabilityZones"], doc.createNode(["us-west-2e"])) }), [
      at(WEST, "gpuPools[1].availabilityZones[0]", "us-west-2 has no AZ us-west-2e"),
    ]);
    const unlisted = "regions/ap-south-2.yaml";
    const outside = problemsAfter({ [unlisted]: (doc) => doc.setIn(["gpuPools", 0, "availabilityZones"], doc.createNode(["ap-south-2z"])) }, copyRegion(EAST, "ap-south-2", "10.60.0.0/16"));
    expect(outside.filter((line) => line.includes("availabilityZones"))).toEqual([]);
  });

  it("15: messages name the limit and the fix; ARNs match the region's partition", () => {
    expectExactly(
      problemsAfter({
        [EAST]: (doc) => doc.setIn(["clusterAdmins", 0], "arn:aws-cn:iam::123456789012:role/platform-admin"),
        [FLEET]: (doc) => doc.setIn(["tenants", 1, "admins", 0], "arn:aws-us-gov:iam::123456789012:role/inference-admin"),
      }),
      [
        at(EAST, "clusterAdmins[0]", "is in partition aws-cn, but us-east-1 is in aws; an IAM principal exists in its own partition only"),
        at(FLEET, "tenants[1].admins[0]", /is in partition aws-us-gov, but us-east-1 is in aws.*use arn:aws:iam::/),
      ],
    );
    expectExactly(problemsAfter({ [EAST]: (doc) => doc.setIn(["clusterAdmins", 0], "arn:aws-foo:iam::123456789012:role/platform-admin") }), [
      at(EAST, "clusterAdmins[0]", "must be an IAM role or user ARN"),
    ]);

    // A mistyped tenant-wide limit is a typo, not an unknown pool; a mistyped pool gets its likely name.
    expectExactly(problemsAfter({ [EAST]: (doc) => doc.setIn(["quotas", "research", "borowingLimit"], 4) }), [
      at(EAST, "quotas.research.borowingLimit", 'did you mean "borrowingLimit"?'),
    ]);
    expectExactly(problemsAfter({ [EAST]: (doc) => doc.setIn(["quotas", "research", "train-h10"], 4) }), [
      at(EAST, "quotas.research.train-h10", 'no GPU pool "train-h10" in this region; pools: train-h100, infer-l4, mig-a100 (did you mean "train-h100"?)'),
    ]);

    // Ranges and flags in our words.
    expectExactly(
      problemsAfter({
        [EAST]: (doc) => {
          doc.setIn(["gpuPools", 0, "rootVolumeGiB"], 20);
          doc.setIn(["gpuPools", 1, "rootVolumeGiB"], 100.5);
          doc.setIn(["gpuPools", 2, "rootVolumeGiB"], 20000);
          doc.setIn(["gpuPools", 0, "offeredInRegion"], false);
          doc.setIn(["gpuPools", 1, "allowQuotaOversubscription"], "yes");
        },
      }),
      [
        at(EAST, "gpuPools[0].rootVolumeGiB", "rootVolumeGiB must be from 50 to 16384 GiB; 20 is too small"),
        at(EAST, "gpuPools[1].rootVolumeGiB", "rootVolumeGiB must be a whole number of GiB (from 50 to 16384)"),
        at(EAST, "gpuPools[2].rootVolumeGiB", "rootVolumeGiB 20000 is above the maximum of 16384 GiB"),
        at(EAST, "gpuPools[0].offeredInRegion", "offeredInRegion takes only the value true: set it to true or remove it"),
        at(EAST, "gpuPools[1].allowQuotaOversubscription", "allowQuotaOversubscription takes only the value true: set it to true or remove it"),
      ],
    );
  });
});
