/**
 * `npm run toolchain`: everything the tests need that this project builds or assembles itself, each cached
 * by version: the CUDA 13.0 toolkit from PyPI wheels, OpenTofu when no terraform or tofu is installed, and
 * the cluster twin's components for every Kubernetes version the config uses. Reruns take seconds. The first
 * step that fails stops the run, with that step's error and exit code (lib/errors.ts).
 */
import { configDirFromEnv, loadFleetConfig } from "../../lib/config/load";
import { EXIT, runMain } from "../../lib/errors";
import { parseFlags } from "../cli-args";
import { ensureControlPlane, ensureHelmKubectl, ensureKueue } from "../twin/components";
import { ensureCudaToolkit } from "./cuda";
import { ensureTofu } from "./opentofu";
import { findTerraform } from "./terraform";

function log(line: string): void {
  process.stderr.write(`toolchain: ${line}\n`);
}

function main(argv: readonly string[]): number {
  parseFlags(argv, {}, "npm run toolchain");
  const steps: [string, () => void][] = [
    ["CUDA toolkit", () => void ensureCudaToolkit(log)],
    [
      "terraform",
      () => {
        const found = findTerraform();
        if (found) log(`terraform: using ${found.path} (${found.from})`);
        else ensureTofu(log);
      },
    ],
    [
      "cluster twin",
      () => {
        const minors = [...new Set(loadFleetConfig(configDirFromEnv()).regions.map((region) => region.kubernetesVersion))];
        for (const minor of minors) ensureControlPlane(minor, log);
        ensureKueue(log);
        ensureHelmKubectl(log);
      },
    ],
  ];
  for (const [name, step] of steps) {
    const started = Date.now();
    try {
      step();
    } catch (error) {
      log(`${name}: failed`);
      throw error;
    }
    log(`${name}: ready (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  return EXIT.success;
}

if (require.main === module) runMain(() => main(process.argv.slice(2)), { prefix: "toolchain: " });
