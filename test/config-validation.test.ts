import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, formatProblem } from "../lib/config/errors";
import { loadFleetConfig } from "../lib/config/load";
import { DEFAULT_VALIDATION_IMAGE_TAG } from "../lib/versions";
import { copyDefaultConfig, DEFAULT_CONFIG_DIR, editYaml } from "./helpers";

type YamlDoc = Parameters<Parameters<typeof editYaml>[1]>[0];

/** Loads a broken copy of the default config and returns the reported lines. */
function problemsAfter(edits: Record<string, (doc: YamlDoc) => void>, prepare?: (dir: string) => void): string[] {
  const dir = copyDefaultConfig();
  prepare?.(dir);
  for (const [file, edit] of Object.entries(edits)) editYaml(path.join(dir, file), edit);
  try {
    loadFleetConfig(dir);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((problem) => formatProblem(problem).replace(`${dir}/`, ""));
  }
  throw new Error("expected the config to be rejected");
}

const EAST = "regions/us-east-1.yaml";
const pool = (index: number, key: string, value: unknown) => (doc: YamlDoc) => doc.setIn(["gpuPools", index, key], value);

describe("the default config", () => {
  it("is valid and loads both regions with their pools", () => {
    const config = loadFleetConfig(DEFAULT_CONFIG_DIR);
    expect(config.regions.map((region) => region.region)).toEqual(["us-east-1", "us-west-2"]);
    const east = config.regions[0];
    expect(east.gpuPools.map((p) => [p.name, p.instanceType, p.capacityType, p.sharing.mode, p.minSize])).toEqual([
      ["train-h100", "p5.48xlarge", "on-demand", "exclusive", 0],
      ["infer-l4", "g6.xlarge", "spot", "time-slicing", 1],
      ["mig-a100", "p4d.24xlarge", "on-demand", "mig", 0],
    ]);
  });
});

describe("config validation rejects bad input with <file>: <path>: <message>", () => {
  it("an unknown instance type", () => {
    expect(problemsAfter({ [EAST]: pool(0, "instanceType", "p9.96xlarge") })).toEqual([
      expect.stringMatching(/^regions\/us-east-1\.yaml: gpuPools\[0\]\.instanceType: unknown instance type "p9\.96xlarge"; GPU types in the catalog: .*p5\.48xlarge.* \(line \d+\)$/),
    ]);
  });

  it("an instance type without GPUs", () => {
    expect(problemsAfter({ [EAST]: pool(1, "instanceType", "m7i.2xlarge") })).toEqual([
      expect.stringMatching(/^regions\/us-east-1\.yaml: gpuPools\[1\]\.instanceType: m7i\.2xlarge has no GPU; pick a GPU type/),
    ]);
  });

  it("MIG on a GPU without MIG", () => {
    const lines = problemsAfter({
      [EAST]: (doc) => doc.setIn(["gpuPools", 1, "sharing"], doc.createNode({ mode: "mig", layout: { "1g.10gb": 7 } })),
    });
    expect(lines).toEqual([expect.stringMatching(/^regions\/us-east-1\.yaml: gpuPools\[1\]\.sharing\.mode: NVIDIA L4 \(g6\.xlarge\) has no MIG; use time-slicing/)]);
  });

  it("a MIG profile that the pool's GPU does not have", () => {
    // 1g.18gb is an H200 profile; the pool runs A100 40GB (p4d).
    const lines = problemsAfter({ [EAST]: (doc) => doc.setIn(["gpuPools", 2, "sharing", "layout"], doc.createNode({ "1g.18gb": 2 })) });
    expect(lines).toEqual([
      expect.stringMatching(/gpuPools\[2\]\.sharing\.layout: "1g\.18gb" is not a MIG profile of NVIDIA A100-SXM4-40GB; valid profiles: 1g\.5gb, 1g\.5gb\+me, 1g\.10gb/),
    ]);
  });

  it("a MIG layout that does not fit the GPU's slices", () => {
    const lines = problemsAfter({ [EAST]: (doc) => doc.setIn(["gpuPools", 2, "sharing", "layout"], doc.createNode({ "4g.20gb": 2 })) });
    expect(lines).toEqual([expect.stringMatching(/gpuPools\[2\]\.sharing\.layout: 2 x 4g\.20gb exceeds its maximum of 1 per GPU/)]);

    const overlapping = problemsAfter({
      [EAST]: (doc) => doc.setIn(["gpuPools", 2, "sharing", "layout"], doc.createNode({ "3g.20gb": 2, "1g.5gb": 1 })),
    });
    expect(overlapping).toEqual([expect.stringMatching(/gpuPools\[2\]\.sharing\.layout: needs 9 memory slices but NVIDIA A100-SXM4-40GB has 8/)]);
  });

  it("a media-engine MIG profile, whose resource name Kubernetes would refuse", () => {
    const lines = problemsAfter({ [EAST]: (doc) => doc.setIn(["gpuPools", 2, "sharing", "layout"], doc.createNode({ "1g.5gb+me": 1, "3g.20gb": 1 })) });
    expect(lines).toEqual([expect.stringMatching(/gpuPools\[2\]\.sharing\.layout\.1g\.5gb\+me: "1g\.5gb\+me" cannot be a Kubernetes resource name .* use "1g\.5gb" instead/)]);
  });

  it("a GPU pool named like the system node group", () => {
    expect(problemsAfter({ [EAST]: pool(1, "name", "system") })).toEqual(
      expect.arrayContaining([expect.stringMatching(/gpuPools\[1\]\.name: "system" names the platform's own node group/)]),
    );
  });

  it("a principal listed twice", () => {
    const admin = "arn:aws:iam::123456789012:role/platform-admin";
    expect(problemsAfter({ [EAST]: (doc) => doc.set("clusterAdmins", doc.createNode([admin, admin])) })).toEqual([
      expect.stringMatching(/^regions\/us-east-1\.yaml: clusterAdmins\[1\]: arn:aws:iam::123456789012:role\/platform-admin is listed twice/),
    ]);
    const researchAdmin = "arn:aws:iam::123456789012:role/research-admin";
    expect(problemsAfter({ "fleet.yaml": (doc) => doc.setIn(["tenants", 0, "admins"], doc.createNode([researchAdmin, researchAdmin])) })).toEqual([
      expect.stringMatching(/^fleet\.yaml: tenants\[0\]\.admins\[1\]: .* is listed twice; remove the duplicate/),
    ]);
  });

  it("names whose derived IAM role would exceed 64 characters", () => {
    // fastgpu-us-east-1-tenant-<tenant>: 25 characters before the tenant name.
    const longTenant = "a".repeat(40);
    const lines = problemsAfter({
      "fleet.yaml": (doc) => doc.setIn(["tenants", 0, "name"], longTenant),
      [EAST]: (doc) => doc.set("quotas", doc.createNode({})),
      "regions/us-west-2.yaml": (doc) => doc.set("quotas", doc.createNode({})),
    });
    expect(lines).toEqual([
      expect.stringMatching(/^fleet\.yaml: tenants\[0\]\.name: the tenant's IAM role fastgpu-us-east-1-tenant-a{40} would be 65 characters, above IAM's 64; shorten the tenant name by 1/),
    ]);
  });

  it("time-slicing replicas below 2 or beyond the sane bound", () => {
    expect(problemsAfter({ [EAST]: (doc) => doc.setIn(["gpuPools", 1, "sharing", "replicas"], 1) })).toEqual([
      expect.stringMatching(/gpuPools\[1\]\.sharing\.replicas: time-slicing needs replicas >= 2 \(1 replica is exclusive mode/),
    ]);
    expect(problemsAfter({ [EAST]: (doc) => doc.setIn(["gpuPools", 1, "sharing", "replicas"], 64) })).toEqual([
      expect.stringMatching(/gpuPools\[1\]\.sharing\.replicas: replicas above 32 leave each job a sliver of a GPU/),
    ]);
  });

  it("minSize above maxSize", () => {
    expect(problemsAfter({ [EAST]: pool(1, "minSize", 9) })).toEqual([
      expect.stringMatching(/^regions\/us-east-1\.yaml: gpuPools\[1\]\.minSize: minSize 9 is above maxSize 8 \(line \d+\)$/),
    ]);
  });

  it("duplicate pool names", () => {
    const lines = problemsAfter({ [EAST]: pool(2, "name", "train-h100") });
    expect(lines[0]).toMatch(/gpuPools\[2\]\.name: duplicate pool name "train-h100" \(also gpuPools\[0\]\)/);
    // The renamed pool's quotas now point at a pool that no longer exists.
    expect(lines.slice(1)).toEqual([expect.stringMatching(/quotas\.research\.mig-a100: no GPU pool "mig-a100"/), expect.stringMatching(/quotas\.inference\.mig-a100: no GPU pool/)]);
  });

  it("pool names that are not DNS labels", () => {
    expect(problemsAfter({ [EAST]: pool(0, "name", "Train_H100") })).toEqual([
      expect.stringMatching(/gpuPools\[0\]\.name: a pool name must be a DNS label/),
    ]);
  });

  it("a region file whose region differs from its name", () => {
    expect(problemsAfter({ [EAST]: (doc) => doc.set("region", "us-east-2") })).toEqual([
      expect.stringMatching(/^regions\/us-east-1\.yaml: region: region "us-east-2" does not match the file name; rename the file to us-east-2\.yaml/),
    ]);
  });

  it("an instance type the catalog does not list in the region, unless the pool overrides it", () => {
    // The us-east-1 pools copied to eu-central-1: g6 and p4d are offered there, p6-b200 is not.
    const prepare = (dir: string) => {
      const text = fs.readFileSync(path.join(dir, EAST), "utf8").replace("region: us-east-1", "region: eu-central-1").replace("10.40.0.0/16", "10.42.0.0/16");
      fs.writeFileSync(path.join(dir, "regions/eu-central-1.yaml"), text);
    };
    const lines = problemsAfter({ "regions/eu-central-1.yaml": pool(0, "instanceType", "p6-b200.48xlarge") }, prepare);
    expect(lines).toEqual([
      expect.stringMatching(
        /^regions\/eu-central-1\.yaml: gpuPools\[0\]\.instanceType: p6-b200\.48xlarge is not offered in eu-central-1 per the catalog \(region list dated \d{4}-\d{2}-\d{2}\); offered in: us-east-1, us-east-2, us-west-2\. If AWS has added it, set offeredInRegion: true on this pool/,
      ),
    ]);

    const dir = copyDefaultConfig();
    prepare(dir);
    editYaml(path.join(dir, "regions/eu-central-1.yaml"), (doc) => {
      doc.setIn(["gpuPools", 0, "instanceType"], "p6-b200.48xlarge");
      doc.setIn(["gpuPools", 0, "offeredInRegion"], true);
    });
    expect(loadFleetConfig(dir).regions.map((region) => region.region)).toContain("eu-central-1");
  });

  it("a capacity block without a reservation id (and without its one AZ)", () => {
    expect(problemsAfter({ [EAST]: pool(0, "capacityType", "capacity-block") })).toEqual([
      expect.stringMatching(/gpuPools\[0\]\.capacityReservationId: a capacity-block pool needs the Capacity Block's reservation id \(cr-\.\.\.\)/),
      expect.stringMatching(/gpuPools\[0\]\.availabilityZones: a Capacity Block lives in one AZ/),
    ]);
  });

  it("unknown YAML keys, with the likely intended key", () => {
    const lines = problemsAfter({
      [EAST]: (doc) => {
        doc.setIn(["gpuPools", 0, "maxSzie"], 3);
        doc.set("vpcCdir", "10.0.0.0/16");
      },
      "fleet.yaml": (doc) => doc.set("tenant", []),
    });
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^fleet\.yaml: tenant: unknown key "tenant"; did you mean "tenants"\?/),
        expect.stringMatching(/^regions\/us-east-1\.yaml: gpuPools\[0\]\.maxSzie: unknown key "maxSzie"; did you mean "maxSize"\? \(line \d+\)$/),
        expect.stringMatching(/^regions\/us-east-1\.yaml: vpcCdir: unknown key "vpcCdir"; did you mean "vpcCidr"\?/),
      ]),
    );
    expect(lines).toHaveLength(3);
  });

  it("a missing required key", () => {
    expect(problemsAfter({ [EAST]: (doc) => doc.deleteIn(["gpuPools", 0, "capacityType"]) })).toEqual([
      expect.stringMatching(/^regions\/us-east-1\.yaml: gpuPools\[0\]\.capacityType: required key "capacityType" is missing \(line \d+\)$/),
    ]);
  });

  it("reports every problem of every file at once", () => {
    const lines = problemsAfter({
      [EAST]: (doc) => {
        doc.setIn(["gpuPools", 0, "minSize"], 10);
        doc.setIn(["gpuPools", 1, "sharing", "replicas"], 0);
      },
      "regions/us-west-2.yaml": (doc) => doc.setIn(["gpuPools", 0, "instanceType"], "x1.nope"),
    });
    expect(lines).toHaveLength(3);
    expect(lines.filter((line) => line.startsWith("regions/us-east-1.yaml: "))).toHaveLength(2);
    expect(lines.filter((line) => line.startsWith("regions/us-west-2.yaml: gpuPools[0].instanceType: "))).toHaveLength(1);
  });

  it("invalid YAML and a missing directory are reported, not thrown raw", () => {
    const lines = problemsAfter({}, (dir) => fs.appendFileSync(path.join(dir, EAST), "\nbuckets: [unclosed\n"));
    expect(lines[0]).toMatch(/^regions\/us-east-1\.yaml: invalid YAML: /);
    expect(() => loadFleetConfig("/nonexistent/fastgpu-config")).toThrow(/config directory not found; set FASTGPU_CONFIG/);
  });

  it("settings that only make sense together", () => {
    expect(problemsAfter({ [EAST]: (doc) => doc.setIn(["clusterEndpoint", "publicAccessCidrs"], doc.createNode([])) })).toEqual([
      expect.stringMatching(/clusterEndpoint\.publicAccessCidrs: a public endpoint needs an allowlist/),
    ]);
    expect(problemsAfter({ "regions/us-west-2.yaml": (doc) => doc.deleteIn(["clusterEndpoint", "privateAccessCidrs"]) })).toEqual([
      expect.stringMatching(/^regions\/us-west-2\.yaml: clusterEndpoint\.privateAccessCidrs: a private-only API endpoint admits only the cluster itself/),
    ]);
    expect(problemsAfter({ [EAST]: (doc) => doc.setIn(["buckets", "checkpoints", "versioning"], false) })).toEqual([
      expect.stringMatching(/buckets\.checkpoints\.noncurrentVersionExpireAfterDays: noncurrent versions exist only with versioning: true/),
      expect.stringMatching(/buckets\.checkpoints\.versioning: checkpoints must be versioned/),
    ]);
    expect(problemsAfter({ [EAST]: pool(1, "capacityReservationId", "cr-0123456789abcdef0") })).toEqual([
      expect.stringMatching(/gpuPools\[1\]\.capacityReservationId: only capacity-block pools take a reservation id/),
    ]);
    expect(problemsAfter({ "fleet.yaml": (doc) => doc.set("regions", doc.createNode(["us-east-1", "eu-west-9"])) })).toEqual([
      expect.stringMatching(/^fleet\.yaml: regions\[1\]: no regions\/eu-west-9\.yaml; add the file or remove eu-west-9 from regions/),
    ]);
  });
});

describe("tenancy config validation", () => {
  const quota = (tenant: string, key: string, value: unknown) => (doc: YamlDoc) => doc.setIn(["quotas", tenant, key], doc.createNode(value));

  it("a quota for an unknown tenant or pool", () => {
    expect(problemsAfter({ [EAST]: quota("vision", "train-h100", 1) })).toEqual([
      expect.stringMatching(/^regions\/us-east-1\.yaml: quotas\.vision: no tenant "vision" in fleet\.yaml; add it to tenants or remove these quotas \(tenants: research, inference\)/),
    ]);
    expect(problemsAfter({ [EAST]: quota("research", "train-a100", 1) })).toEqual([
      expect.stringMatching(/quotas\.research\.train-a100: no GPU pool "train-a100" in this region; pools: train-h100, infer-l4, mig-a100/),
    ]);
  });

  it("a negative or non-integer quota", () => {
    expect(problemsAfter({ [EAST]: quota("research", "infer-l4", -2) })).toEqual([
      expect.stringMatching(/^regions\/us-east-1\.yaml: quotas\.research\.infer-l4: a quota must be 0 or more \(line \d+\)$/),
    ]);
    expect(problemsAfter({ [EAST]: quota("research", "infer-l4", 2.5) })).toEqual([
      expect.stringMatching(/quotas\.research\.infer-l4: a pool quota is a whole number of GPUs/),
    ]);
    expect(problemsAfter({ [EAST]: quota("research", "infer-l4", "lots") })).toEqual([
      expect.stringMatching(/quotas\.research\.infer-l4: a pool quota is a whole number of GPUs, or \{nominal, borrowingLimit\?, lendingLimit\?\}/),
    ]);
  });

  it("nominal quotas above what a pool advertises at maxSize, unless oversubscription is allowed", () => {
    const lines = problemsAfter({ [EAST]: quota("inference", "infer-l4", 30) });
    expect(lines).toEqual([
      expect.stringMatching(
        /quotas: nominal quotas on pool "infer-l4" add up to 38 GPU replicas \(inference 30, research 8\) but it advertises 32 at maxSize 8; lower them, raise maxSize, or set allowQuotaOversubscription: true on the pool/,
      ),
    ]);
    const dir = copyDefaultConfig();
    editYaml(path.join(dir, EAST), (doc) => {
      doc.setIn(["quotas", "inference", "infer-l4"], 30);
      doc.setIn(["gpuPools", 1, "allowQuotaOversubscription"], true);
    });
    expect(() => loadFleetConfig(dir)).not.toThrow();
  });

  it("a lending limit above the nominal quota", () => {
    expect(problemsAfter({ [EAST]: quota("research", "infer-l4", { nominal: 4, lendingLimit: 6 }) })).toEqual([
      expect.stringMatching(/quotas\.research\.infer-l4: lendingLimit 6 is above the nominal quota 4: a tenant can lend at most what it owns/),
    ]);
  });

  it("an invalid or reserved tenant name, and one principal administering two tenants", () => {
    expect(problemsAfter({ "fleet.yaml": (doc) => doc.setIn(["tenants", 0, "name"], "Research Team") })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^fleet\.yaml: tenants\[0\]\.name: a tenant name must be a DNS label/)]),
    );
    expect(problemsAfter({ "fleet.yaml": (doc) => doc.setIn(["tenants", 1, "name"], "kube-system") })).toEqual(
      expect.arrayContaining([expect.stringMatching(/tenants\[1\]\.name: "kube-system" is a system namespace/)]),
    );
    expect(
      problemsAfter({ "fleet.yaml": (doc) => doc.setIn(["tenants", 1, "admins"], doc.createNode(["arn:aws:iam::123456789012:role/research-admin"])) }),
    ).toEqual([expect.stringMatching(/tenants\[1\]\.admins\[0\]: arn:aws:iam::123456789012:role\/research-admin already administers tenant "research"/)]);
    expect(
      problemsAfter({ "fleet.yaml": (doc) => doc.setIn(["tenants", 0, "admins"], doc.createNode(["arn:aws:iam::123456789012:group/ml-team"])) }),
    ).toEqual([expect.stringMatching(/tenants\[0\]\.admins\[0\]: must be an IAM role or user ARN/)]);
  });

  it("a priority class name clash", () => {
    expect(problemsAfter({ "fleet.yaml": (doc) => doc.setIn(["priorityClasses", 2, "name"], "production") })).toEqual([
      expect.stringMatching(/^fleet\.yaml: priorityClasses\[2\]\.name: duplicate priority class "production" \(also priorityClasses\[0\]\); names must be unique/),
    ]);
    expect(problemsAfter({ "fleet.yaml": (doc) => doc.setIn(["priorityClasses", 0, "name"], "system-cluster-critical") })).toEqual([
      expect.stringMatching(/priorityClasses\[0\]\.name: "system-" names belong to Kubernetes' own priority classes/),
    ]);
  });
});

describe("validation config", () => {
  it("defaults safely and rejects a bad profile, tag or typo", () => {
    const defaults = loadFleetConfig(DEFAULT_CONFIG_DIR).fleet.validation;
    expect(defaults).toEqual({ profile: "quick", deployGate: true, joinGate: true, deployGateTimeoutMinutes: 40, image: { tag: DEFAULT_VALIDATION_IMAGE_TAG } });
    const lines = problemsAfter({
      "fleet.yaml": (doc) =>
        doc.set("validation", doc.createNode({ profile: "thorough", image: { tag: "latest version" }, joinGte: false })),
    });
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^fleet\.yaml: validation\.profile: validation\.profile must be quick or full/),
        expect.stringMatching(/^fleet\.yaml: validation\.image\.tag: must be an image tag such as 0\.1\.0/),
        expect.stringMatching(/^fleet\.yaml: validation\.joinGte: unknown key "joinGte"; did you mean "joinGate"\?/),
      ]),
    );
  });
});

describe("FASTGPU_CONFIG and fleet.regions", () => {
  it("selects only the listed region files", () => {
    const dir = copyDefaultConfig();
    editYaml(path.join(dir, "fleet.yaml"), (doc) => doc.set("regions", doc.createNode(["us-west-2"])));
    expect(loadFleetConfig(dir).regions.map((region) => region.region)).toEqual(["us-west-2"]);
  });
});
