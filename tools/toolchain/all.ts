/**
 * `npm run toolchain`: everything the tests need that this project builds or assembles itself, each cached
 * by version: the CUDA 13.0 toolkit from PyPI wheels, OpenTofu when no terraform or tofu is installed, and
 * the cluster twin's components for every Kubernetes version the config uses. Reruns take seconds.
 */
import { configDirFromEnv, loadFleetConfig } from "../../lib/config/load";
import { ensureControlPlane, ensureHelmKubectl, ensureKueue } from "../twin/components";
import { ensureCudaToolkit } from "./cuda";
import { ensureTofu } from "./opentofu";
import { findTerraform } from "./terraform";

function log(line: string): void {
  process.stderr.write(`toolchain: ${line}\n`);
}

function main(): number {
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
      log(`${name} failed: ${(error as Error).message}`);
      return 1;
    }
    log(`${name}: ready (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  return 0;
}

if (require.main === module) process.exitCode = main();
