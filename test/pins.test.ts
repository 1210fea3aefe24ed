/**
 * lib/versions.ts is the one place versions are pinned. Files that cannot import it (the Dockerfile, CMake, the
 * workflows, go.mod, package.json) carry literals; these tests fail when one of them disagrees.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import {
  actionUses,
  CHARTS,
  CI_TOOLCHAIN,
  CUDA_TOOLKIT,
  DEFAULT_VALIDATION_IMAGE_TAG,
  GITHUB_ACTIONS,
  IMAGES,
  KUBERNETES_VERSIONS,
  LOCAL_CHARTS,
  TWIN_KUEUE,
  VALIDATION_IMAGE,
  VALIDATION_IMAGE_BUILD_ARGS,
} from "../lib/versions";

const ROOT = path.resolve(__dirname, "..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const WORKFLOW_DIR = ".github/workflows";
const WORKFLOWS = fs
  .readdirSync(path.join(ROOT, WORKFLOW_DIR))
  .filter((name) => /\.ya?ml$/.test(name))
  .sort()
  .map((name) => `${WORKFLOW_DIR}/${name}`);

interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly "working-directory"?: string;
}
interface Job {
  readonly "runs-on"?: string;
  readonly needs?: string | string[];
  readonly outputs?: Record<string, string>;
  readonly steps?: Step[];
}
interface Workflow {
  readonly env?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

const workflow = (file: string) => parse(read(file)) as Workflow;
const steps = (file: string) => Object.values(workflow(file).jobs).flatMap((job) => job.steps ?? []);
const stepById = (file: string, id: string) => {
  const step = steps(file).find((candidate) => candidate.id === id);
  if (!step?.run) throw new Error(`${file}: no step with id ${id} and a run script`);
  return step;
};

/** Runs a workflow step's shell script here (the repository root is the checkout) and returns its outputs. */
function stepOutputs(step: Step): Record<string, string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fastgpu-pins-"));
  try {
    const outputFile = path.join(dir, "github-output");
    fs.writeFileSync(outputFile, "");
    const result = spawnSync("bash", ["-euo", "pipefail", "-c", step.run!], {
      cwd: ROOT,
      env: { ...process.env, GITHUB_OUTPUT: outputFile },
      encoding: "utf8",
      timeout: 90_000,
    });
    if (result.status !== 0) throw new Error(`step ${step.id} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout}`);
    return Object.fromEntries(
      fs
        .readFileSync(outputFile, "utf8")
        .split("\n")
        .filter((line) => line.includes("="))
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("lib/versions.ts links pins that are one release", () => {
  it("derives the Kueue image and the twin's Kueue from the Kueue chart", () => {
    expect(IMAGES.kueue.tag).toBe(`v${CHARTS.kueue.version}`);
    expect(TWIN_KUEUE.kueue).toBe(`v${CHARTS.kueue.version}`);
  });

  it("builds the validation image on the CUDA release the toolchain assembles, and defaults fleets to that image", () => {
    expect(VALIDATION_IMAGE.cuda).toBe(CUDA_TOOLKIT.release);
    expect(DEFAULT_VALIDATION_IMAGE_TAG).toBe(VALIDATION_IMAGE.version);
    expect(VALIDATION_IMAGE_BUILD_ARGS).toEqual({
      CUDA_VERSION: VALIDATION_IMAGE.cuda,
      UBUNTU_VERSION: VALIDATION_IMAGE.ubuntu,
      KUBECTL_VERSION: VALIDATION_IMAGE.kubectl,
      VERSION: VALIDATION_IMAGE.version,
    });
    expect(CI_TOOLCHAIN.runner.version).toBe(`ubuntu-${VALIDATION_IMAGE.ubuntu}`);
  });

  it("gives the join gate a kubectl within one minor of every supported Kubernetes version (kubectl's skew policy)", () => {
    const minor = (version: string) => Number(/^v?1\.(\d+)/.exec(version)?.[1]);
    for (const kubernetes of Object.keys(KUBERNETES_VERSIONS)) {
      expect(`${kubernetes}: ${Math.abs(minor(VALIDATION_IMAGE.kubectl) - minor(kubernetes))}`).toMatch(/: [01]$/);
    }
  });

  it("pins every action to a 40-hex commit with its release tag and a source", () => {
    for (const pin of Object.values(GITHUB_ACTIONS)) {
      expect(pin.repository).toMatch(/^[\w.-]+\/[\w.-]+$/);
      expect(pin.sha).toMatch(/^[0-9a-f]{40}$/);
      expect(pin.tag).toMatch(/^v\d+\.\d+\.\d+$/);
      expect(pin.source).toMatch(/read \d{4}-\d{2}-\d{2}/);
    }
    const repositories = Object.values(GITHUB_ACTIONS).map((pin) => pin.repository);
    expect(new Set(repositories).size).toBe(repositories.length);
  });
});

describe("our charts", () => {
  it.each(Object.values(LOCAL_CHARTS))("$path/Chart.yaml has the name and version in LOCAL_CHARTS", (chart) => {
    expect(parse(read(`${chart.path}/Chart.yaml`))).toMatchObject({ name: chart.chart, version: chart.version });
  });
});

describe("kernels-image", () => {
  const dockerfile = read("kernels-image/Dockerfile");

  it("Dockerfile ARG defaults are the build arguments in lib/versions.ts", () => {
    const defaults = Object.fromEntries([...dockerfile.matchAll(/^ARG ([A-Z_]+)=(\S*)\s*$/gm)].map((match) => [match[1], match[2]]));
    // REVISION and CREATED are per build (the workflow passes the commit and the time), not pins.
    expect(defaults).toEqual({ ...VALIDATION_IMAGE_BUILD_ARGS, REVISION: "unknown", CREATED: "unknown" });
  });

  it("Dockerfile FROM lines name versions only through those ARGs", () => {
    const images = [...dockerfile.matchAll(/^FROM\s+(?:--\S+\s+)*(\S+)/gm)].map((match) => match[1]);
    expect(images.length).toBeGreaterThanOrEqual(3);
    for (const image of images) {
      for (const variable of image.matchAll(/\$\{(\w+)\}/g)) expect(Object.keys(VALIDATION_IMAGE_BUILD_ARGS)).toContain(variable[1]);
      expect(`${image} -> ${image.replace(/\$\{\w+\}/g, "")}`).not.toMatch(/-> .*\d/);
    }
  });

  it("CMakeLists.txt project VERSION is the image version", () => {
    const cmake = read("kernels-image/CMakeLists.txt");
    expect(/^project\(gpu-validate VERSION (\S+)/m.exec(cmake)?.[1]).toBe(VALIDATION_IMAGE.version);
  });

  it("the image workflow passes every build argument from lib/versions.ts", () => {
    const file = `${WORKFLOW_DIR}/kernels-image.yml`;
    const outputs = stepOutputs(stepById(file, "target"));
    const expected = { ...VALIDATION_IMAGE_BUILD_ARGS, VERSION: outputs.tag };
    expect(outputs.build_args).toBe(Object.entries(expected).map(([name, value]) => `--build-arg ${name}=${value}`).join(" "));
    const build = steps(file).find((step) => step.run?.includes("docker buildx build"))!;
    expect(build.run).toContain("${{ steps.target.outputs.build_args }}");
    // No pinned argument typed again in the workflow.
    for (const name of Object.keys(VALIDATION_IMAGE_BUILD_ARGS)) expect(build.run).not.toContain(`--build-arg ${name}=`);
    expect(read(file)).toMatch(/paths: \[.*"lib\/versions\.ts".*\]/);
  });
});

describe(".github/workflows", () => {
  const pins = Object.values(GITHUB_ACTIONS);

  it.each(WORKFLOWS)("%s uses each action at a commit pinned in GITHUB_ACTIONS, with its tag as a comment", (file) => {
    const text = read(file);
    const lines = text.split("\n").filter((line) => /^\s*(?:-\s+)?uses:/.test(line));
    // Every `uses:` the YAML holds is one of these lines (none hides in another form).
    expect(lines).toHaveLength(steps(file).filter((step) => step.uses !== undefined).length);
    for (const line of lines) {
      const uses = line.replace(/^\s*(?:-\s+)?uses:\s*/, "").trim();
      const repository = uses.split("@")[0];
      const pin = pins.find((candidate) => candidate.repository === repository);
      expect(`${file}: ${uses}`).toBe(`${file}: ${pin ? actionUses(pin) : `${repository} has no pin in GITHUB_ACTIONS`}`);
    }
  });

  it("lists no action that no workflow uses", () => {
    const used = new Set(WORKFLOWS.flatMap((file) => steps(file).map((step) => step.uses?.split("@")[0])));
    expect(pins.map((pin) => pin.repository).filter((repository) => !used.has(repository))).toEqual([]);
  });

  it.each(WORKFLOWS)("%s runs on the pinned runner and installs the pinned Node", (file) => {
    const parsed = workflow(file);
    for (const job of Object.values(parsed.jobs)) expect(job["runs-on"]).toBe(CI_TOOLCHAIN.runner.version);
    for (const step of steps(file).filter((candidate) => candidate.uses?.startsWith("actions/setup-node@"))) {
      const version = String(step.with?.["node-version"]);
      expect(version === "${{ env.NODE_VERSION }}" ? parsed.env?.NODE_VERSION : version).toBe(CI_TOOLCHAIN.node.version);
    }
  });

  it("installs Go from the twin's go.mod, whose `go` directive is the pinned Go", () => {
    const setupGo = WORKFLOWS.flatMap(steps).filter((step) => step.uses?.startsWith("actions/setup-go@"));
    expect(setupGo.length).toBeGreaterThan(0);
    for (const step of setupGo) {
      expect(step.with?.["go-version"]).toBeUndefined();
      expect(String(step.with?.["go-version-file"])).toMatch(/^twin\/tools\/[\w-]+\/go\.mod$/);
    }
    const modules = fs.readdirSync(path.join(ROOT, "twin/tools")).map((name) => `twin/tools/${name}/go.mod`).filter((file) => fs.existsSync(path.join(ROOT, file)));
    expect(modules.length).toBeGreaterThan(0);
    for (const file of modules) {
      const directive = /^go (\S+)$/m.exec(read(file))?.[1];
      expect(`${file}: go ${directive}`).toMatch(new RegExp(`: go ${CI_TOOLCHAIN.go.version.replace(/\./g, "\\.")}(\\.\\d+)?$`));
    }
  });

  it("plans with the Terraform pinned in lib/versions.ts", () => {
    const file = `${WORKFLOW_DIR}/plan-preview.yml`;
    const { jobs } = workflow(file);
    expect(stepOutputs(stepById(file, "pins"))).toEqual({ terraform: CI_TOOLCHAIN.terraform.version });
    expect(jobs.synth.outputs?.terraform).toBe("${{ steps.pins.outputs.terraform }}");
    const setup = WORKFLOWS.flatMap(steps).filter((step) => step.uses?.startsWith("hashicorp/setup-terraform@"));
    expect(setup.map((step) => step.with?.terraform_version)).toEqual(["${{ needs.synth.outputs.terraform }}"]);
    expect(read(file)).not.toContain(CI_TOOLCHAIN.terraform.version);
  });

  it("package.json engines.node is the pinned Node", () => {
    expect(JSON.parse(read("package.json")).engines.node).toBe(`>=${CI_TOOLCHAIN.node.version}`);
  });
});

describe("docs", () => {
  it("do not restate the chart pins (they say where the pin lives instead)", () => {
    const docs = ["README.md", ...fs.readdirSync(path.join(ROOT, "docs")).filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`)];
    const pinned = [...Object.values(CHARTS).map((chart) => chart.version), IMAGES.kueue.tag];
    const found = docs.flatMap((file) => pinned.filter((version) => new RegExp(`(^|[^\\w.])${version.replace(/\./g, "\\.")}(?![\\w.])`).test(read(file))).map((version) => `${file}: ${version}`));
    expect(found).toEqual([]);
  });
});
