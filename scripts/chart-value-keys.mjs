#!/usr/bin/env node
// Derives the value keys a Helm chart version accepts from that version's values.yaml and writes them as a
// carried data file, schemas/helm/<chart>-<version>.keys.json, which lib/helm/chart-keys.ts looks up by the
// pin in lib/versions.ts (CHARTS) and lib/helm/value-keys.ts checks our computed values against on every synth.
// Run it whenever a chart pin moves; the old version's file is then deleted (test/chart-keys.test.ts says so).
//
//   node scripts/chart-value-keys.mjs <values.yaml> --chart <chart> --version <version> \
//     --repo <owner/name> --tag <git tag> --path <values.yaml's path in that repo> [--date YYYY-MM-DD] [--out <file>]
//
// <values.yaml> is a local copy of the file at `--repo`'s `--tag`, `--path`; its SHA-256 is recorded, so the
// copy can be checked against the upstream tag (git show <tag>:<path> | sha256sum). The pins so far:
//   gpu-operator:        --repo NVIDIA/gpu-operator --tag v26.7.0 --path deployments/gpu-operator/values.yaml
//   kueue:               --repo kubernetes-sigs/kueue --tag v0.19.2 --path charts/kueue/values.yaml
//                        (also in the Go module cache: $(go env GOMODCACHE)/sigs.k8s.io/kueue@v0.19.2/charts/kueue)
//   cluster-autoscaler:  --repo kubernetes/autoscaler --tag cluster-autoscaler-chart-9.59.0
//                        --path cluster-autoscaler/charts/cluster-autoscaler/values.yaml
//
// What it derives: `paths` is every key path values.yaml defines, dotted, in file order. `openPaths` are the
// paths whose content is free-form, under the rule written into the file as `openPathRule` (OPEN_PATH_RULE
// below): any key below an open path is accepted. Output is stable apart from `generatedAt` (default: today,
// UTC), so a regeneration from the same input shows no diff in paths.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parse } from "yaml";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const USAGE =
  "usage: chart-value-keys.mjs <values.yaml> --chart <chart> --version <version> --repo <owner/name> --tag <tag> --path <path in repo> [--date YYYY-MM-DD] [--out <file>]";

let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: {
      chart: { type: "string" },
      version: { type: "string" },
      repo: { type: "string" },
      tag: { type: "string" },
      path: { type: "string" },
      date: { type: "string" },
      out: { type: "string" },
    },
  });
} catch (error) {
  console.error(`${error.message}\n${USAGE}`);
  process.exit(3);
}
const { values: opts, positionals } = args;
const missing = ["chart", "version", "repo", "tag", "path"].filter((name) => !opts[name]);
if (positionals.length !== 1 || missing.length > 0) {
  console.error(`${missing.length ? `missing --${missing.join(", --")}\n` : ""}${USAGE}`);
  process.exit(3);
}
const generatedAt = opts.date ?? new Date().toISOString().slice(0, 10);
if (!/^\d{4}-\d{2}-\d{2}$/.test(generatedAt)) {
  console.error(`--date must be YYYY-MM-DD, got ${generatedAt}`);
  process.exit(3);
}

// Kubernetes-typed maps (label maps, resources, affinity, flag maps) take any keys, whatever their defaults.
const FREE_FORM = ["nodeSelector", "labels", "annotations", "additionalLabels", "podLabels", "podAnnotations", "extraArgs", "resources", "securityContext", "containerSecurityContext", "affinity"];
const OPEN_PATH_RULE =
  `A path is open (any content below it is accepted) when its default is a list, an empty map, or a map under a key named ${FREE_FORM.join(", ")}.`;

const input = readFileSync(positionals[0]);
const paths = [];
const openPaths = [];
const freeForm = new Set(FREE_FORM);
const walk = (value, path) => {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    if (path.length && (Object.keys(value).length === 0 || freeForm.has(path[path.length - 1]))) openPaths.push(path.join("."));
    for (const [key, child] of Object.entries(value)) {
      paths.push([...path, key].join("."));
      walk(child, [...path, key]);
    }
  } else if (Array.isArray(value)) {
    openPaths.push(path.join("."));
  }
};
walk(parse(input.toString("utf8")), []);

const keys = {
  chart: opts.chart,
  version: opts.version,
  source: { repo: opts.repo, tag: opts.tag, path: opts.path },
  inputSha256: createHash("sha256").update(input).digest("hex"),
  generatedAt,
  generator: "scripts/chart-value-keys.mjs",
  openPathRule: OPEN_PATH_RULE,
  paths,
  openPaths,
};
const out = opts.out ?? join(root, "schemas", "helm", `${opts.chart}-${opts.version}.keys.json`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(keys, null, 2)}\n`);
console.error(`wrote ${relative(process.cwd(), out) || out}: ${paths.length} paths, ${openPaths.length} open, input sha256 ${keys.inputSha256}`);
