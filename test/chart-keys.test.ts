import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { CHART_KEYS_DIR, chartKeysDir, chartKeysFileName, chartKeysFileProblems, chartValueKeys } from "../lib/helm/chart-keys";
import { assertChartValues, chartValueProblems, unknownValueKeys } from "../lib/helm/value-keys";
import { loadFleetModel } from "../lib/model/region";
import { regionReleases, type PlatformRelease } from "../lib/platform/releases";
import { CHARTS, isLocalChart } from "../lib/versions";
import { DEFAULT_CONFIG_DIR, REPO_ROOT, tempDir } from "./helpers";

const KEYS_DIR = path.join(REPO_ROOT, CHART_KEYS_DIR);
const GENERATOR = path.join(REPO_ROOT, "scripts/chart-value-keys.mjs");

/** Every active region's Helm releases for the default config: the list the platform stack deploys. */
function defaultConfigReleases(): { region: string; releases: readonly PlatformRelease[] }[] {
  return loadFleetModel(DEFAULT_CONFIG_DIR).regions.map((region) => ({ region: region.region, releases: regionReleases(region).all }));
}

describe("chart key files", () => {
  it.each(Object.entries(CHARTS))("CHARTS.%s has a key file for exactly its pinned version", (_name, pin) => {
    const keys = chartValueKeys(pin);
    expect({ chart: keys.chart, version: keys.version }).toEqual({ chart: pin.chart, version: pin.version });
  });

  it("carries no key file for a chart version that is not pinned", () => {
    const pinned = Object.values(CHARTS).map(chartKeysFileName).sort();
    expect(fs.readdirSync(KEYS_DIR).sort()).toEqual(pinned);
  });

  it.each(fs.readdirSync(KEYS_DIR))("%s is well-formed: its chart and version, a source, a date and the input's SHA-256", (file) => {
    const data = JSON.parse(fs.readFileSync(path.join(KEYS_DIR, file), "utf8"));
    expect(chartKeysFileProblems(data)).toEqual([]);
    expect(chartKeysFileName(data)).toBe(file);
    expect(data.generator).toBe("scripts/chart-value-keys.mjs");
    expect(data.inputSha256 === null ? data.note : data.inputSha256).toMatch(data.inputSha256 === null ? /\S/ : /^[0-9a-f]{64}$/);
  });

  it("reject a malformed file: a short SHA-256, a null one without a note, a bad date, a stray open path", () => {
    const good = JSON.parse(fs.readFileSync(path.join(KEYS_DIR, chartKeysFileName(CHARTS.kueue)), "utf8"));
    expect(chartKeysFileProblems({ ...good, inputSha256: "abc123" })).toEqual(["inputSha256 must be 64 lowercase hex digits, or null with a note"]);
    expect(chartKeysFileProblems({ ...good, inputSha256: null })).toEqual(["inputSha256 is null without a note saying why"]);
    expect(chartKeysFileProblems({ ...good, inputSha256: null, note: "values.yaml of that tag could not be fetched" })).toEqual([]);
    expect(chartKeysFileProblems({ ...good, generatedAt: "yesterday" })).toEqual(["generatedAt must be a date, YYYY-MM-DD"]);
    expect(chartKeysFileProblems({ ...good, openPaths: ["noSuchKey"] })).toEqual(["openPaths not in paths: noSuchKey"]);
    expect(chartKeysFileProblems({ ...good, source: { repo: "kubernetes-sigs/kueue" } })).toEqual(["source must be { repo, tag, path }, all non-empty strings"]);
  });

  it("a pin without a key file fails, naming the chart, version, expected file and the command that writes it", () => {
    const bumped = { ...CHARTS.gpuOperator, version: "v99.1.0" };
    expect(() => chartValueKeys(bumped)).toThrow(
      "No value keys for Helm chart gpu-operator v99.1.0 (its pin in lib/versions.ts): expected schemas/helm/gpu-operator-v99.1.0.keys.json. " +
        "Generate it from that version's values.yaml, then delete the previous version's key file:\n" +
        "  node scripts/chart-value-keys.mjs <values.yaml> --chart gpu-operator --version v99.1.0 --repo NVIDIA/gpu-operator --tag v99.1.0 --path deployments/gpu-operator/values.yaml",
    );
    expect(() => chartValueKeys({ ...CHARTS.clusterAutoscaler, version: "9.60.0" })).toThrow(
      "--chart cluster-autoscaler --version 9.60.0 --repo kubernetes/autoscaler --tag cluster-autoscaler-chart-9.60.0 --path cluster-autoscaler/charts/cluster-autoscaler/values.yaml",
    );
    expect(() => chartValueKeys({ chart: "new-chart", version: "1.0.0" })).toThrow("--repo <owner/name> --tag <git tag of that version> --path <values.yaml's path in that repo>");
    // And so does every synth that checks values against it.
    expect(() => assertChartValues(bumped, {}, 'release "gpu-operator"')).toThrow("expected schemas/helm/gpu-operator-v99.1.0.keys.json");
  });

  it("a key file named for one version but holding another's keys is refused", () => {
    const dir = tempDir("fastgpu-chart-keys-");
    const file = chartKeysFileName({ chart: "kueue", version: "0.20.0" });
    fs.copyFileSync(path.join(KEYS_DIR, chartKeysFileName(CHARTS.kueue)), path.join(dir, file));
    expect(() => chartValueKeys({ chart: "kueue", version: "0.20.0" }, dir)).toThrow(`schemas/helm/${file}: holds keys of kueue 0.19.2, not kueue 0.20.0. Regenerate it:`);
  });

  it("are found from the compiled dist/lib/helm as from lib/helm (the JSON is not copied into dist/)", () => {
    expect(chartKeysDir(path.join(REPO_ROOT, "lib/helm"))).toBe(KEYS_DIR);
    expect(chartKeysDir(path.join(REPO_ROOT, "dist/lib/helm"))).toBe(KEYS_DIR);
    expect(chartKeysDir(path.join(REPO_ROOT, "build/other-out-dir/lib/helm"))).toBe(KEYS_DIR);
    expect(() => chartKeysDir(tempDir())).toThrow("Helm chart key files not found");
  });
});

describe("scripts/chart-value-keys.mjs", () => {
  const valuesYaml = [
    "image:",
    "  repository: example.com/demo",
    '  tag: "1.0"',
    "nodeSelector: {}",
    "tolerations: []",
    "extraArgs:",
    "  v: 4",
    "nested:",
    "  empty: {}",
    "  flag: true",
    "",
  ].join("\n");

  it("writes the key file with its source, the input's SHA-256 and the open-path rule, readable by the lib reader", () => {
    const dir = tempDir("fastgpu-chart-keys-");
    fs.writeFileSync(path.join(dir, "values.yaml"), valuesYaml);
    const out = path.join(dir, "demo-1.2.3.keys.json");
    const args = ["values.yaml", "--chart", "demo", "--version", "1.2.3", "--repo", "example/demo", "--tag", "demo-1.2.3", "--path", "chart/values.yaml", "--date", "2026-01-02", "--out", out];
    const run = spawnSync(process.execPath, [GENERATOR, ...args], { cwd: dir, encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(JSON.parse(fs.readFileSync(out, "utf8"))).toEqual({
      chart: "demo",
      version: "1.2.3",
      source: { repo: "example/demo", tag: "demo-1.2.3", path: "chart/values.yaml" },
      inputSha256: createHash("sha256").update(valuesYaml).digest("hex"),
      generatedAt: "2026-01-02",
      generator: "scripts/chart-value-keys.mjs",
      openPathRule: expect.stringContaining("its default is a list, an empty map, or a map under a key named nodeSelector"),
      paths: ["image", "image.repository", "image.tag", "nodeSelector", "tolerations", "extraArgs", "extraArgs.v", "nested", "nested.empty", "nested.flag"],
      openPaths: ["nodeSelector", "tolerations", "extraArgs", "nested.empty"],
    });
    const keys = chartValueKeys({ chart: "demo", version: "1.2.3" }, dir);
    expect(unknownValueKeys({ image: { tag: "2.0", digest: "sha256:x" }, extraArgs: { "any-flag": true } }, keys)).toEqual(["image.digest"]);
  });

  it("refuses to run without the chart, version and source", () => {
    const run = spawnSync(process.execPath, [GENERATOR, "values.yaml", "--chart", "demo"], { encoding: "utf8" });
    expect(run.status).toBe(3);
    expect(run.stderr).toContain("missing --version, --repo, --tag, --path");
  });
});

describe("chart values against the pinned chart's keys", () => {
  const regions = defaultConfigReleases();
  // us-east-1 has an exclusive, a time-sliced and a MIG pool: every shape of device-plugin config.
  const east = regions.find((region) => region.region === "us-east-1")!.releases;
  const release = (name: string) => east.find((candidate) => candidate.name === name)!;
  const valuesOf = (name: string) => release(name).values as Record<string, Record<string, unknown>>;

  it("the releases use the pins in CHARTS", () => {
    expect(release("gpu-operator").chart).toBe(CHARTS.gpuOperator);
    expect(release("cluster-autoscaler").chart).toBe(CHARTS.clusterAutoscaler);
    expect(release("kueue").chart).toBe(CHARTS.kueue);
  });

  it("GPU operator values use only keys its values.yaml defines; a typo and another version's key are caught", () => {
    const values = valuesOf("gpu-operator");
    expect(chartValueProblems(CHARTS.gpuOperator, values)).toEqual([]);
    expect(chartValueProblems(CHARTS.gpuOperator, { ...values, devicePlugn: { enabled: true }, migManager: { enabled: false, withReboot: true } })).toEqual([
      "migManager.withReboot",
      "devicePlugn",
    ]);
  });

  it("Cluster Autoscaler values use only keys the chart defines (extraArgs takes any autoscaler flag, so it is free-form)", () => {
    const values = valuesOf("cluster-autoscaler");
    expect(chartValueProblems(CHARTS.clusterAutoscaler, values)).toEqual([]);
    expect(chartValueProblems(CHARTS.clusterAutoscaler, { ...values, autoDiscovery: { clusterNmae: "c" } })).toEqual(["autoDiscovery.clusterNmae"]);
  });

  it("Kueue values use only keys the chart defines", () => {
    expect(chartValueProblems(CHARTS.kueue, valuesOf("kueue"))).toEqual([]);
  });

  it("every upstream chart release of every region of the default config passes", () => {
    const checked: string[] = [];
    for (const { region, releases } of regions) {
      for (const { name, chart, values } of releases) {
        if (isLocalChart(chart)) continue;
        assertChartValues(chart, values, `release "${name}" in ${region}`);
        checked.push(`${region}/${name}`);
      }
    }
    expect(checked.length).toBe(regions.length * Object.keys(CHARTS).length);
  });

  it("a wrong value object fails with every unknown key, the release and the fix", () => {
    const values = valuesOf("cluster-autoscaler");
    const wrong = { ...values, autoDiscovery: { clusterNmae: "c" }, rbca: { create: true } };
    expect(() => assertChartValues(CHARTS.clusterAutoscaler, wrong, 'release "cluster-autoscaler" in us-east-1')).toThrow(
      [
        'release "cluster-autoscaler" in us-east-1: Helm values set 2 keys that chart cluster-autoscaler 9.59.0 does not define, so Helm would silently ignore them:',
        "  - autoDiscovery.clusterNmae",
        "  - rbca",
        "Fix the key where the values are built (lib/helm/), against kubernetes/autoscaler cluster-autoscaler-chart-9.59.0 cluster-autoscaler/charts/cluster-autoscaler/values.yaml (its key list: schemas/helm/cluster-autoscaler-9.59.0.keys.json).",
        "If the chart takes free-form content there, the key file should say so: widen FREE_FORM in scripts/chart-value-keys.mjs and regenerate schemas/helm/cluster-autoscaler-9.59.0.keys.json.",
      ].join("\n"),
    );
    expect(() => assertChartValues(CHARTS.clusterAutoscaler, { ...values, rbca: {} }, "x")).toThrow("x: Helm values set a key that chart cluster-autoscaler 9.59.0 does not define, so Helm would silently ignore it:\n  - rbca\n");
    expect(() => assertChartValues(CHARTS.clusterAutoscaler, values, "x")).not.toThrow();
  });

  it("open paths accept free content below them, but the open key itself must be known", () => {
    const values = valuesOf("cluster-autoscaler");
    const free = {
      ...values,
      extraArgs: { ...values.extraArgs, "a-flag-of-a-newer-autoscaler": "1" },
      nodeSelector: { "example.com/anything": "x" },
      podAnnotations: { "example.com/deep": "y" },
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } },
    };
    expect(chartValueProblems(CHARTS.clusterAutoscaler, free)).toEqual([]);
    const operator = valuesOf("gpu-operator");
    expect(chartValueProblems(CHARTS.gpuOperator, { ...operator, daemonsets: { ...operator.daemonsets, labels: { "example.com/team": "gpu" } } })).toEqual([]);
    const keys = { paths: ["a", "a.b", "free"], openPaths: ["free"] };
    expect(unknownValueKeys({ free: { any: { depth: [1, 2] } }, a: { b: 1, c: 2 }, freed: 1 }, keys)).toEqual(["a.c", "freed"]);
  });
});
